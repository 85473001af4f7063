"""The retention task unlinks reporters exactly from reports that left the open states longer ago than the limit,
whichever way they left, and forgets the contact data no report links any more."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.models import Device, Report, ReportEvent, Resident, utcnow
from backend.reporting import record_status
from backend.staff import create_api_key, create_staff
from tests.e2e.conftest import Resident as AppUser
from tests.support.waiting import eventually

PASSWORD = "correct horse battery staple"
#: Kraków keeps contact data 24 months: "old" is past it, "recent" within it.
OLD, RECENT = timedelta(days=25 * 31), timedelta(days=23 * 30)


def run_retention(app: Flask, db: Session, watched: int) -> None:
    """Run the retention task on the real worker and wait until it has handled the report `watched`."""
    app.extensions["celery"].send_task("hromada.reports.retention")

    def anonymised() -> bool:
        db.expire_all()
        return db.get(Report, watched).anonymised_at is not None

    eventually(anonymised, interval=0.2, what="the retention task to anonymise the old report")
    db.expire_all()


def test_retention_anonymises_exactly_the_reports_past_the_limit(
    app: Flask, cities: dict, db: Session, worker: object
) -> None:
    client = app.test_client()
    now = utcnow()
    cases = {  # closed this long ago -> expected anonymised (Kraków keeps contact data 24 months)
        "old": (now - relativedelta(months=25), True),
        "edge_inside": (now - relativedelta(months=23, days=27), False),
        "recent": (now - relativedelta(days=3), False),
        "open": (None, False),
    }
    ids: dict[str, int] = {}
    residents: dict[str, int] = {}
    for name, (closed_at, _) in cases.items():
        user = AppUser(client)
        body = user.report(contact={"email": f"{name}@example.com", "name": name})
        ids[name] = body["id"]
        if closed_at is not None:
            record_status(db, db.get(Report, body["id"]), "closed")
            db.execute(update(Report).where(Report.id == body["id"]).values(closed_at=closed_at))
        residents[name] = db.get(Report, body["id"]).reporter_id
        if name == "old":  # a reporter who has since erased the app: only the report links to the contact
            db.execute(update(Report).where(Report.id == body["id"]).values(device_id=None))
            db.execute(update(Device).where(Device.id == user.device_id).values(resident_id=None))
    db.commit()

    run_retention(app, db, ids["old"])
    for name, (_, expected) in cases.items():
        report = db.get(Report, ids[name])
        assert (report.reporter_id is None) is expected, name
        assert (report.anonymised_at is not None) is expected, name
    assert db.scalars(select(Resident).where(Resident.id == residents["old"])).first() is None
    assert db.scalars(select(Resident).where(Resident.id == residents["recent"])).first() is not None


@pytest.fixture(scope="module")
def desk(app: Flask, cities: dict) -> dict[str, str]:
    """A Kraków dispatcher's bearer header."""
    email = f"retention-{uuid.uuid4().hex[:6]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    res = app.test_client().post("/api/admin/tokens", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {res.json['token']}"}


def act(client: FlaskClient, desk: dict, report_id: int, action: str, body: dict[str, Any]) -> None:
    """A triage action through the staff API, with the report's current ETag."""
    etag = client.get(f"/api/admin/reports/{report_id}", headers=desk).headers["ETag"]
    res = client.post(f"/api/admin/reports/{report_id}/{action}", json=body, headers={**desk, "If-Match": etag})
    assert res.status_code == 200, res.json


def age(db: Session, report_id: int, by: timedelta) -> None:
    """Move everything that happened to a report `by` into the past (as if it had been filed then)."""
    times = ("requested_at", "updated_at", "acknowledged_at", "resolved_at", "closed_at", "sla_due_at")
    db.execute(update(Report).where(Report.id == report_id).values({t: getattr(Report, t) - by for t in times}))
    db.execute(
        update(ReportEvent).where(ReportEvent.report_id == report_id).values(created_at=ReportEvent.created_at - by)
    )
    db.commit()


