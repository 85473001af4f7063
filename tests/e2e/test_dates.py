"""One date format across the resident and staff APIs: ISO 8601 with the offset, never RFC 1123 ("Tue, 08 Dec
2026 10:00:00 GMT", which Flask writes for a datetime that reaches its JSON encoder unformatted)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend import indicators
from backend.staff import create_staff
from tests.conftest import CITIES
from tests.e2e.conftest import PASSWORD, RYNEK, TOTP_SECRET, Resident, api_headers
from tests.e2e.test_surveys import DEFINITION

RFC_1123 = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} GMT"
)
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")

#: GET routes of the two APIs that are not JSON data of the product (documents, assets, e-mail link pages).
NOT_SWEPT = {
    "/api/v1/docs",
    "/api/v1/openapi.json",
    "/api/admin/docs",
    "/api/admin/openapi.json",
    "/api/static/swagger-ui/<path:filename>",
    "/api/v1/email/unsubscribe",  # an HTML page behind a signed e-mail link
    "/api/v1/feedback",  # an HTML page behind a signed e-mail link
}


#: The GET routes of both APIs that the sweep gives what they need (path values, required queries): each must
#: answer 200.
KNOWN = {
    "/api/v1/announcements", "/api/v1/me/export", "/api/v1/me/notification-preferences", "/api/v1/me/notifications",
    "/api/v1/me/places", "/api/v1/me/reports", "/api/v1/open-data/indicator-values", "/api/v1/open-data/indicators",
    "/api/v1/reports", "/api/v1/reports/<string:report_ref>", "/api/v1/reports/<string:report_ref>/feedback",
    "/api/v1/services", "/api/v1/surveys", "/api/v1/surveys/<int:survey_id>", "/api/v1/waste-schedule",
    "/api/admin/audit", "/api/admin/broadcasts", "/api/admin/broadcasts/<int:broadcast_id>",
    "/api/admin/indicator-values", "/api/admin/indicators", "/api/admin/indicators/<string:code>", "/api/admin/me",
    "/api/admin/me/second-factor", "/api/admin/reports", "/api/admin/reports/<int:report_id>",
    "/api/admin/reports/<int:report_id>/audit", "/api/admin/reports/overdue", "/api/admin/surveys",
    "/api/admin/surveys/<int:survey_id>", "/api/admin/surveys/<int:survey_id>/preview",
    "/api/admin/surveys/<int:survey_id>/responses.csv", "/api/admin/surveys/<int:survey_id>/results",
}


#: Keys that hold a moment the product writes (`created_at`, `send_at`, `datetime`, Open311's `requested_datetime`):
#: the strings checked for their format. Text people wrote (a description, an indicator's unit) may look like a date
#: — other tests file corpus values such as "0001-01-01T00:00:00Z" there — and stays as it was written.
DATE_KEY = re.compile(r"(^|_)(at|date|datetime|time|since|until|expires|due|day)$")


def datetimes(value: Any, key: str = "") -> list[str]:
    """Every string under a date key of a JSON document that looks like a date-time (ISO or RFC 1123)."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in datetimes(v, str(k))]
    if isinstance(value, list):
        return [s for v in value for s in datetimes(v, key)]
    looks = isinstance(value, str) and (RFC_1123.search(value) or re.match(r"^\d{4}-\d{2}-\d{2}T", value))
    return [value] if looks and DATE_KEY.search(key) else []


@pytest.fixture(scope="module")
def admin(app: Flask, cities: dict) -> dict[str, str]:
    email = f"dates-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="admin", jurisdiction_code="1261011",
                     totp_secret=TOTP_SECRET)
    return api_headers(app, email)


@pytest.fixture(scope="module")
def world(app: Flask, cities: dict, admin: dict) -> dict[str, Any]:
    """A resident with a saved place, a report staff acted on, a supported report, a broadcast and a survey."""
    client = app.test_client()
    me = Resident(client, "pl")
    assert me.post("/api/v1/me/places", {"label": "dom", **RYNEK}).status_code == 201
    report = me.report(description=f"Dziura {uuid.uuid4().hex[:6]}")
    other = Resident(client, "en").report(description="Another hole nearby")
    assert me.post(f"/api/v1/reports/{other['public_id']}/supports").status_code in (200, 201)
    detail = client.get(f"/api/admin/reports/{report['id']}", headers=admin)
    status = client.post(f"/api/admin/reports/{report['id']}/status",
                         json={"status": "acknowledged", "body": "Przyjęte."},
                         headers={**admin, "If-Match": detail.headers["ETag"]})
    assert status.status_code == 200, status.json
    later = (datetime.now(UTC) + timedelta(days=20)).isoformat()
    b = client.post("/api/admin/broadcasts", headers=admin, json={
        "topic": "events", "audience": "jurisdiction", "send_at": later,
        "texts": {"pl": {"title": "Festyn", "body": "W sobotę."}}})
    assert b.status_code == 201, b.json
    survey = client.post("/api/admin/surveys", json={**DEFINITION, "key": f"dates-{uuid.uuid4().hex[:6]}"},
                         headers=admin)
    assert survey.status_code == 201, survey.json
    assert client.post(f"/api/admin/surveys/{survey.json['id']}/publish", headers=admin).status_code == 200
    with app.app_context():
        indicators.load_catalogue("1261011", CITIES / "krakow" / "indicators.yaml")  # existing codes are kept
    indicator = client.get("/api/admin/indicators", headers=admin).json["items"][0]["code"]
    return {"me": me, "report": report, "broadcast": b.json, "survey": survey.json["id"], "indicator": indicator,
            "answers": [status.json, b.json, survey.json]}


