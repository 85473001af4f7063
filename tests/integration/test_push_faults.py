"""Push under faults, with real worker processes: one killed with SIGKILL mid-batch, and Redis stopped."""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, insert, select, update

from backend import outbox
from backend.db import session, unit_of_work
from backend.models import Delivery, Device, Notification, OutboxEvent, Report, ReportSupport, utcnow
from backend.staff import create_staff
from push import delivery
from tests.conftest import ROOT, make_app, push_settings
from tests.support.services import PrivateRedis, WorkerProcesses
from tests.support.waiting import eventually

PASSWORD = "correct horse battery staple"
CHUNK = 100
#: How long Redis stays stopped (`make chaos` sets a minute; the suite keeps it short).
OUTAGE_SECONDS = float(os.environ.get("CHAOS_REDIS_OUTAGE_SECONDS", "0"))


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    r = PrivateRedis(tmp_path)
    r.start()
    yield r
    r.stop()


def settings(fake_fcm: Any, smtp: Any) -> dict[str, str]:
    return {**push_settings(fake_fcm, smtp), "PUSH_CHUNK": str(CHUNK), "PUSH_LEASE_SECONDS": "3", "PUSH_PARALLEL": "2"}


def report_with_followers(app: Flask, n: int, tag: str) -> tuple[int, list[str]]:
    """A report and n supporting devices with push tokens (written directly: this is the fixture)."""
    client = app.test_client()
    dev = client.post("/api/v1/devices", json={"platform": "android", "locale": "pl"}).json
    made = client.post(
        "/api/v1/reports",
        headers={"Authorization": f"Bearer {dev['token']}"},
        json={"service_code": "graffiti", "lat": 50.0612, "lon": 19.9380, "description": f"Graffiti {tag}"},
    ).json
    tokens = [f"ok-{tag}-{i}" for i in range(n)]
    with app.app_context(), unit_of_work() as s:
        ids = (
            s.execute(
                insert(Device).returning(Device.id),
                [
                    {
                        "platform": "android",
                        "locale": "pl",
                        "token_hash": uuid.uuid4().hex + uuid.uuid4().hex,
                        "push_token": t,
                    }
                    for t in tokens
                ],
            )
            .scalars()
            .all()
        )
        s.execute(insert(ReportSupport), [{"report_id": made["id"], "device_id": i} for i in ids])
        s.execute(update(Report).where(Report.id == made["id"]).values(support_count=n))
    return made["id"], tokens


def acknowledge(app: Flask, report_id: int) -> int:
    client = app.test_client()
    email = f"faults-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    token = client.post("/api/admin/tokens", json={"email": email, "password": PASSWORD}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    etag = client.get(f"/api/admin/reports/{report_id}", headers=headers).headers["ETag"]
    res = client.post(
        f"/api/admin/reports/{report_id}/status", json={"status": "acknowledged"}, headers={**headers, "If-Match": etag}
    )
    return res.status_code


def states(app: Flask, report_id: int) -> Counter[str]:
    with app.app_context():
        rows = (
            session()
            .execute(
                select(Delivery.status, func.count())
                .join(Notification, Notification.id == Delivery.notification_id)
                .where(Notification.report_id == report_id)
                .group_by(Delivery.status)
            )
            .all()
        )
        session().rollback()
    return Counter(dict(rows))


def sweep(app: Flask) -> None:
    """What celery beat runs: the outbox sweeper and the delivery sweeper."""
    with app.app_context():
        outbox.sweep.run()
        delivery.sweep.run()


def all_sent(app: Flask, report_id: int, tokens: list[str]) -> None:
    """Wait until every device's delivery is sent, sweeping (as beat would) between two looks."""

    def sent_or_sweep() -> bool:
        if states(app, report_id) == Counter({"sent": len(tokens)}):
            return True
        sweep(app)
        return False

    eventually(
        sent_or_sweep,
        timeout=120,
        interval=0.25,
        what=lambda: f"{len(tokens)} deliveries sent; now {dict(states(app, report_id))}",
    )


def worker_env(app: Flask, fake_fcm: Any, smtp: Any) -> dict[str, str]:
    conf = app.config["HROMADA_SETTINGS"]
    return {"DATABASE_URL": conf.DATABASE_URL, "REDIS_URL": conf.REDIS_URL, **settings(fake_fcm, smtp)}


