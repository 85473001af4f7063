"""Open311 GeoReport v2: every endpoint in JSON and XML, the spec's rules and errors, a real client."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
import xmltodict
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Report, utcnow
from backend.reporting import record_status
from backend.staff import create_api_key
from geo import grid
from mobile_api.open311.protocol import w3c
from tests.conftest import ROOT
from tests.e2e.test_photos import jpeg_with_gps_rotated
from tests.support.gunicorn import Gunicorn

BASE = "/open311/v2"
J = {"jurisdiction_id": "1261011"}
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}


@pytest.fixture(scope="module")
def keys(app: Flask, cities: dict) -> dict[str, str]:
    with app.app_context():
        return {"krakow": create_api_key(name="t-311", jurisdiction_code="1261011", scopes=["open311:write"])[1],
                "read_only": create_api_key(name="t-ro", jurisdiction_code="1261011", scopes=["indicators:read"])[1],
                "powiat": create_api_key(name="t-p", jurisdiction_code="1206", scopes=["open311:write"])[1]}


def body(res: Any, fmt: str) -> Any:
    text = res.get_data(as_text=True)
    if fmt == "xml":
        assert text.startswith('<?xml version="1.0" encoding="utf-8"?>') and "xmlns" not in text
        return xmltodict.parse(text)
    return res.json


def post(client: FlaskClient, fmt: str, data: dict[str, Any], **kw: Any) -> Any:
    return client.post(f"{BASE}/requests.{fmt}", data=data, **kw)


def new_request(client: FlaskClient, keys: dict, **extra: Any) -> dict[str, Any]:
    data = {**J, "api_key": keys["krakow"], "service_code": "street_light", "lat": "50.0612", "long": "19.9380",
            "attribute[problem]": "off", "description": "Lamp out", **extra}
    res = post(client, "json", data)
    assert res.status_code == 201, res.get_data(as_text=True)
    return dict(res.json[0])


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_lists_the_endpoint_and_formats(client: FlaskClient, fmt: str) -> None:
    doc = body(client.get(f"{BASE}/discovery.{fmt}"), fmt)
    doc = doc["discovery"] if fmt == "xml" else doc
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(doc)
    endpoints = doc["endpoints"]["endpoint"] if fmt == "xml" else doc["endpoints"]
    endpoint = endpoints if isinstance(endpoints, dict) else endpoints[0]
    assert {"specification", "url", "changeset", "type", "formats"} <= set(endpoint)
    formats = endpoint["formats"]["format"] if fmt == "xml" else endpoint["formats"]
    assert set(formats) == {"text/xml", "application/json"}
    assert W3C.match(doc["changeset"])


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_and_a_service_definition(client: FlaskClient, fmt: str) -> None:
    services = body(client.get(f"{BASE}/services.{fmt}", query_string=J), fmt)
    items = services["services"]["service"] if fmt == "xml" else services
    assert len(items) == 20
    pothole = next(s for s in items if s["service_code"] == "pothole")
    assert pothole["service_name"] == "Dziura w jezdni" and str(pothole["metadata"]).lower() == "true"
    assert {"description", "type", "keywords", "group"} <= set(pothole)
    definition = body(client.get(f"{BASE}/services/pothole.{fmt}", query_string=J), fmt)
    definition = definition["service_definition"] if fmt == "xml" else definition
    attrs = definition["attributes"]["attribute"] if fmt == "xml" else definition["attributes"]
    size = attrs[0] if isinstance(attrs, list) else attrs
    assert {"variable", "code", "datatype", "required", "datatype_description", "order", "description",
            "values"} <= set(size)
    values = size["values"]["value"] if fmt == "xml" else size["values"]
    assert [v["key"] for v in values] == ["small", "medium", "large"]
    english = client.get(f"{BASE}/services/pothole.json", query_string={**J, "locale": "en"}).json
    assert english["attributes"][0]["description"] == "How big is the hole?"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_jurisdiction_id_is_required_here_and_unknown_ones_are_404(client: FlaskClient, fmt: str) -> None:
    for path in ("services", "requests", "services/pothole"):
        missing = client.get(f"{BASE}/{path}.{fmt}")
        assert missing.status_code == 400
        empty = client.get(f"{BASE}/{path}.{fmt}", query_string={"jurisdiction_id": ""})
        assert empty.status_code == 400 and empty.get_data() == missing.get_data()  # empty == absent
        unknown = client.get(f"{BASE}/{path}.{fmt}", query_string={"jurisdiction_id": "9999999"})
        assert unknown.status_code == 404
        errors = body(unknown, fmt)
        error = errors["errors"]["error"] if fmt == "xml" else errors[0]
        assert str(error["code"]) == "404" and "9999999" in error["description"]
    assert client.get(f"{BASE}/services/teleport.{fmt}", query_string=J).status_code == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_then_get_by_id_and_by_token(client: FlaskClient, keys: dict, fmt: str) -> None:
    data = {**J, "api_key": keys["krakow"], "service_code": "pothole", "lat": "50.0612", "long": "19.9380",
            "attribute[size]": "medium", "attribute[hazard]": "yes", "description": "Hole by the tram stop",
            "email": "olga@example.com", "first_name": "Olga", "last_name": "Secret", "phone": "+48 601 601 601",
            "device_id": "device-xyz-123", "account_id": "acc-1"}
    res = post(client, fmt, data)
    assert res.status_code == 201
    answer = body(res, fmt)
    answer = answer["service_requests"]["request"] if fmt == "xml" else answer[0]
    assert {"service_request_id", "token", "service_notice", "account_id"} <= set(answer)
    rid, token = answer["service_request_id"], answer["token"]
    got = body(client.get(f"{BASE}/requests/{rid}.{fmt}", query_string=J), fmt)
    got = got["service_requests"]["request"] if fmt == "xml" else got
    item = got if fmt == "xml" else got[0]
    assert len(got) == 1 or fmt == "xml"
    assert set(item) >= REQUEST_FIELDS
    assert item["status"] == "open" and item["service_code"] == "pothole"
    assert item["agency_responsible"] == "Zarząd Dróg Miasta Krakowa"
    for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.match(item[key]), item[key]
    text = client.get(f"{BASE}/requests/{rid}.{fmt}", query_string={**J, "extensions": "true"}).get_data(as_text=True)
    for secret in ("Olga", "olga@example.com", "601 601", "device-xyz-123", "Secret"):
        assert secret not in text
    by_token = body(client.get(f"{BASE}/tokens/{token}.{fmt}", query_string=J), fmt)
    by_token = by_token["service_requests"]["request"] if fmt == "xml" else by_token[0]
    assert by_token["service_request_id"] == rid


def test_post_accepts_query_string_multipart_lists_and_media(client: FlaskClient, keys: dict, db: Session,
                                                             worker: object) -> None:
    res = client.post(f"{BASE}/requests.json", query_string={**J, "api_key": keys["krakow"]},
                      data={"service_code": "missed_collection", "lat": "50.0612", "long": "19.9380",
                            "attribute[fraction][]": ["paper", "glass"],
                            "media": (io.BytesIO(jpeg_with_gps_rotated()), "p.jpg")},
                      content_type="multipart/form-data")
    assert res.status_code == 201, res.get_data(as_text=True)
    rid = res.json[0]["service_request_id"]
    got = client.get(f"{BASE}/requests/{rid}.json", query_string={**J, "extensions": "true"}).json[0]
    assert got["media_url"] and "/media/photos/" in got["media_url"]
    assert got["extended_attributes"]["area"]["code"] == "I"


def test_a_media_url_is_kept_as_a_link_and_never_fetched(client: FlaskClient, keys: dict) -> None:
    url = "http://192.0.2.1/never-fetched.jpg"  # TEST-NET-1: unreachable; a fetch would hang
    created = new_request(client, keys, media_url=url)
    got = client.get(f"{BASE}/requests/{created['service_request_id']}.json", query_string=J).json[0]
    assert got["media_url"] == url


def test_a_media_url_waits_for_approval_where_photos_are_pre_moderated(client: FlaskClient, keys: dict,
                                                                      db: Session) -> None:
    from backend.models import Photo
    from backend.reporting import moderate_photo

    url = "https://photos.example.org/lamp.jpg"
    data = {"jurisdiction_id": "1206", "api_key": keys["powiat"], "service_code": "road_sign", "lat": "50.2",
            "long": "20.1", "description": "Sign down", "media_url": url}  # the powiat pre-moderates photos
    res = post(client, "json", data)
    assert res.status_code == 201, res.get_data(as_text=True)
    rid = res.json[0]["service_request_id"]
    q = {"jurisdiction_id": "1206", "extensions": "true"}
    got = client.get(f"{BASE}/requests/{rid}.json", query_string=q).json[0]
    assert got.get("media_url") is None and got["extended_attributes"]["photos"] == []
    assert url not in client.get(f"{BASE}/requests/{rid}.xml", query_string=q).get_data(as_text=True)
    report = db.scalars(select(Report).where(Report.public_id == rid)).one()
    assert client.get(f"/api/v1/reports/{report.id}").json["photos"] == []
    link = db.scalars(select(Photo).where(Photo.report_id == report.id)).one()
    db.rollback()
    moderate_photo(link.id, approve=True)
    assert client.get(f"{BASE}/requests/{rid}.json", query_string=q).json[0]["media_url"] == url


@pytest.mark.parametrize("value", ["https://example.org/" + "a" * 10_000, "https://example.org/a b.jpg",
                                   "https://exa\tmple.org/a.jpg", "javascript:alert(1)", "ftp://example.org/a.jpg",
                                   "file:///etc/passwd", "https:///no-host.jpg", "http://[::1/a.jpg"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bad_media_url_is_a_400_naming_it(client: FlaskClient, keys: dict, value: str, fmt: str) -> None:
    data = {**J, "api_key": keys["krakow"], "service_code": "street_light", "lat": "50.0612", "long": "19.9380",
            "attribute[problem]": "off", "description": "Lamp out", "media_url": value}
    res = post(client, fmt, data)
    assert res.status_code == 400, res.get_data(as_text=True)
    errors = body(res, fmt)
    errors = errors["errors"]["error"] if fmt == "xml" else errors
    errors = errors if isinstance(errors, list) else [errors]
    assert any(e["code"] in ("400", 400) and "media_url" in e["description"] for e in errors)


def test_address_string_and_address_id_place_a_request(app: Flask, client: FlaskClient, keys: dict) -> None:
    from tests.integration.test_load_city import run_cli

    assert run_cli(app, "load-addresses", "1261011", str(ROOT / "tests/fixtures/addresses_test.csv")).exit_code == 0
    try:
        data = {**J, "api_key": keys["krakow"], "service_code": "graffiti", "address_string": "Szewska 10"}
        created = post(client, "json", data).json[0]
        got = client.get(f"{BASE}/requests/{created['service_request_id']}.json", query_string=J).json[0]
        assert got["address"] == "Szewska 10" and abs(got["lat"] - 50.0619) < 1e-3
        with app.app_context():
            from sqlalchemy import select

            from backend.db import session
            from backend.models import Address

            address_id = session().scalars(select(Address.id).where(Address.house_number == "14")).first()
        by_id = post(client, "json", {**J, "api_key": keys["krakow"], "service_code": "graffiti",
                                      "address_id": str(address_id)})
        assert by_id.status_code == 201
        unknown = post(client, "json", {**J, "api_key": keys["krakow"], "service_code": "graffiti",
                                        "address_string": "Nowhere Street 999"})
        assert unknown.status_code == 400
    finally:
        from backend.db import unit_of_work
        from backend.models import Address

        with app.app_context(), unit_of_work() as s:
            s.execute(Address.__table__.delete())


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_errors_in_the_specs_format(client: FlaskClient, keys: dict, fmt: str) -> None:
    both = post(client, fmt, {**J, "api_key": keys["krakow"]})
    assert both.status_code == 400
    errors = body(both, fmt)
    errors = errors["errors"]["error"] if fmt == "xml" else errors
    assert len(errors) == 2 and {str(e["code"]) for e in errors} == {"400"}
    base = {**J, "service_code": "pothole", "lat": "50.0612", "long": "19.9380", "attribute[size]": "small"}
    assert post(client, fmt, base).status_code == 403
    assert post(client, fmt, {**base, "api_key": "hk_wrong"}).status_code == 403
    assert post(client, fmt, {**base, "api_key": keys["read_only"]}).status_code == 403
    assert post(client, fmt, {**base, "api_key": keys["powiat"]}).status_code == 403
    assert post(client, fmt, {**base, "api_key": keys["krakow"], "service_code": "teleport"}).status_code == 404
    bad_attr = post(client, fmt, {**base, "api_key": keys["krakow"], "attribute[size]": "huge"})
    assert bad_attr.status_code == 400 and "attribute[size]" in bad_attr.get_data(as_text=True)
    outside = post(client, fmt, {**base, "api_key": keys["krakow"], "lat": "52.2297", "long": "21.0122"})
    assert outside.status_code == 400


def test_get_requests_filters_window_and_paging(app: Flask, client: FlaskClient, keys: dict) -> None:
    fresh = new_request(client, keys)["service_request_id"]
    old = new_request(client, keys)["service_request_id"]
    closed = new_request(client, keys, **{"service_code": "graffiti", "attribute[problem]": ""})["service_request_id"]
    with app.app_context():
        from sqlalchemy import select

        from backend.db import session

        s = session()
        r_old = s.scalars(select(Report).where(Report.public_id == old)).one()
        grid.track(s, r_old.id, -1)
        r_old.requested_at = utcnow() - timedelta(days=100)
        s.flush()
        grid.track(s, r_old.id, +1)
        r_closed = s.scalars(select(Report).where(Report.public_id == closed)).one()
        record_status(s, r_closed, "closed")
        s.commit()
        closed_at = w3c(r_closed.closed_at, "Europe/Warsaw")
    listed = {r["service_request_id"] for r in client.get(f"{BASE}/requests.json", query_string=J).json}
    assert fresh in listed and closed in listed and old not in listed  # default window: 90 days
    def ago(days: int) -> str:
        return (utcnow() - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def listing(**params: Any) -> list[dict[str, Any]]:
        return list(client.get(f"{BASE}/requests.json", query_string={**J, **params}).json)

    older = listing(start_date=ago(120), end_date=ago(60))
    assert old in {r["service_request_id"] for r in older}
    only_closed = listing(status="closed")
    assert closed in {r["service_request_id"] for r in only_closed}
    assert all(r["status"] == "closed" for r in only_closed)
    item = next(r for r in only_closed if r["service_request_id"] == closed)
    assert item["updated_datetime"] == closed_at and W3C.match(closed_at or "")
    by_code = listing(service_code="graffiti", service_request_id="")
    assert all(r["service_code"] == "graffiti" for r in by_code)
    by_id = listing(service_request_id=f"{fresh},{old}", status="closed")
    assert {r["service_request_id"] for r in by_id} == {fresh, old}  # ids override every other filter
    page1 = client.get(f"{BASE}/requests.json", query_string={**J, "page_size": 2}).json
    page2 = client.get(f"{BASE}/requests.json", query_string={**J, "page_size": 2, "page": 2}).json
    assert len(page1) == 2 and not {r["service_request_id"] for r in page1} & {r["service_request_id"] for r in page2}
    assert client.get(f"{BASE}/requests.json", query_string={**J, "status": "pending"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", query_string={**J, "start_date": "yesterday"}).status_code == 400


def test_open311_errors_leave_the_other_apis_error_format_alone(client: FlaskClient) -> None:
    assert client.get(f"{BASE}/requests/NOPE-1.json", query_string=J).json[0]["code"] == 404
    other = client.get("/api/v1/reports/NOPE-1")
    assert other.status_code == 404 and set(other.json) >= {"code", "status", "message"}


def test_the_independent_georeport_client_reads_every_answer(migrated: str, redis_url: str, keys: dict,
                                                              client: FlaskClient) -> None:
    from georeport import GeoReport

    rid = new_request(client, keys)["service_request_id"]
    env = {"DATABASE_URL": migrated, "REDIS_URL": redis_url}
    with Gunicorn(ROOT, env, workers=2) as server:
        for fmt in ("json", "xml"):
            api = GeoReport(f"{server.base}/open311/v2", jurisdiction="1261011", output_format=fmt)
            services = api.get_service_list()
            assert len(services) == 20 and {s["service_code"] for s in services} >= {"pothole", "graffiti"}
            definition = api.get_service_definition("pothole")
            assert definition["service_code"] == "pothole"
            requests_ = api.get_service_requests()
            assert rid in {r["service_request_id"] for r in requests_}
            one = api.get_service_request(rid)
            assert one["service_request_id"] == rid and one["status"] == "open"


def test_bbox_and_updated_after_extensions(client: FlaskClient, keys: dict) -> None:
    rid = new_request(client, keys, lat="50.0640", long="19.9400")["service_request_id"]
    inside = client.get(f"{BASE}/requests.json", query_string={**J, "bbox": "19.939,50.063,19.941,50.065"}).json
    outside = client.get(f"{BASE}/requests.json", query_string={**J, "bbox": "20.0,50.0,20.1,50.05"}).json
    assert rid in {r["service_request_id"] for r in inside}
    assert rid not in {r["service_request_id"] for r in outside}
    later = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.get(f"{BASE}/requests.json", query_string={**J, "updated_after": later}).json == []
    assert client.get(f"{BASE}/requests.json", query_string={**J, "bbox": "1,2"}).status_code == 400
