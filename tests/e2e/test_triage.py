"""Triage through the admin API: the state machine, every action, ETags, merging, audit."""

from __future__ import annotations

import io
import threading
import uuid
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import OutboxEvent
from backend.staff import create_staff
from backend.triage import TRANSITIONS
from backend.vocabulary import label
from tests.e2e.conftest import Resident
from tests.e2e.test_photos import jpeg_with_gps_rotated

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def dispatcher(app: Flask, cities: dict) -> dict[str, str]:
    email = f"disp-{uuid.uuid4().hex[:6]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    res = app.test_client().post("/api/admin/tokens", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {res.json['token']}"}


class Desk:
    """A dispatcher's view of one report: read it with its ETag, act on it."""

    def __init__(self, client: FlaskClient, headers: dict[str, str], report_id: int) -> None:
        self.client, self.headers, self.id = client, headers, report_id

    def get(self) -> Any:
        return self.client.get(f"/api/admin/reports/{self.id}", headers=self.headers)

    def act(self, action: str, body: dict[str, Any], etag: str | None = "current") -> Any:
        headers = dict(self.headers)
        if etag == "current":
            etag = self.get().headers["ETag"]
        if etag is not None:
            headers["If-Match"] = etag
        return self.client.post(f"/api/admin/reports/{self.id}/{action}", json=body, headers=headers)


def desk(client: FlaskClient, dispatcher: dict, **report: Any) -> Desk:
    return Desk(client, dispatcher, Resident(client).report(**report)["id"])


PATHS = {"submitted": [], "acknowledged": ["acknowledged"], "in_progress": ["in_progress"],
         "resolved": ["resolved"], "closed": ["resolved", "closed"], "rejected": ["rejected"]}


def reason_for(status: str) -> str | None:
    return "invalid" if status == "rejected" else None


@pytest.mark.parametrize("start", sorted(PATHS))
def test_every_transition_is_allowed_or_409_as_the_state_machine_says(client: FlaskClient, dispatcher: dict,
                                                                      start: str) -> None:
    for target in ("acknowledged", "in_progress", "resolved", "closed", "rejected", "submitted"):
        if target == start:
            continue
        d = desk(client, dispatcher)
        for step in PATHS[start]:
            assert d.act("status", {"status": step, "reason": reason_for(step)}).status_code == 200
        res = d.act("status", {"status": target, "reason": reason_for(target)})
        expected = 200 if target in TRANSITIONS[start] else 409
        assert res.status_code == expected, (start, target, res.json)
        if expected == 200:
            assert res.json["status"] == target


def test_rejecting_needs_a_reason(client: FlaskClient, dispatcher: dict) -> None:
    d = desk(client, dispatcher)
    res = d.act("status", {"status": "rejected"})
    assert res.status_code == 422 and "reason" in res.json["errors"]["json"]
    assert d.act("status", {"status": "rejected", "reason": "not_our_responsibility"}).status_code == 200


@pytest.mark.parametrize(("path", "target"), [([], "acknowledged"), ([], "resolved"), (["resolved"], "closed"),
                                            (["rejected"], "in_progress")])
def test_a_reason_is_refused_for_any_move_but_a_rejection_and_audited_only_with_one(
        client: FlaskClient, dispatcher: dict, path: list[str], target: str) -> None:
    d = desk(client, dispatcher)
    for step in path:
        assert d.act("status", {"status": step, "reason": reason_for(step)}).status_code == 200
    before = d.get().json["status"]
    res = d.act("status", {"status": target, "reason": "duplicate"})
    assert res.status_code == 422 and list(res.json["errors"]["json"]) == ["reason"], res.json
    assert "duplicate" not in res.json["errors"]["json"]["reason"][0]  # words, not a code
    assert d.get().json["status"] == before
    assert d.act("status", {"status": target}).status_code == 200
    trail = [e for e in client.get(f"/api/admin/reports/{d.id}/audit", headers=dispatcher).json
             if e["action"] == "report.status"]
    assert trail[0]["after"] == {"status": target}
    if "rejected" in path:
        assert trail[-1]["after"] == {"status": "rejected", "reason": "invalid"}


def test_reopening_restarts_the_sla_clock(client: FlaskClient, dispatcher: dict) -> None:
    d = desk(client, dispatcher)
    first_due = datetime.fromisoformat(d.get().json["sla_due_at"])
    d.act("status", {"status": "resolved"})
    reopened = d.act("status", {"status": "in_progress"}).json
    assert datetime.fromisoformat(reopened["sla_due_at"]) > first_due
    assert reopened["status"] == "in_progress"