def test_the_export_and_the_staff_timeline_write_iso_8601_with_the_offset(
        client: FlaskClient, admin: dict, world: dict) -> None:
    export = world["me"].get("/api/v1/me/export")
    assert export.status_code == 200
    text = export.get_data(as_text=True)
    assert not RFC_1123.search(text), text[:500]
    assert ISO_WITH_OFFSET.match(export.json["device"]["created_at"]), export.json["device"]
    assert ISO_WITH_OFFSET.match(export.json["reports"][0]["requested_at"]), export.json["reports"][0]
    assert datetime.fromisoformat(export.json["device"]["created_at"]).utcoffset() is not None

    detail = client.get(f"/api/admin/reports/{world['report']['id']}", headers=admin)
    timeline = detail.json["timeline"]
    assert len(timeline) >= 2 and not RFC_1123.search(detail.get_data(as_text=True))
    stamps = datetimes(timeline)
    assert stamps and all(ISO_WITH_OFFSET.match(s) for s in stamps), stamps


def test_no_resident_or_staff_api_answer_carries_an_rfc_1123_date(app: Flask, client: FlaskClient, admin: dict,
                                                                   world: dict) -> None:
    params = {"report_id": str(world["report"]["id"]), "report_ref": world["report"]["public_id"],
              "broadcast_id": str(world["broadcast"]["id"]), "survey_id": str(world["survey"]),
              "code": world["indicator"]}
    queries: dict[str, dict[str, Any]] = {
        "/api/v1/announcements": {"lat": RYNEK["lat"], "lon": RYNEK["lon"]},
        "/api/v1/waste-schedule": {"lat": RYNEK["lat"], "lon": RYNEK["lon"]},
        "/api/v1/services": {"jurisdiction": "1261011"},
        "/api/v1/surveys": {"lat": RYNEK["lat"], "lon": RYNEK["lon"]},
        "/api/v1/reports": {"bbox": "19.93,50.05,19.95,50.07"},
        "/api/admin/indicator-values": {"indicator": world["indicator"]},
        "/api/v1/open-data/indicators": {"jurisdiction": "1261011"},
        "/api/v1/open-data/indicator-values": {"jurisdiction": "1261011", "indicator": world["indicator"]},
    }
    rules = sorted({r.rule for r in app.url_map.iter_rules()
                    if "GET" in (r.methods or ()) and r.rule.startswith("/api/") and r.rule not in NOT_SWEPT})
    assert set(rules) >= KNOWN, KNOWN - set(rules)
    seen: dict[str, list[str]] = {}
    for rule in rules:
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: params.get(m.group(1), "1"), rule)
        headers = admin if rule.startswith("/api/admin") else world["me"].headers
        res = client.get(path, headers=headers, query_string=queries.get(rule, {}))
        # Each route known here answers its data; a newer one whose required query this sweep cannot guess may
        # refuse (4xx), and its answer is checked all the same.
        assert res.status_code == 200 or (rule not in KNOWN and res.status_code < 500), (
            rule, res.status_code, res.get_data(as_text=True)[:300])
        text = res.get_data(as_text=True)
        assert not RFC_1123.search(text), (rule, RFC_1123.search(text))
        if res.status_code == 200:
            seen[rule] = datetimes(res.json) if res.is_json else []
    assert set(seen) >= KNOWN, KNOWN - set(seen)  # every route known today answered with its data
    for body in world["answers"]:  # what the POSTs answered
        seen.setdefault("POST", []).extend(datetimes(body))
    stamps = [s for found in seen.values() for s in found]
    assert len(stamps) >= 20  # the sweep saw dates at all
    assert [s for s in stamps if not ISO_WITH_OFFSET.match(s)] == []
