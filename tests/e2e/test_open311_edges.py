"""Open311 at its edges: stored text that XML forbids, filters with unknown values, W3C dates in the municipality's
time zone, every error in the spec's format, the jurisdictions a refusal names, CORS for reading, limits on filing."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.db import session
from backend.models import Report
from backend.staff import create_api_key
from geo import grid
from tests.conftest import make_app
from tests.e2e.test_health import proxy_for, via
from tests.e2e.test_open311 import BASE, J, new_request, post

UTC_DAY = "2026-11-01"


@pytest.fixture(scope="module")
def keys(app: Flask, cities: dict) -> dict[str, str]:
    with app.app_context():
        return {"krakow": create_api_key(name="t-311-edges", jurisdiction_code="1261011", scopes=["open311:write"])[1]}


def errors_of(res: Any) -> list[dict[str, str]]:
    """The spec's error list of an answer, parsed strictly from JSON or XML (by the answer's content type)."""
    if res.mimetype == "text/xml":
        root = ElementTree.fromstring(res.get_data())  # noqa: S314 - our own answer
        assert root.tag == "errors"
        return [{"code": e.findtext("code") or "", "description": e.findtext("description") or ""} for e in root]
    assert res.mimetype == "application/json"
    return [{"code": str(e["code"]), "description": e["description"]} for e in json.loads(res.get_data())]


def assert_spec_error(res: Any, status: int, *words: str) -> None:
    assert res.status_code == status, res.get_data(as_text=True)
    items = errors_of(res)
    assert items and {e["code"] for e in items} == {str(status)}
    text = " ".join(e["description"] for e in items)
    for word in words:
        assert word in text, text


def _set_report(app: Flask, rid: str, **values: Any) -> None:
    """Write straight into the stored report, as data kept from before input was checked would be."""
    with app.app_context():
        s = session()
        report = s.scalars(select(Report).where(Report.public_id == rid)).one()
        if "requested_at" in values:
            grid.track(s, report.id, -1)
        for name, value in values.items():
            setattr(report, name, value)
        s.flush()
        if "requested_at" in values:
            grid.track(s, report.id, +1)
        s.commit()


def test_text_xml_forbids_is_dropped_so_stored_text_never_breaks_the_feed(
    app: Flask, client: FlaskClient, keys: dict
) -> None:
    rid = new_request(client, keys)["service_request_id"]
    _set_report(app, rid, description="Lamp\x0b out\x1f since\ufffe Monday\tnight")
    listing = client.get(f"{BASE}/requests.xml", query_string=J)
    root = ElementTree.fromstring(listing.get_data())  # noqa: S314 - strict parser: a \x0b would fail here
    texts = {r.findtext("service_request_id"): r.findtext("description") for r in root}
    assert texts[rid] == "Lamp out since Monday\tnight"
    one = json.loads(client.get(f"{BASE}/requests/{rid}.json", query_string=J).get_data())
    assert one[0]["description"] == "Lamp out since Monday\tnight"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"status": "bogus"}, "status"),
        ({"service_code": "pothole,teleport"}, "teleport"),
        ({"service_request_id": "KRK-2026-000001,<script>"}, "service_request_id"),
        ({"service_request_id": ",".join(["KRK-1"] * 1001)}, "service_request_id"),
        ({"start_date": "2026-11-02", "end_date": "2026-11-01"}, "end_date"),
        ({"updated_after": "2026-11-02", "updated_before": "2026-11-01"}, "updated_before"),
        ({"page": "²"}, "page"),
        ({"page": "1" * 30}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "١٢"}, "page_size"),
    ],
)
def test_filters_with_unknown_values_are_400_naming_the_parameter(
    client: FlaskClient, fmt: str, params: dict[str, str], named: str
) -> None:
    res = client.get(f"{BASE}/requests.{fmt}", query_string={**J, **params})
    assert_spec_error(res, 400, named)
    assert res.mimetype == ("text/xml" if fmt == "xml" else "application/json")


def test_date_only_and_offsetless_dates_are_read_in_the_municipalitys_time_zone(
    app: Flask, client: FlaskClient, keys: dict
) -> None:
    rid = new_request(client, keys)["service_request_id"]
    # 23:30 in Kraków on 1 November (CET, +01:00) is 22:30 UTC.
    _set_report(app, rid, requested_at=datetime.fromisoformat(f"{UTC_DAY}T22:30:00+00:00"))

    def found(**params: str) -> bool:
        res = client.get(f"{BASE}/requests.json", query_string={**J, **params})
        assert res.status_code == 200, res.get_data(as_text=True)
        return rid in {r["service_request_id"] for r in res.json}

    assert found(start_date=UTC_DAY, end_date=UTC_DAY)  # a date alone: the whole day, its end included
    assert not found(start_date="2026-11-02", end_date="2026-11-03")  # midnight in Kraków is 23:00 UTC
    assert found(start_date="2026-11-01T23:15:00", end_date="2026-11-01T23:45:00")  # Kraków's clock, not UTC
    assert not found(start_date="2026-10-31", end_date="2026-11-01T23:00:00")
    assert found(start_date="2026-11-01T22:00:00Z", end_date="2026-11-01T23:00:00+00:00")  # offsets as given


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("value", ["0001-01-01", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00", "2026-13-01"])
def test_extreme_or_malformed_dates_are_400_in_the_specs_format(client: FlaskClient, fmt: str, value: str) -> None:
    for name in ("start_date", "end_date", "updated_after", "updated_before"):
        assert_spec_error(client.get(f"{BASE}/requests.{fmt}", query_string={**J, name: value}), 400, name)


def test_digits_python_reads_but_the_database_cannot_hold_are_not_found(client: FlaskClient, keys: dict) -> None:
    for ref in ("²", "١٢٣", "9" * 19, "99999999999999999999"):
        assert_spec_error(client.get(f"{BASE}/requests/{ref}.json", query_string=J), 404, "not found")
    base = {**J, "api_key": keys["krakow"], "service_code": "graffiti"}
    for address_id in ("²", "99999999999", "-1"):
        assert_spec_error(post(client, "json", {**base, "address_id": address_id}), 404, "address_id")


@pytest.mark.parametrize(
    "name", ["address_string", "first_name", "last_name", "phone", "email", "device_id", "account_id", "service_code"]
)
def test_a_parameter_longer_than_the_report_keeps_is_400_naming_it(client: FlaskClient, keys: dict, name: str) -> None:
    form = {**J, "api_key": keys["krakow"], "service_code": "graffiti", "lat": "50.0612", "long": "19.9380"}
    assert_spec_error(post(client, "xml", {**form, name: "x" * 5000}), 400, name)


@pytest.mark.parametrize(
    ("method", "path", "status", "fmt"),
    [
        ("GET", "/requests.yaml", 404, "json"),
        ("GET", "/services.html", 404, "json"),
        ("GET", "/nothing.json", 404, "json"),
        ("GET", "/nothing/deeper.xml", 404, "xml"),
        ("DELETE", "/requests.json", 405, "json"),
        ("DELETE", "/requests.xml", 405, "xml"),
        ("POST", "/services.xml", 405, "xml"),
        ("PUT", "/requests/KRK-1.json", 405, "json"),
        ("GET", "/requests/NOPE-1.xml?jurisdiction_id=1261011", 404, "xml"),
    ],
)
def test_errors_outside_the_routes_answer_in_the_specs_format(
    client: FlaskClient, method: str, path: str, status: int, fmt: str
) -> None:
    res = client.open(BASE + path, method=method)
    assert_spec_error(res, status)
    assert res.mimetype == ("text/xml" if fmt == "xml" else "application/json")
    if status == 405:
        allowed = {m.strip() for m in res.headers["Allow"].split(",")}
        assert "GET" in allowed and method not in allowed


def test_a_photo_of_the_wrong_type_is_415_in_the_specs_format(client: FlaskClient, keys: dict) -> None:
    data = {
        **J,
        "api_key": keys["krakow"],
        "service_code": "graffiti",
        "lat": "50.0612",
        "long": "19.9380",
        "media": (io.BytesIO(b"%PDF-1.4 not a photo"), "p.pdf"),
    }
    res = client.post(f"{BASE}/requests.xml", data=data, content_type="multipart/form-data")
    assert_spec_error(res, 415, "media")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_or_unknown_jurisdiction_lists_the_ids_served(client: FlaskClient, fmt: str) -> None:
    assert_spec_error(client.get(f"{BASE}/services.{fmt}"), 400, "jurisdiction_id", "1261011 (Kraków)", "1206 (")
    unknown = client.get(f"{BASE}/requests.{fmt}", query_string={"jurisdiction_id": "123"})
    assert_spec_error(unknown, 404, "123", "1261011 (Kraków)", "1206 (")


def test_browser_widgets_elsewhere_may_read_but_not_file(client: FlaskClient, keys: dict) -> None:
    origin = {"Origin": "https://map-widget.example"}
    read = client.get(f"{BASE}/requests.json", query_string=J, headers=origin)
    assert read.status_code == 200 and read.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in read.headers
    refused = client.get(f"{BASE}/requests.json", query_string={**J, "status": "bogus"}, headers=origin)
    assert refused.headers["Access-Control-Allow-Origin"] == "*"  # a widget can show why
    preflight = client.options(f"{BASE}/services.json", headers={**origin, "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    asks_post = {**origin, "Access-Control-Request-Method": "POST"}
    post_preflight = client.options(f"{BASE}/requests.json", headers=asks_post)
    assert "Access-Control-Allow-Origin" not in post_preflight.headers
    filed = post(
        client,
        "json",
        {**J, "api_key": keys["krakow"], "service_code": "graffiti", "lat": "50.0612", "long": "19.9380"},
        headers=origin,
    )
    assert filed.status_code == 201 and "Access-Control-Allow-Origin" not in filed.headers


@pytest.fixture
def limited(migrated: str, redis_url: str, cities: dict) -> Iterator[Flask]:
    """An app of its own: 2 filings a minute per API key, 4 per client address (counters of these limits are
    their own: a counter's key names its limit, and the test Redis starts empty)."""
    yield make_app(
        migrated, redis_url, RATE_LIMIT_OPEN311_POST_PER_KEY="2/minute", RATE_LIMIT_OPEN311_POST_PER_IP="4/minute"
    )


def test_filing_is_limited_per_api_key_and_per_address_with_429_in_the_specs_format(limited: Flask) -> None:
    with limited.app_context():
        one = create_api_key(name="t-rl1", jurisdiction_code="1261011", scopes=["open311:write"])[1]
        two = create_api_key(name="t-rl2", jurisdiction_code="1261011", scopes=["open311:write"])[1]
    client = limited.test_client()
    octets = uuid.uuid4().bytes[:3]  # an address of its own: the per-address counter starts from zero
    client.environ_base["REMOTE_ADDR"] = f"10.{octets[0]}.{octets[1]}.{octets[2]}"
    form = {**J, "service_code": "graffiti", "lat": "50.0612", "long": "19.9380"}
    assert [post(client, "json", {**form, "api_key": one}).status_code for _ in range(2)] == [201, 201]
    by_key = post(client, "xml", {**form, "api_key": one})
    assert_spec_error(by_key, 429, "Too many requests", "2 per 1 minute")
    assert int(by_key.headers["Retry-After"]) > 0
    assert post(client, "json", {**form, "api_key": two}).status_code == 201  # another key: its own count
    by_address = post(client, "json", {**form, "api_key": two})  # the address's fifth filing (a refused one counts)
    assert_spec_error(by_address, 429)
    assert int(by_address.headers["Retry-After"]) > 0
    assert client.get(f"{BASE}/requests.json", query_string=J).status_code == 200  # reading is not limited


def test_a_body_too_large_is_413_in_the_specs_format(app: Flask, client: FlaskClient) -> None:
    allowed = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024  # the same refusal as at 60 MB, without sending 60 MB
    try:
        res = client.post(f"{BASE}/requests.xml", data={**J, "description": "x" * 4096})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = allowed
    assert_spec_error(res, 413)


def test_with_the_database_unreachable_open311_answers_503_in_the_specs_format(
    migrated: str, redis_url: str, cities: dict
) -> None:
    db_proxy = proxy_for(migrated)
    try:
        app = make_app(via(migrated, db_proxy), redis_url, DB_CONNECT_TIMEOUT="1")
        client = app.test_client()
        db_proxy.cut()
        res = client.get(f"{BASE}/services.xml", query_string=J, headers={"Origin": "https://map-widget.example"})
        assert_spec_error(res, 503)
        assert int(res.headers["Retry-After"]) > 0 and res.headers["Access-Control-Allow-Origin"] == "*"
        db_proxy.restore()
        assert client.get(f"{BASE}/services.json", query_string=J).status_code == 200
    finally:
        db_proxy.close()