def test_retention_counts_from_leaving_the_open_states_whichever_way(
    app: Flask, cities: dict, db: Session, worker: object, desk: dict
) -> None:
    """Rejected, merged-as-duplicate and resolved-but-never-closed reports lose their reporter's contact once
    the period has passed since they left the open states; an open report keeps it however old it is, and so
    does one rejected long ago but reopened and rejected again lately."""
    client = app.test_client()
    key = create_key(app)
    master = AppUser(client).report(description="The same hole, reported first")["id"]
    steps = {  # name -> (triage actions, how long ago, expected unlinked)
        "rejected_old": ([("status", {"status": "rejected", "reason": "invalid"})], OLD, True),
        "duplicate_old": ([("merge", {"master_id": master})], OLD, True),
        "resolved_old": ([("status", {"status": "resolved"})], OLD, True),
        "closed_old": ([("status", {"status": "resolved"}), ("status", {"status": "closed"})], OLD, True),
        "rejected_recent": ([("status", {"status": "rejected", "reason": "invalid"})], RECENT, False),
        "open_old": ([("status", {"status": "acknowledged"})], OLD + OLD, False),
        "rejected_again": ([("status", {"status": "rejected", "reason": "invalid"})], OLD + OLD, False),
    }
    ids: dict[str, int] = {}
    for name, (actions, ago, _) in steps.items():
        ids[name] = open311_report(client, key, name)
        for action, body in actions:
            act(client, desk, ids[name], action, body)
        age(db, ids[name], ago)
    act(client, desk, ids["rejected_again"], "status", {"status": "in_progress"})  # reopened today…
    act(client, desk, ids["rejected_again"], "status", {"status": "rejected", "reason": "invalid"})  # …and again
    reporters = {name: db.get(Report, rid).reporter_id for name, rid in ids.items()}
    assert all(reporters.values())

    run_retention(app, db, ids["rejected_old"])
    for name, (_, _, expected) in steps.items():
        report = db.get(Report, ids[name])
        assert (report.reporter_id is None) is expected, name
        gone = db.get(Resident, reporters[name]) is None  # an Open311 reporter has no other record
        assert gone is expected, name
    emails = set(db.scalars(select(Resident.email).where(Resident.email.like("%@retention.example"))))
    assert emails == {f"{n}@retention.example" for n, (_, _, expected) in steps.items() if not expected}


def test_an_app_user_with_no_report_left_inside_the_period_keeps_the_app_but_not_the_contact(
    app: Flask, cities: dict, db: Session, worker: object, desk: dict
) -> None:
    client = app.test_client()
    tag = uuid.uuid4().hex[:6]
    gone, kept = AppUser(client), AppUser(client)
    old = gone.report(contact={"email": f"gone-{tag}@example.com", "name": "Gone", "phone": "+48 600 000 001"})
    kept_old = kept.report(contact={"email": f"kept-{tag}@example.com", "name": "Kept"})
    kept_new = kept.report(contact={"email": f"kept-{tag}@example.com", "name": "Kept"})
    for report in (old, kept_old, kept_new):
        act(client, desk, report["id"], "status", {"status": "rejected", "reason": "invalid"})
    age(db, old["id"], OLD)
    age(db, kept_old["id"], OLD)
    gone_record = db.get(Report, old["id"]).reporter_id
    kept_record = db.get(Report, kept_new["id"]).reporter_id

    run_retention(app, db, old["id"])
    record = db.get(Resident, gone_record)
    assert record is not None  # the app install keeps its record (language, settings)…
    assert (record.name, record.email, record.phone) == (None, None, None)  # …without the contact data
    assert gone.get("/api/v1/me/export").json["contact"] == {"name": None, "email": None, "phone": None}
    mine = gone.get("/api/v1/me/reports").json["items"]
    assert [r["id"] for r in mine] == [old["id"]]  # the app still lists its own report
    still = db.get(Resident, kept_record)  # a recent report still needs the contact
    assert (still.name, still.email) == ("Kept", f"kept-{tag}@example.com")
    assert db.get(Report, kept_old["id"]).reporter_id is None and db.get(Report, kept_new["id"]).reporter_id


def create_key(app: Flask) -> str:
    with app.app_context():
        return create_api_key(
            name=f"retention-{uuid.uuid4().hex[:4]}", jurisdiction_code="1261011", scopes=["open311:write"]
        )[1]


def open311_report(client: FlaskClient, key: str, name: str) -> int:
    """A request filed through Open311 by someone who left an e-mail address (and has no app)."""
    res = client.post(
        "/open311/v2/requests.json",
        data={
            "jurisdiction_id": "1261011",
            "api_key": key,
            "service_code": "street_light",
            "lat": "50.0612",
            "long": "19.9380",
            "attribute[problem]": "off",
            "description": f"Lamp out ({name})",
            "email": f"{name}@retention.example",
            "first_name": name,
        },
    )
    assert res.status_code == 201, res.get_data(as_text=True)
    public_id = res.json[0]["service_request_id"]
    return int(client.get(f"/api/v1/reports/{public_id}").json["id"])