def test_writes_need_a_current_etag(client: FlaskClient, dispatcher: dict) -> None:
    d = desk(client, dispatcher)
    assert d.act("note", {"body": "x"}, etag=None).status_code == 428
    old = d.get().headers["ETag"]
    assert d.act("priority", {"priority": "high"}, etag=old).status_code == 200
    stale = d.act("priority", {"priority": "low"}, etag=old)
    assert stale.status_code == 412 and d.get().json["priority"] == "high"


def test_two_writes_with_the_same_etag_released_together_one_wins(app: Flask, client: FlaskClient,
                                                                  dispatcher: dict) -> None:
    d = desk(client, dispatcher)
    tag = d.get().headers["ETag"]
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def write(priority: str) -> None:
        own = Desk(app.test_client(), dispatcher, d.id)
        barrier.wait()
        codes.append(own.act("priority", {"priority": priority}, etag=tag).status_code)

    threads = [threading.Thread(target=write, args=(p,)) for p in ("high", "urgent")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(codes) == [200, 412]


def test_assign_reply_note_and_recategorise(client: FlaskClient, dispatcher: dict, db: Session) -> None:
    d = desk(client, dispatcher)
    assert d.act("assign", {"department": "zzm"}).json["department"]["code"] == "zzm"
    assert d.act("assign", {"department": "nope"}).status_code == 404
    d.act("reply", {"body": "A crew is on the way."})
    d.act("note", {"body": "Internal: crew 7"})
    public = client.get(f"/api/v1/reports/{d.id}").json["timeline"]
    assert any(e["kind"] == "reply" and e["body"] == "A crew is on the way." for e in public)
    assert all("crew 7" not in str(e) for e in public)
    before = d.get().json
    after = d.act("recategorise", {"service_code": "water_leak"}).json
    assert after["service_code"] == "water_leak" and after["department"]["code"] == "wodociagi"
    assert datetime.fromisoformat(after["sla_due_at"]) < datetime.fromisoformat(before["sla_due_at"])  # 6 h vs 72 h
    kinds = {e.event_type for e in db.scalars(select(OutboxEvent).where(
        OutboxEvent.payload["report_id"].as_integer() == d.id))}
    assert {"report.submitted", "report.replied"} <= kinds


def test_merge_moves_supporters_and_photos_and_closes_the_duplicate(client: FlaskClient, dispatcher: dict,
                                                                    db: Session) -> None:
    owner, dup_owner, fan = Resident(client), Resident(client), Resident(client)
    master = owner.report()
    duplicate = dup_owner.report()
    assert fan.post(f"/api/v1/reports/{duplicate['id']}/supports").status_code == 200
    photo = client.post(f"/api/v1/reports/{duplicate['id']}/photos", headers=dup_owner.headers,
                        data={"photo": (io.BytesIO(jpeg_with_gps_rotated()), "p.jpg")},
                        content_type="multipart/form-data").json
    d = Desk(client, dispatcher, duplicate["id"])
    merged = d.act("merge", {"master_id": master["id"]}).json
    assert merged["status"] == "duplicate"
    m = client.get(f"/api/v1/reports/{master['id']}").json
    assert m["support_count"] == 2  # the fan and the duplicate's reporter
    assert photo["id"] in [p["id"] for p in m["photos"]]
    assert client.get(f"/api/v1/reports/{duplicate['id']}").json["merged_into"] == master["public_id"]
    assert d.act("merge", {"master_id": master["id"]}).status_code == 409
    merged_event = select(OutboxEvent).where(OutboxEvent.event_type == "report.merged",
                                             OutboxEvent.payload["report_id"].as_integer() == duplicate["id"])
    assert db.scalars(merged_event).first() is not None


@pytest.mark.parametrize("path", [["resolved"], ["resolved", "closed"], ["rejected"]])
def test_a_report_no_longer_open_is_not_merged_and_its_reporter_not_told(client: FlaskClient, dispatcher: dict,
                                                                          db: Session, path: list[str]) -> None:
    master = Resident(client).report()
    done = desk(client, dispatcher)
    for step in path:
        assert done.act("status", {"status": step, "reason": reason_for(step)}).status_code == 200
    res = done.act("merge", {"master_id": master["id"]})
    assert res.status_code == 409, res.json
    status = path[-1]
    assert label(status, "pl", "report_status") in res.json["message"]  # the dispatcher's language, in words
    assert f" {status}" not in res.json["message"]
    after = done.get().json
    assert (after["status"], after["merged_into"]) == (status, None)
    assert client.get(f"/api/v1/reports/{master['id']}").json["support_count"] == 0
    merged_event = select(OutboxEvent).where(OutboxEvent.event_type == "report.merged",
                                             OutboxEvent.payload["report_id"].as_integer() == done.id)
    assert db.scalars(merged_event).first() is None


def test_a_duplicate_goes_only_into_a_visible_unmerged_report_of_the_municipality(
        client: FlaskClient, dispatcher: dict) -> None:
    hidden, merged, other = (desk(client, dispatcher) for _ in range(3))
    assert hidden.act("moderate", {"hidden": True}).status_code == 200
    assert merged.act("merge", {"master_id": other.id}).status_code == 200
    foreign = Resident(client).report(service_code="road_sign", lat=50.2, lon=20.1, answers={})  # the powiat
    d = desk(client, dispatcher)
    for master_id, code in ((hidden.id, 409), (merged.id, 409), (foreign["id"], 404)):
        res = d.act("merge", {"master_id": master_id})
        assert res.status_code == code and list(res.json["errors"]["json"]) == ["master_id"], (master_id, res.json)
    assert d.get().json["status"] == "submitted"
    assert client.get(f"/api/v1/reports/{foreign['id']}").json["support_count"] == 0


def test_moderation_hides_or_redacts_and_the_audit_keeps_the_original(client: FlaskClient, dispatcher: dict) -> None:
    d = desk(client, dispatcher, description="Call 600 100 200, the neighbour Jan K. did it")
    d.act("moderate", {"description": "[redacted by moderator]"})
    assert client.get(f"/api/v1/reports/{d.id}").json["description"] == "[redacted by moderator]"
    d.act("moderate", {"hidden": True})
    assert client.get(f"/api/v1/reports/{d.id}").status_code == 404
    trail = client.get(f"/api/admin/reports/{d.id}/audit", headers=dispatcher).json
    redaction = next(e for e in trail if e["action"] == "report.moderate" and e["after"]["hidden"] is False)
    assert "600 100 200" in redaction["before"]["description"]
    assert [e["action"] for e in trail][:2] == ["report.moderate", "report.moderate"]
    assert all(e["staff_id"] for e in trail)


def test_department_staff_act_only_on_their_departments_reports(app: Flask, client: FlaskClient,
                                                                 dispatcher: dict) -> None:
    email = f"dept-{uuid.uuid4().hex[:6]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="department_staff", jurisdiction_code="1261011",
                     department_code="mpo")
    headers = {"Authorization": "Bearer " + client.post("/api/admin/tokens", json={
        "email": email, "password": PASSWORD}).json["token"]}
    bin_report = Desk(client, headers, Resident(client).report(service_code="overflowing_bin", answers={})["id"])
    assert bin_report.act("status", {"status": "in_progress"}).status_code == 200
    pothole = Desk(client, headers, Resident(client).report()["id"])
    assert pothole.get().status_code == 404
    assert client.post(f"/api/admin/reports/{pothole.id}/assign", json={"department": "mpo"},
                       headers={**headers, "If-Match": "x"}).status_code == 403


