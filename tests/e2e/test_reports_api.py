"""Submitting, reading and following reports through the resident API."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from backend.models import OutboxEvent, Report, Service
from geo.locate import locate
from tests.e2e.conftest import POTHOLE, RYNEK
from tests.support import reports


def count_reports(db: Session) -> int:
    n = db.scalar(select(func.count()).select_from(Report))
    db.rollback()
    return int(n or 0)


def test_a_report_is_created_with_the_contracted_fields(resident, db: Session) -> None:
    body = resident("en").report(address="Rynek Główny 1")
    for key in ("id", "public_id", "service_code", "description", "status", "lat", "lon", "address",
                "jurisdiction", "area", "requested_at", "updated_at", "sla_due_at", "support_count", "photos"):
        assert key in body
    assert body["public_id"].startswith(f"KRK-{datetime.now().year}-")
    assert body["jurisdiction"] == {"code": "1261011", "name": "Kraków"}
    assert body["area"] == {"code": "I", "name": "Stare Miasto"}
    assert (body["status"], body["support_count"], body["address"]) == ("submitted", 0, "Rynek Główny 1")
    requested = datetime.fromisoformat(body["requested_at"])
    assert requested.utcoffset() == timedelta(0)
    assert datetime.fromisoformat(body["sla_due_at"]) - requested == timedelta(hours=72)
    event = db.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "report.submitted")
                       .order_by(OutboxEvent.id.desc())).first()
    assert event is not None and event.payload == {"report_id": body["id"]}


def test_a_working_hours_sla_skips_nights_and_weekends(resident) -> None:
    body = resident().report(service_code="missed_collection", answers={"fraction": ["paper", "glass"]})
    requested, due = (datetime.fromisoformat(body[k]) for k in ("requested_at", "sla_due_at"))
    assert due - requested >= timedelta(hours=48 * 3)  # 48 working hours are at least six working days
    assert due.astimezone().weekday() < 5


def test_public_ids_are_sequential_per_jurisdiction(resident) -> None:
    me = resident()
    first, second = me.report(), me.report(lat=50.0622)
    assert int(second["public_id"][-6:]) == int(first["public_id"][-6:]) + 1


def test_a_similar_open_report_nearby_is_offered_but_not_another_service_or_a_far_one(resident) -> None:
    first = resident().report(lat=50.05, lon=19.95)
    other = resident()
    near = other.report(lat=50.05001, lon=19.95001)  # about 1.3 m away
    assert first["id"] in [n["id"] for n in near["nearby"]]
    assert all(n["distance_m"] < 30 for n in near["nearby"])
    far = other.report(lat=50.0506, lon=19.95)  # about 67 m away, beyond pothole's 30 m
    assert first["id"] not in [n["id"] for n in far["nearby"]]
    lamp = other.report(service_code="street_light", answers={"problem": "off"}, lat=50.05, lon=19.95)
    assert first["id"] not in [n["id"] for n in lamp["nearby"]]


def test_bad_reports_are_refused_naming_the_field_and_nothing_is_stored(resident, db: Session) -> None:
    me = resident("en")
    before = count_reports(db)
    cases = [
        ({"lat": 52.2297, "lon": 21.0122}, "lat"),
        ({"service_code": "no_such_service"}, "service_code"),
        ({"service_code": "noise", "lat": 50.2, "lon": 20.1}, "service_code"),  # not offered in the powiat
        ({"description": "x" * 4001}, "description"),
        ({"answers": {}}, "answers.size"),
        ({"answers": {"size": "huge"}}, "answers.size"),
        ({"answers": {"size": "large", "colour": "red"}}, "answers.colour"),
        ({"service_code": "missed_collection", "answers": {"fraction": ["paper"], "collection_date": "Monday"}},
         "answers.collection_date"),
        ({"service_code": "missed_collection", "answers": {"fraction": "paper,glass"}}, "answers.fraction"),
        ({"lat": "north"}, "lat"),
        ({"contact": {"email": "not-an-address"}}, "contact"),
    ]
    for changes, field in cases:
        res = me.post("/api/v1/reports", {**POTHOLE, **changes})
        assert res.status_code == 422, (changes, res.json)
        assert field in str(res.json["errors"]), (field, res.json)
        assert res.json["code"] == 422 and res.json["message"]
    assert count_reports(db) == before


def test_an_inactive_service_is_refused(resident, db: Session) -> None:
    db.execute(update(Service).where(Service.code == "bench").values(active=False))
    db.commit()
    try:
        res = resident().post("/api/v1/reports", {**POTHOLE, "service_code": "bench", "answers": {}})
        assert res.status_code == 422 and "service_code" in res.json["errors"]["json"]
    finally:
        db.execute(update(Service).where(Service.code == "bench").values(active=True))
        db.commit()


def test_reporting_needs_a_valid_token(client: FlaskClient) -> None:
    assert client.post("/api/v1/reports", json=POTHOLE).status_code == 401
    res = client.post("/api/v1/reports", json=POTHOLE, headers={"Authorization": "Bearer hd_forged"})
    assert res.status_code == 401


def test_errors_come_in_the_devices_language(resident) -> None:
    res = resident("uk").post("/api/v1/reports", {**POTHOLE, "lat": 52.2297, "lon": 21.0122})
    assert res.json["message"] == "Це місце поза межами громад, які обслуговує ця система."
    res = resident("pl").post("/api/v1/reports", {**POTHOLE, "answers": {}})
    assert res.json["errors"]["json"]["answers.size"] == ["To pytanie wymaga odpowiedzi."]
    res = resident("uk").post("/api/v1/reports", {"lat": 50.06, "lon": 19.93})
    assert res.json["errors"]["json"]["service_code"] == ["Відсутнє обов'язкове поле."]


def test_the_same_idempotency_key_and_body_return_the_first_report(resident, db: Session) -> None:
    me = resident()
    first = me.post("/api/v1/reports", POTHOLE, headers={"Idempotency-Key": "retry-1"})
    again = me.post("/api/v1/reports", POTHOLE, headers={"Idempotency-Key": "retry-1"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert db.scalar(select(func.count()).where(Report.device_id == me.device_id)) == 1


def test_the_same_key_with_another_body_is_422_and_from_another_device_is_a_new_report(resident) -> None:
    me, other = resident(), resident()
    first = me.post("/api/v1/reports", POTHOLE, headers={"Idempotency-Key": "k-1"})
    changed = me.post("/api/v1/reports", {**POTHOLE, "description": "changed"}, headers={"Idempotency-Key": "k-1"})
    assert changed.status_code == 422 and "Idempotency-Key" in changed.json["errors"]["json"]
    theirs = other.post("/api/v1/reports", POTHOLE, headers={"Idempotency-Key": "k-1"})
    assert theirs.status_code == 201 and theirs.json["id"] != first.json["id"]


def test_public_detail_shows_the_timeline_and_never_the_reporter(client: FlaskClient, resident) -> None:
    me = resident()
    contact = {"name": "Zofia Nowak-Szczególna", "email": "zofia.private@example.com", "phone": "+48 600 700 800"}
    created = me.report(contact=contact)
    public_texts = [
        client.get(f"/api/v1/reports/{created['public_id']}").get_data(as_text=True),
        client.get(f"/api/v1/reports/{created['id']}").get_data(as_text=True),
        resident().get(f"/api/v1/reports/{created['id']}").get_data(as_text=True),
        me.get("/api/v1/me/reports").get_data(as_text=True),
        resident().report()["nearby"].__repr__(),
        str(created),
    ]
    for text_ in public_texts:
        for secret in ("Zofia", "zofia.private", "600 700 800"):
            assert secret not in text_
    detail = client.get(f"/api/v1/reports/{created['public_id'].lower()}").json
    assert [e["kind"] for e in detail["timeline"]] == ["created"]
    assert detail["status"] == "submitted"


def test_hidden_and_unknown_reports_are_404(client: FlaskClient, resident, db: Session) -> None:
    created = resident().report()
    reports.set_hidden(created["id"], True)
    assert client.get(f"/api/v1/reports/{created['id']}").status_code == 404
    assert client.get("/api/v1/reports/KRK-1999-000001").status_code == 404
    res = client.get("/api/v1/reports/999999999")
    assert res.status_code == 404 and res.json["message"] == "Not found."


def test_my_reports_are_mine_newest_first_and_paginated(resident) -> None:
    me, other = resident(), resident()
    mine = [me.report(description=f"r{i}")["id"] for i in range(5)]
    other.report()
    page = me.get("/api/v1/me/reports?limit=3").json
    assert [r["id"] for r in page["items"]] == mine[::-1][:3]
    rest = me.get(f"/api/v1/me/reports?limit=3&before={page['next_before']}").json
    assert [r["id"] for r in rest["items"]] == mine[::-1][3:] and rest["next_before"] is None


def test_supporting_is_once_per_device_and_can_be_withdrawn(resident) -> None:
    owner, fan = resident(), resident()
    created = owner.report()
    path = f"/api/v1/reports/{created['id']}/supports"
    assert fan.post(path).json == {"report_id": created["id"], "supported": True, "support_count": 1}
    assert fan.post(path).json["support_count"] == 1
    assert fan.get(f"/api/v1/reports/{created['id']}").json["supported"] is True
    assert owner.post(path).status_code == 409
    assert fan.delete(path).json == {"report_id": created["id"], "supported": False, "support_count": 0}
    assert fan.delete(path).json["support_count"] == 0


def test_export_then_erase_leaves_the_reports_and_no_personal_data(resident, db: Session) -> None:
    me = resident()
    tag = uuid.uuid4().hex[:6]  # other tests' residents may be called Jan Kowalski too
    contact = {"name": f"Jan Kowalski {tag}", "email": f"jan.k.{tag}@example.com",
               "phone": f"+48 111 {int(tag, 16) % 1000:03d} 333"}
    created = me.report(contact=contact)
    export = me.get("/api/v1/me/export").json
    assert export["contact"] == contact and [r["public_id"] for r in export["reports"]] == [created["public_id"]]
    assert me.delete("/api/v1/me").status_code == 204
    assert me.get("/api/v1/me/reports").status_code == 401
    report = db.get(Report, created["id"])
    assert report is not None and report.reporter_id is None and report.device_id is None
    assert report.anonymised_at is not None
    leftovers = db.execute(text("SELECT count(*) FROM residents WHERE email = :e OR name = :n OR phone = :p"),
                           {"e": contact["email"], "n": contact["name"], "p": contact["phone"]}).scalar_one()
    assert leftovers == 0


def test_erasure_removes_my_places_my_device_and_my_supports_and_export_lists_places(resident, db: Session) -> None:
    owner, me, other = resident(), resident(), resident()
    created = owner.report()
    path = f"/api/v1/reports/{created['id']}/supports"
    assert me.post(path).json["support_count"] == 1 and other.post(path).json["support_count"] == 2
    assert me.post("/api/v1/me/places", {"label": "Home of Jan", **RYNEK}).status_code == 201
    places = me.get("/api/v1/me/export").json["places"]
    home = ("Home of Jan", RYNEK["lat"], RYNEK["lon"], "1261011", "I")
    assert [(p["label"], p["lat"], p["lon"], p["jurisdiction"], p["area"]) for p in places] == [home]
    assert me.delete("/api/v1/me").status_code == 204
    assert me.get("/api/v1/me/places").status_code == 401
    left = {t: db.execute(text(f"SELECT count(*) FROM {t} WHERE device_id = :d"), {"d": me.device_id}).scalar_one()
            for t in ("device_places", "report_supports")}
    left["devices"] = db.execute(text("SELECT count(*) FROM devices WHERE id = :d"), {"d": me.device_id}).scalar_one()
    labels = db.execute(text("SELECT count(*) FROM device_places WHERE label = 'Home of Jan'")).scalar_one()
    db.rollback()
    assert left == {"device_places": 0, "report_supports": 0, "devices": 0} and labels == 0
    assert owner.get(f"/api/v1/reports/{created['id']}").json["support_count"] == 1
    assert other.delete(path).json["support_count"] == 0


def test_a_report_near_a_district_edge_lands_where_locate_says(resident, db: Session) -> None:
    lon, lat = db.execute(text("""
        SELECT ST_X(v.geom), ST_Y(v.geom) FROM areas a JOIN areas b ON b.jurisdiction_id = a.jurisdiction_id,
        LATERAL ST_DumpPoints(a.boundary) v
        WHERE a.code = 'II' AND b.code = 'III' AND ST_Covers(b.boundary, v.geom) LIMIT 1
    """)).one()
    db.rollback()
    me = resident()
    for dlon, dlat in ((0, 0), (1e-6, 0), (-1e-6, 0), (0, 1e-6), (0, -1e-6)):
        body = me.report(lon=lon + dlon, lat=lat + dlat)
        expected = locate(db, lon + dlon, lat + dlat)
        assert expected is not None and body["area"]["code"] == expected.area_code


def test_rynek_reports_are_in_stare_miasto(resident) -> None:
    assert resident().report(**RYNEK)["area"]["code"] == "I"
