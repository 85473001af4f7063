"""The transactional outbox: write events with the use case, publish after commit, dispatch.

A use case calls `add_event()` inside its transaction. When that transaction commits, the new
event ids are published to Celery (short timeout, no blocking retry). The `dispatch` task claims
one row with FOR UPDATE SKIP LOCKED, runs the handler registered for its type and marks it done
in the same transaction, so a handler's database work and the "done" mark commit together.
The `sweep` task (Celery beat) re-publishes rows still pending; failed rows are retried later
through `available_at` (back-off kept in the database). A broker outage delays work, loses none.
The sweep also deletes `done` rows handled more than `OUTBOX_KEEP_DONE_DAYS` ago, in small batches
(one short transaction each); `pending` and `dead` rows are never deleted.
"""

from __future__ import annotations

import importlib
import logging
import random
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, cast

from celery import shared_task
from flask import current_app
from sqlalchemy import CursorResult, delete, event, select
from sqlalchemy.orm import Session

from backend.db import session as current_session
from backend.models import OutboxEvent, utcnow
from backend.publishing import publish_after_commit, send_tasks

log = logging.getLogger(__name__)

Handler = Callable[[Session, dict[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}

#: Modules whose import registers handlers (and their tasks); the settings may name more.
DEFAULT_HANDLER_MODULES: tuple[str, ...] = (
    "backend.reporting.photos",
    "backend.reporting.feedback_requests",
    "backend.indicators.refresh",
    "push.handlers",
    "push.broadcasts",
    "push.waste_reminders",
    "backend.staff.credentials",
)
#: A fresh row is left to its immediate publish for this long before the sweeper takes it.
SWEEP_GRACE = timedelta(seconds=10)
SWEEP_BATCH = 1000
#: Handled rows are deleted this many per statement (and transaction), so no lock is held for long...
PURGE_BATCH = 1000
#: ...and at most this many statements per sweep: a large backlog goes over several sweeps.
PURGE_MAX_BATCHES = 10
DISPATCH = "hromada.outbox.dispatch"


def handles(event_type: str) -> Callable[[Handler], Handler]:
    """Register the handler of an event type (one per type). It gets the payload plus `outbox_event_id`."""

    def register(fn: Handler) -> Handler:
        existing = _HANDLERS.get(event_type)
        if existing is not None and existing is not fn:
            raise ValueError(f"a handler for {event_type!r} is already registered")
        _HANDLERS[event_type] = fn
        return fn

    return register


def load_handler_modules(modules: Iterable[str]) -> None:
    """Import the modules whose import registers handlers."""
    for name in (*DEFAULT_HANDLER_MODULES, *modules):
        importlib.import_module(name)


def add_event(s: Session, event_type: str, payload: dict[str, Any]) -> OutboxEvent:
    """Write an event in the caller's transaction; it is published once that commits."""
    ev = OutboxEvent(event_type=event_type, payload=payload)
    s.add(ev)
    return ev


@event.listens_for(Session, "after_flush")
def _collect_ids(s: Session, _ctx: object) -> None:
    # After a flush `s.new` still lists what it inserted, now with ids: each new event is dispatched after commit.
    for obj in s.new:
        if isinstance(obj, OutboxEvent):
            publish_after_commit(s, DISPATCH, obj.id)


def publish(ids: list[int]) -> int:
    """Send dispatch tasks for these rows now; a broker failure only leaves them to the sweeper."""
    return send_tasks((DISPATCH, [event_id]) for event_id in ids)


def backoff(attempts: int) -> timedelta:
    """Delay before retry number `attempts`: 10 s doubling to one hour, with jitter."""
    base = min(10 * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not security


def process(event_id: int) -> str:
    """Claim one pending row, run its handler, mark it; returns what happened."""
    s = current_session()
    settings = current_app.config["HROMADA_SETTINGS"]
    ev = s.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.id == event_id, OutboxEvent.status == "pending", OutboxEvent.available_at <= utcnow())
        .with_for_update(skip_locked=True)
    ).first()
    if ev is None:
        s.rollback()
        return "skipped"
    ev.attempts += 1
    handler = _HANDLERS.get(ev.event_type)
    try:
        if handler is not None:  # an event nobody subscribes to is simply recorded
            with s.begin_nested():
                handler(s, {**ev.payload, "outbox_event_id": ev.id})
    except Exception as exc:
        log.exception("outbox: event %s (%s) failed", ev.id, ev.event_type)
        ev.last_error = f"{type(exc).__name__}: {exc}"[:4000]
        if ev.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            ev.status = "dead"
        else:
            ev.available_at = utcnow() + backoff(ev.attempts)
        s.commit()
        return "failed"
    ev.status = "done"
    ev.processed_at = utcnow()
    ev.last_error = None
    s.commit()
    return "done"


def due_ids(limit: int = SWEEP_BATCH) -> list[int]:
    """Pending rows due now, leaving fresh ones to their immediate publish."""
    s = current_session()
    now = utcnow()
    ids = s.scalars(
        select(OutboxEvent.id)
        .where(
            OutboxEvent.status == "pending",
            OutboxEvent.available_at <= now,
            (OutboxEvent.attempts > 0) | (OutboxEvent.created_at <= now - SWEEP_GRACE),
        )
        .order_by(OutboxEvent.available_at)
        .limit(limit)
    ).all()
    s.rollback()
    return list(ids)


def purge_done(keep: timedelta, batch: int = PURGE_BATCH, max_batches: int = PURGE_MAX_BATCHES) -> int:
    """Delete `done` rows handled longer than `keep` ago, oldest first, `batch` rows per statement, each
    committed on its own, until none is left or `max_batches` ran; returns how many went.

    Never a `pending` or `dead` row. Rows another transaction has locked are skipped (the next sweep takes
    them), so two sweeps running at once do not wait for each other. `ix_outbox_done_processed` (processed_at,
    only `done` rows) makes finding a batch an index range scan however large the table is.
    """
    s = current_session()
    cutoff = utcnow() - keep
    purged = 0
    for _ in range(max_batches):
        oldest = (
            select(OutboxEvent.id)
            .where(OutboxEvent.status == "done", OutboxEvent.processed_at < cutoff)
            .order_by(OutboxEvent.processed_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        stmt = delete(OutboxEvent).where(OutboxEvent.id.in_(oldest)).execution_options(synchronize_session=False)
        deleted = cast(CursorResult[Any], s.execute(stmt)).rowcount
        s.commit()
        purged += deleted
        if deleted < batch:
            break
    return purged


@shared_task(name=DISPATCH, ignore_result=True)
def dispatch(event_id: int) -> str:
    """Handle one outbox row (idempotent: a done or locked row is skipped)."""
    return process(event_id)


@shared_task(name="hromada.outbox.sweep", ignore_result=True)
def sweep() -> int:
    """Re-publish pending rows that are due (beat runs this every few seconds), then delete old done rows;
    returns how many rows it re-published."""
    ids = due_ids()
    published = publish(ids) if ids else 0
    keep = timedelta(days=current_app.config["HROMADA_SETTINGS"].OUTBOX_KEEP_DONE_DAYS)
    purged = purge_done(keep)
    if purged:
        log.info("outbox: deleted %d done rows handled more than %d days ago", purged, keep.days)
    return published
