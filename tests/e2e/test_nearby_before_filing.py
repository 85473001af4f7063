"""Open reports nearby, before filing (GET /api/v1/reports/nearby): the same reports the 201's `nearby` would
answer (the service's radius and window), public fields only, so a resident can say "me too" instead of filing
a duplicate; hidden, merged and finished reports are never offered."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.staff import create_staff
from tests.e2e.conftest import PASSWORD, Resident
from tests.e2e.test_photos import jpeg_with_gps_rotated
from tests.e2e.test_triage import Desk

#: A street of Kazimierz (Kraków, district I) with room for one test's reports per point, 160 m apart.
BASE_LAT, BASE_LON = 50.0500, 19.9450
#: About 20 m and 35 m north of a point (road_sign's duplicate radius is 25 m).
M20, M35 = 0.00018, 0.000315
PUBLIC_FIELDS = {"id", "public_id", "service_code", "service_name", "status", "status_label", "description",
                 "address", "lat", "lon", "requested_at", "support_count", "distance_m", "photo", "is_mine",
                 "supported"}


def spot(k: int) -> dict[str, float]:
    return {"lat": round(BASE_LAT + k * 0.0015, 6), "lon": BASE_LON}


def sign(**where: float) -> dict[str, Any]:
    return {"service_code": "road_sign", "description": "The sign is knocked over", "answers": {}, **where}


@pytest.fixture(scope="module")
def dispatcher(app: Flask, cities: dict) -> dict[str, str]:
    email = f"disp-near-{uuid.uuid4().hex[:6]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    res = app.test_client().post("/api/admin/tokens", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {res.json['token']}"}


def nearby(client: FlaskClient, headers: dict[str, str] | None = None, service: str = "road_sign",
           **where: float) -> list[dict[str, Any]]:
    res = client.get("/api/v1/reports/nearby", query_string={**where, "service_code": service},
                     headers=headers or {})
    assert res.status_code == 200, res.json
    assert res.json["service_code"] == service
    return list(res.json["items"])


def test_a_report_nearby_is_offered_before_filing_with_public_fields_only(client: FlaskClient) -> None:
    here = spot(0)
    reporter, neighbour = Resident(client, "en"), Resident(client, "uk", "web")
    filed = reporter.report(**sign(**here), contact={"name": "Jan Kowalski", "email": "jan.k@example.com"})
    close_by = {"lat": here["lat"] + M20 / 2, "lon": here["lon"]}
    res = client.get("/api/v1/reports/nearby", query_string={**close_by, "service_code": "road_sign"},
                     headers=neighbour.headers)
    assert "jan.k@example.com" not in res.get_data(as_text=True) and "Kowalski" not in res.get_data(as_text=True)
    [item] = res.json["items"]
    assert set(item) == PUBLIC_FIELDS
    assert res.json["radius_m"] == 25 and res.json["window_days"] == 30
    assert item["public_id"] == filed["public_id"] and item["status"] == "submitted"
    assert item["status_label"] == "Подано" and item["service_name"] == "Пошкоджений дорожній знак"
    assert 5 < item["distance_m"] < 15 and item["support_count"] == 0 and item["photo"] is None
    assert (item["is_mine"], item["supported"]) == (False, False)

    assert neighbour.post(f"/api/v1/reports/{item['public_id']}/supports").status_code == 200
    [again] = nearby(client, neighbour.headers, **close_by)
    assert (again["supported"], again["support_count"]) == (True, 1)
    [own] = nearby(client, reporter.headers, **close_by)
    assert own["is_mine"] is True and own["status_label"] == "Submitted"
    [anyone] = nearby(client, **close_by)
    assert (anyone["is_mine"], anyone["supported"]) == (None, None)
    assert nearby(client, service="pothole", **close_by) == []  # another service is not a duplicate


def test_before_filing_and_the_201_offer_the_same_reports_within_the_services_radius(client: FlaskClient) -> None:
    here = spot(1)
    first = Resident(client).report(**sign(**here))
    within = {"lat": here["lat"] + M20, "lon": here["lon"]}
    beyond = {"lat": here["lat"] + M35, "lon": here["lon"]}
    assert [i["id"] for i in nearby(client, **within)] == [first["id"]]
    assert nearby(client, **beyond) == []

    offered = [i["id"] for i in nearby(client, **within)]
    second = Resident(client).report(**sign(**within))
    assert [n["id"] for n in second["nearby"]] == offered
    offered = [i["id"] for i in nearby(client, **beyond)]  # the second report is 15 m away, the first 35 m
    assert offered == [second["id"]]
    third = Resident(client).report(**sign(**beyond))
    assert [n["id"] for n in third["nearby"]] == offered


def test_hidden_merged_and_finished_reports_are_not_offered(client: FlaskClient, dispatcher: dict) -> None:
    here = spot(2)
    made = {name: Resident(client).report(**sign(**here)) for name in ("open", "hidden", "merged", "fixed",
                                                                        "rejected")}
    desks = {name: Desk(client, dispatcher, r["id"]) for name, r in made.items()}
    assert len(nearby(client, **here)) == 5
    assert desks["hidden"].act("moderate", {"hidden": True}).status_code == 200
    assert desks["merged"].act("merge", {"master_id": made["open"]["id"]}).status_code == 200
    assert desks["fixed"].act("status", {"status": "resolved"}).status_code == 200
    assert desks["rejected"].act("status", {"status": "rejected", "reason": "invalid"}).status_code == 200
    assert [i["id"] for i in nearby(client, **here)] == [made["open"]["id"]]


def test_the_first_public_photo_is_shown_and_a_photo_awaiting_moderation_is_not(client: FlaskClient) -> None:
    here = spot(3)
    me = Resident(client)
    filed = me.report(**sign(**here))
    upload = client.post(f"/api/v1/reports/{filed['id']}/photos", headers=me.headers,
                         data={"photo": (io.BytesIO(jpeg_with_gps_rotated()), "p.jpg")},
                         content_type="multipart/form-data")
    assert upload.status_code == 201
    [item] = nearby(client, **here)
    assert item["photo"]["id"] == upload.json["id"] and item["photo"]["url"].endswith(".jpg")
    served = client.get(urlsplit(item["photo"]["url"]).path)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"

    powiat = {"lat": 50.1500, "lon": 20.1500}  # the powiat pre-moderates photos
    assert client.get("/api/v1/locate", query_string=powiat).json["jurisdiction"]["code"] == "1206"
    theirs = me.report(**sign(**powiat))
    pending = client.post(f"/api/v1/reports/{theirs['id']}/photos", headers=me.headers,
                          data={"photo": (io.BytesIO(jpeg_with_gps_rotated()), "p.jpg")},
                          content_type="multipart/form-data")
    assert pending.status_code == 201 and pending.json["state"] == "pending"
    [item] = nearby(client, **powiat)
    assert item["id"] == theirs["id"] and item["photo"] is None


@pytest.mark.parametrize(("query", "field"), [
    ({"lat": 52.2297, "lon": 21.0122, "service_code": "road_sign"}, "lat"),  # Warsaw: outside
    ({"lat": 50.06, "lon": 19.94, "service_code": "no_such_service"}, "service_code"),
    ({"lat": 50.06, "lon": 19.94}, "service_code"),
    ({"lat": 95, "lon": 19.94, "service_code": "road_sign"}, "lat"),
    ({"lat": 50.06, "service_code": "road_sign"}, "lon"),
])
def test_bad_input_is_a_422_naming_the_parameter(client: FlaskClient, query: dict, field: str) -> None:
    res = client.get("/api/v1/reports/nearby", query_string=query, headers={"Accept-Language": "pl"})
    assert res.status_code == 422, json.dumps(res.json)
    assert field in res.json["errors"]["query"]