def test_a_worker_killed_mid_batch_still_serves_every_device_repeating_only_its_chunk_under_one_collapse_key(
    migrated: str, private_redis: PrivateRedis, cities: dict, fake_fcm: Any, smtp: Any
) -> None:
    app = make_app(migrated, private_redis.url, **settings(fake_fcm, smtp))
    tag = uuid.uuid4().hex[:8]
    report_id, tokens = report_with_followers(app, 1000, tag)
    env = worker_env(app, fake_fcm, smtp)

    def accepted() -> Counter[str]:
        return Counter(r.token for r in fake_fcm.accepted() if tag in r.token)

    fake_fcm.delay = 0.3  # each chunk is in flight long enough to be killed in the middle of it
    try:
        with WorkerProcesses(ROOT, env) as first:
            assert acknowledge(app, report_id) == 200
            eventually(
                lambda: sum(accepted().values()) >= 150,
                timeout=120,
                interval=0.25,
                what=lambda: f"150 pushes accepted; worker log: {first.log_text()[-3000:]}",
            )
            first.procs[0].kill()  # SIGKILL: no chance to mark what FCM already accepted
            first.procs[0].wait(10)
        killed_at = sum(accepted().values())
        assert killed_at < len(tokens), "the worker finished before it could be killed"
        with WorkerProcesses(ROOT, env):
            all_sent(app, report_id, tokens)
    finally:
        fake_fcm.delay = 0.0
    got = accepted()
    assert set(got) == set(tokens)  # every device served
    repeated = [t for t, n in got.items() if n > 1]
    print(f"killed after {killed_at} accepted; {len(repeated)} devices got a repeat")
    assert max(got.values()) <= 2
    assert len(repeated) <= 2 * CHUNK  # at most the chunks in flight (two tasks in parallel) when it died
    for token in repeated:  # and each repeat is the same notification, under its one collapse key
        copies = [r for r in fake_fcm.accepted() if r.token == token]
        assert len({(r.collapse_key, r.apns_collapse_id, r.data["notification_id"]) for r in copies}) == 1


def test_with_redis_stopped_the_api_answers_and_notifications_go_out_once_after_it_returns(
    migrated: str, private_redis: PrivateRedis, cities: dict, fake_fcm: Any, smtp: Any
) -> None:
    app = make_app(migrated, private_redis.url, **settings(fake_fcm, smtp))
    tag = uuid.uuid4().hex[:8]
    report_id, tokens = report_with_followers(app, 300, tag)
    private_redis.stop()
    assert acknowledge(app, report_id) == 200  # the staff action is taken; its event waits in the outbox
    client = app.test_client()
    dev = client.post("/api/v1/devices", json={"platform": "ios", "locale": "uk"})
    assert dev.status_code == 201  # residents are still served
    resident = {"Authorization": f"Bearer {dev.json['token']}"}
    deadline = time.monotonic() + OUTAGE_SECONDS  # `make chaos` keeps Redis away for a minute
    while True:  # reports are accepted all through the outage
        made = client.post(
            "/api/v1/reports",
            headers=resident,
            json={"service_code": "graffiti", "description": "During the outage", "lat": 50.0617, "lon": 19.9373},
        )
        assert made.status_code == 201, made.json
        if time.monotonic() >= deadline:
            break
        time.sleep(min(5.0, max(0.0, deadline - time.monotonic())))
    assert states(app, report_id) == Counter()  # nothing sent while the broker is away
    private_redis.start()
    with app.app_context(), unit_of_work() as s:  # let time pass beyond the outbox sweeper's grace
        s.execute(
            update(OutboxEvent)
            .where(OutboxEvent.status == "pending")
            .values(created_at=utcnow() - 2 * outbox.SWEEP_GRACE)
        )
    with WorkerProcesses(ROOT, worker_env(app, fake_fcm, smtp)):
        all_sent(app, report_id, tokens)
    got = Counter(r.token for r in fake_fcm.accepted() if tag in r.token)
    assert set(got) == set(tokens) and set(got.values()) == {1}  # each device once
