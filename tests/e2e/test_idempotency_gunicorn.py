"""Twenty concurrent retries with one Idempotency-Key on several gunicorn workers: one report."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import Report
from tests.conftest import ROOT
from tests.e2e.conftest import POTHOLE
from tests.support.gunicorn import Gunicorn


def test_twenty_concurrent_requests_with_one_key_make_one_report_and_twenty_identical_answers(
        migrated: str, redis_url: str, cities: dict, db: Session) -> None:
    env = {"DATABASE_URL": migrated, "REDIS_URL": redis_url, "RATE_LIMIT_REPORTS_PER_DEVICE": "1000/minute",
           "RATE_LIMIT_REPORTS_PER_IP": "1000/minute", "RATE_LIMIT_DEVICE_REGISTRATION": "1000/minute"}
    with Gunicorn(ROOT, env, workers=3) as server:
        status, _, device = server.request("POST", "/api/v1/devices", {"platform": "android", "locale": "pl"})
        assert status == 201
        headers = {"Authorization": f"Bearer {device['token']}", "Idempotency-Key": "offline-retry-42"}
        barrier = threading.Barrier(20)
        answers: list[tuple[int, object]] = []
        lock = threading.Lock()

        def send() -> None:
            barrier.wait()
            status, _, body = server.request("POST", "/api/v1/reports", POTHOLE, headers)
            with lock:
                answers.append((status, body))

        threads = [threading.Thread(target=send) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert len(answers) == 20
    assert {status for status, _ in answers} == {201}
    first = answers[0][1]
    assert all(body == first for _, body in answers)
    count = db.scalar(select(func.count()).select_from(Report).where(Report.device_id == device["device_id"]))
    assert count == 1
