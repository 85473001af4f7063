"""Registering an app install and reading the service catalogue of a place."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.models import Device
from backend.security import digest


def test_a_device_gets_a_token_that_is_stored_only_hashed(client: FlaskClient, db: Session) -> None:
    res = client.post("/api/v1/devices", json={"platform": "ios", "locale": "pl-PL", "push_token": "fcm-1"})
    assert res.status_code == 201
    body = res.json
    assert body["locale"] == "pl" and body["platform"] == "ios" and len(body["token"]) > 40
    device = db.get(Device, body["device_id"])
    assert device.token_hash == digest(body["token"]) and body["token"] not in device.token_hash
    assert device.push_token == "fcm-1"


def test_patch_rotates_the_push_token_and_changes_the_language(client: FlaskClient, resident, db: Session) -> None:
    me = resident("en")
    res = client.patch("/api/v1/devices/me", json={"push_token": "fcm-2", "locale": "uk"}, headers=me.headers)
    assert res.status_code == 200 and res.json["locale"] == "uk" and res.json["has_push_token"]
    assert db.get(Device, me.device_id).push_token == "fcm-2"
    cleared = client.patch("/api/v1/devices/me", json={"push_token": None}, headers=me.headers)
    assert cleared.json["has_push_token"] is False


def test_patch_without_or_with_a_bad_token_is_401(client: FlaskClient) -> None:
    assert client.patch("/api/v1/devices/me", json={"locale": "uk"}).status_code == 401
    res = client.patch("/api/v1/devices/me", json={"locale": "uk"}, headers={"Authorization": "Bearer nope"})
    assert res.status_code == 401 and res.headers["WWW-Authenticate"].startswith("Bearer")
    assert res.json["message"] == "Invalid or revoked token."


def test_bad_registrations_name_the_field(client: FlaskClient) -> None:
    res = client.post("/api/v1/devices", json={"platform": "symbian", "locale": "en"})
    assert res.status_code == 422 and "platform" in res.json["errors"]["json"]
    res = client.post("/api/v1/devices", json={"platform": "web", "locale": "de"})
    assert res.status_code == 422 and "locale" in res.json["errors"]["json"]


def test_the_catalogue_at_rynek_is_krakows_in_the_devices_language(client: FlaskClient, resident) -> None:
    uk = resident("uk")
    res = uk.get("/api/v1/services?lat=50.0617&lon=19.9373")
    assert res.status_code == 200
    body = res.json
    assert body["jurisdiction"] == {"code": "1261011", "name": "Краків"} and body["language"] == "uk"
    names = {s["service_code"]: s for s in body["services"]}
    assert len(names) == 20 and names["pothole"]["name"] == "Вибоїна на дорозі"
    size = names["pothole"]["questions"][0]
    assert size["code"] == "size" and size["datatype"] == "singlevaluelist" and size["required"]
    assert size["label"] == "Наскільки велика вибоїна?"
    assert [o["key"] for o in size["options"]] == ["small", "medium", "large"]
    assert names["pothole"]["group"]["code"] == "roads"


def test_accept_language_chooses_the_language_without_a_device(client: FlaskClient) -> None:
    res = client.get("/api/v1/services?lat=50.0617&lon=19.9373", headers={"Accept-Language": "pl-PL,pl;q=0.9"})
    assert res.json["language"] == "pl"
    assert {s["name"] for s in res.json["services"]} >= {"Dziura w jezdni"}


def test_the_powiat_offers_its_own_catalogue_in_polish_even_to_a_ukrainian_device(
        client: FlaskClient, resident) -> None:
    res = resident("uk").get("/api/v1/services?lat=50.2&lon=20.1")
    assert res.json["jurisdiction"]["code"] == "1206" and res.json["language"] == "pl"
    assert {s["service_code"] for s in res.json["services"]} == {"pothole", "road_sign", "other"}
    by_code = client.get("/api/v1/services?jurisdiction=1206")
    assert by_code.status_code == 200 and len(by_code.json["services"]) == 3


def test_a_point_outside_every_municipality_is_422_in_the_callers_language(client: FlaskClient, resident) -> None:
    res = resident("uk").get("/api/v1/services?lat=52.2297&lon=21.0122")
    assert res.status_code == 422
    assert res.json["message"] == "Це місце поза межами громад, які обслуговує ця система."
    assert "lat" in res.json["errors"]["json"]


def test_the_catalogue_needs_a_point_or_a_jurisdiction(client: FlaskClient) -> None:
    assert client.get("/api/v1/services").status_code == 422
    assert client.get("/api/v1/services?jurisdiction=0000").status_code == 404
    assert client.get("/api/v1/services?lat=95&lon=19").status_code == 422
