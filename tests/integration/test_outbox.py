"""The outbox: handled exactly once, nothing from rolled-back work, no loss while Redis is down."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis as redis_lib
from flask import Flask
from sqlalchemy import select, text, update

from backend import outbox
from backend.db import session, unit_of_work
from backend.models import OutboxEvent, utcnow
from tests.conftest import ROOT, make_app
from tests.support.services import PrivateRedis, WorkerProcesses


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def hits(app: Flask, keys: list[int]) -> dict[int, int]:
    with app.app_context():
        rows = (
            session()
            .execute(
                text("SELECT event_id, count(*) FROM test_outbox_hits WHERE event_id = ANY(:k) GROUP BY event_id"),
                {"k": keys},
            )
            .all()
        )
        return {r[0]: r[1] for r in rows}


def statuses(app: Flask, ids: list[int]) -> dict[int, str]:
    with app.app_context():
        rows = session().execute(select(OutboxEvent.id, OutboxEvent.status).where(OutboxEvent.id.in_(ids))).all()
        return {r[0]: r[1] for r in rows}


def write_events(app: Flask, n: int, event_type: str = "test.record") -> tuple[list[int], list[int]]:
    """Commit n events in one use-case transaction; returns (outbox ids, event keys)."""
    base = uuid.uuid4().int % 10**12
    keys = [base + i for i in range(n)]
    with app.app_context(), unit_of_work() as s:
        events = [outbox.add_event(s, event_type, {"event_key": k}) for k in keys]
    return [e.id for e in events], keys


def worker_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "OUTBOX_HANDLER_MODULES": "tests.support.handlers"}


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    r = PrivateRedis(tmp_path)
    r.start()
    yield r
    r.stop()


def test_a_committed_event_is_handled_once_by_the_worker(app: Flask, worker: object) -> None:
    ids, keys = write_events(app, 5)
    assert wait_for(lambda: set(statuses(app, ids).values()) == {"done"})
    assert hits(app, keys) == dict.fromkeys(keys, 1)


def test_two_workers_and_duplicate_publishes_still_handle_each_event_exactly_once(
    migrated: str, private_redis: PrivateRedis
) -> None:
    app = make_app(migrated, private_redis.url)
    ids, keys = write_events(app, 150)  # published once on commit; no worker runs yet
    with app.app_context():
        outbox.publish(ids)  # ...and twice more, as a sweeper racing the first publish would
        outbox.publish(list(reversed(ids)))
    with WorkerProcesses(ROOT, worker_env(migrated, private_redis.url), count=2, concurrency=4):
        assert wait_for(lambda: set(statuses(app, ids).values()) == {"done"}, timeout=60)
        assert wait_for(lambda: redis_lib.Redis.from_url(private_redis.url).llen("celery") == 0, timeout=30)
    assert hits(app, keys) == dict.fromkeys(keys, 1)


def test_a_rolled_back_transaction_publishes_nothing(migrated: str, private_redis: PrivateRedis) -> None:
    app = make_app(migrated, private_redis.url)
    queue = redis_lib.Redis.from_url(private_redis.url)
    with app.app_context():
        s = session()
        outbox.add_event(s, "test.record", {"event_key": -1})
        s.flush()
        s.rollback()
        s.commit()
        assert s.scalars(select(OutboxEvent).where(OutboxEvent.payload["event_key"].as_string() == "-1")).all() == []
    assert queue.llen("celery") == 0
    write_events(app, 1)  # the positive control: a commit does publish
    assert queue.llen("celery") == 1


def test_with_redis_down_the_use_case_commits_and_the_event_runs_after_redis_returns(
    migrated: str, private_redis: PrivateRedis
) -> None:
    app = make_app(migrated, private_redis.url)
    private_redis.stop()
    ids, keys = write_events(app, 3)  # must not raise: the broker is down
    assert statuses(app, ids) == dict.fromkeys(ids, "pending")
    private_redis.start()
    with app.app_context(), unit_of_work() as s:  # let time pass beyond the sweeper's grace
        s.execute(
            update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(created_at=utcnow() - 2 * outbox.SWEEP_GRACE)
        )
    with WorkerProcesses(ROOT, worker_env(migrated, private_redis.url)):
        with app.app_context():
            assert outbox.sweep() >= 3  # what celery beat runs periodically
        assert wait_for(lambda: set(statuses(app, ids).values()) == {"done"})
    assert hits(app, keys) == dict.fromkeys(keys, 1)


def test_a_failing_handler_leaves_no_partial_work_and_is_retried_later(app: Flask, worker: object) -> None:
    ids, keys = write_events(app, 1, event_type="test.fail")

    def failed_once() -> bool:
        with app.app_context():
            ev = session().get(OutboxEvent, ids[0])
            return ev is not None and ev.attempts >= 1

    assert wait_for(failed_once)
    with app.app_context():
        ev = session().get(OutboxEvent, ids[0])
        assert ev.status == "pending" and "failed on purpose" in (ev.last_error or "")
        assert ev.available_at > utcnow()  # back-off kept in the database
    assert hits(app, keys) == {}  # the handler's own insert was rolled back