def test_a_template_reply_is_rendered_in_the_reporters_language(client: FlaskClient, dispatcher: dict) -> None:
    uk = Resident(client, "uk")
    d = Desk(client, dispatcher, uk.report()["id"])
    res = d.act("template_reply", {"status": "acknowledged"})
    assert res.status_code == 200
    public = uk.get(f"/api/v1/reports/{d.id}").json
    reply = next(e for e in public["timeline"] if e["kind"] == "reply")
    assert reply["body"].startswith("Дякуємо, ми отримали звернення") and public["public_id"] in reply["body"]
    assert d.act("template_reply", {"status": "acknowledged", "index": 9}).status_code == 404


def test_bulk_actions_are_checked_and_audited_one_by_one(client: FlaskClient, dispatcher: dict) -> None:
    a, b = desk(client, dispatcher), desk(client, dispatcher)
    tag_a, stale_b = a.get().headers["ETag"], b.get().headers["ETag"]
    b.act("note", {"body": "changed meanwhile"})
    res = client.post("/api/admin/reports/bulk", headers=dispatcher, json={
        "action": "status", "status": "acknowledged",
        "items": [{"id": a.id, "etag": tag_a}, {"id": b.id, "etag": stale_b}, {"id": 999999999, "etag": "x"}]})
    assert res.status_code == 200
    assert [(r["id"], r["status"]) for r in res.json] == [(a.id, 200), (b.id, 412), (999999999, 404)]
    assert a.get().json["status"] == "acknowledged" and b.get().json["status"] == "submitted"
    trail = client.get(f"/api/admin/reports/{a.id}/audit", headers=dispatcher).json
    assert trail[0]["action"] == "report.status" and trail[0]["after"]["status"] == "acknowledged"
