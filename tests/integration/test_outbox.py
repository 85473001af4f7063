"""The outbox: handled exactly once, nothing from rolled-back work, no loss while Redis is down."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
from flask import Flask
from sqlalchemy import event, insert, select, text, update

from backend import outbox
from backend.db import session, unit_of_work
from backend.models import OutboxEvent, utcnow
from tests.conftest import ROOT, make_app
from tests.support.services import PrivateRedis, WorkerProcesses
from tests.support.waiting import eventually


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


def all_done(app: Flask, ids: list[int], timeout: float = 60.0) -> None:
    """Wait until every one of these rows is done (the failure shows the statuses last seen)."""
    eventually(
        lambda: set(statuses(app, ids).values()) == {"done"},
        timeout=timeout,
        what=lambda: f"{len(ids)} outbox rows done; now: {dict(Counter(statuses(app, ids).values()))}",
    )


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
    all_done(app, ids)
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
        all_done(app, ids, timeout=120)
        eventually(
            lambda: redis_lib.Redis.from_url(private_redis.url).llen("celery") == 0, what="the celery queue drained"
        )
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
        all_done(app, ids)
    assert hits(app, keys) == dict.fromkeys(keys, 1)


def test_a_failing_handler_leaves_no_partial_work_and_is_retried_later(app: Flask, worker: object) -> None:
    ids, keys = write_events(app, 1, event_type="test.fail")

    def failed_once() -> bool:
        with app.app_context():
            ev = session().get(OutboxEvent, ids[0])
            return ev is not None and ev.attempts >= 1

    eventually(failed_once, what="the failing handler's first attempt")
    with app.app_context():
        ev = session().get(OutboxEvent, ids[0])
        assert ev.status == "pending" and "failed on purpose" in (ev.last_error or "")
        assert ev.available_at > utcnow()  # back-off kept in the database
    assert hits(app, keys) == {}  # the handler's own insert was rolled back


def put_rows(app: Flask, rows: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Outbox rows as they would be after their life so far, written with a plain INSERT (so nothing is
    published for them); returns their ids by name."""
    with app.app_context(), unit_of_work() as s:
        return {
            name: s.execute(
                insert(OutboxEvent)
                .values(event_type="test.purge", payload={"row": name}, **values)
                .returning(OutboxEvent.id)
            ).scalar_one()
            for name, values in rows.items()
        }


def done(ago: timedelta) -> dict[str, Any]:
    at = utcnow() - ago
    return {"status": "done", "attempts": 1, "created_at": at, "available_at": at, "processed_at": at}


def test_the_sweeper_deletes_done_rows_older_than_the_setting_and_never_pending_or_dead_ones(app: Flask) -> None:
    assert app.config["HROMADA_SETTINGS"].OUTBOX_KEEP_DONE_DAYS == 14  # the default
    long_ago = utcnow() - timedelta(days=60)
    ids = put_rows(
        app,
        {
            "done 15 days ago": done(timedelta(days=15)),
            "done 14 days and an hour ago": done(timedelta(days=14, hours=1)),
            "done 13 days ago": done(timedelta(days=13)),
            "done just now": done(timedelta(0)),
            # failed twice long ago, waiting for its next attempt
            "pending since long ago": {
                "status": "pending",
                "attempts": 2,
                "created_at": long_ago,
                "available_at": utcnow() + timedelta(hours=1),
            },
            # given up on long ago (with a handled time too: only its status keeps it)
            "dead since long ago": {
                "status": "dead",
                "attempts": 12,
                "created_at": long_ago,
                "available_at": long_ago,
                "processed_at": long_ago,
                "last_error": "RuntimeError: gone",
            },
        },
    )
    with app.app_context():
        outbox.sweep()  # what celery beat runs
    kept = {name for name, i in ids.items() if i in statuses(app, list(ids.values()))}
    assert kept == {"done 13 days ago", "done just now", "pending since long ago", "dead since long ago"}


def test_the_kept_days_come_from_the_setting(migrated: str, redis_url: str) -> None:
    app = make_app(migrated, redis_url, OUTBOX_KEEP_DONE_DAYS="3")
    ids = put_rows(app, {"4 days": done(timedelta(days=4)), "2 days": done(timedelta(days=2))})
    with app.app_context():
        outbox.sweep()
    assert set(statuses(app, list(ids.values()))) == {ids["2 days"]}


def test_the_purge_deletes_in_batches_oldest_first_and_stops_at_its_cap(app: Flask) -> None:
    # Handled decades ago, with a cut-off of ten years: no row of another test is that old.
    keep = timedelta(days=3650)
    # Written youngest first: the oldest row has the highest id, so "oldest first" is not "lowest id first".
    ids = put_rows(app, {f"row {i}": done(timedelta(days=7300 + i)) for i in range(7)})
    ordered = [ids[f"row {i}"] for i in range(7)]  # youngest to oldest
    deletes: list[str] = []

    def count_deletes(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM OUTBOX"):
            deletes.append(statement)

    with app.app_context():
        engine = session().get_bind()
        event.listen(engine, "before_cursor_execute", count_deletes)
        try:
            assert outbox.purge_done(keep, batch=3, max_batches=1) == 3  # one batch: the three oldest
            assert sorted(statuses(app, ordered)) == ordered[:4]
            assert outbox.purge_done(keep, batch=3, max_batches=1) == 3
            assert sorted(statuses(app, ordered)) == ordered[:1]
            assert outbox.purge_done(keep, batch=3, max_batches=5) == 1  # a short batch: nothing is left
            assert outbox.purge_done(keep, batch=3, max_batches=5) == 0
        finally:
            event.remove(engine, "before_cursor_execute", count_deletes)
    assert statuses(app, ordered) == {}
    assert len(deletes) == 4  # one statement per batch, each with its LIMIT
    assert all("LIMIT" in d.upper() for d in deletes)


def test_a_large_backlog_goes_over_several_sweeps_of_at_most_the_cap(app: Flask) -> None:
    keep = timedelta(days=3650)
    ids = list(put_rows(app, {f"row {i}": done(timedelta(days=7300)) for i in range(10)}).values())
    with app.app_context():
        assert outbox.purge_done(keep, batch=2, max_batches=3) == 6  # three batches of two, then the cap
        assert len(statuses(app, ids)) == 4
        assert outbox.purge_done(keep, batch=2, max_batches=3) == 4  # two full batches, then a short one
    assert statuses(app, ids) == {}
