"""The retention task unlinks reporters exactly from reports closed longer ago than the limit."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.models import Report, Resident, utcnow
from backend.reporting import record_status
from tests.e2e.conftest import Resident as AppUser
from tests.support.waiting import eventually


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
            from backend.models import Device

            db.execute(update(Device).where(Device.id == user.device_id).values(resident_id=None))
    db.commit()

    app.extensions["celery"].send_task("hromada.reports.retention")

    def old_one_anonymised() -> bool:
        db.expire_all()
        return db.get(Report, ids["old"]).anonymised_at is not None

    eventually(old_one_anonymised, interval=0.2, what="the retention task to anonymise the old report")
    db.expire_all()
    for name, (_, expected) in cases.items():
        report = db.get(Report, ids[name])
        assert (report.reporter_id is None) is expected, name
        assert (report.anonymised_at is not None) is expected, name
    assert db.scalars(select(Resident).where(Resident.id == residents["old"])).first() is None
    assert db.scalars(select(Resident).where(Resident.id == residents["recent"])).first() is not None
