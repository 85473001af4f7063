"""Delivery rows: claimed before sending, marked after, released when a claim outlives its lease.

A batch is claimed (status `sending`, a lease, attempts + 1) and that claim is committed before anything is
sent; the outcome of every message is then written with the attempt number as a fence, so a batch whose
lease expired and was taken by another worker is not marked twice.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, Table, bindparam, case, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from backend.models import Delivery, PushAlarm, utcnow

log = logging.getLogger(__name__)

DELIVERIES = cast(Table, Delivery.__table__)


def settings() -> Any:
    """The app's settings (push limits, back-off, lease)."""
    return current_app.config["HROMADA_SETTINGS"]


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds before the next attempt: 2 s doubling, with jitter, at least Retry-After, at most the cap."""
    cap = settings().PUSH_BACKOFF_CAP
    base = min(2.0 * 2 ** max(attempts - 1, 0), cap)
    delay = base * random.uniform(0.75, 1.25)  # noqa: S311 - jitter, not security
    return min(max(delay, retry_after or 0.0), cap)


def claim(s: Session, channel: str, limit: int) -> list[tuple[int, int]]:
    """Take up to `limit` due rows of a channel, emergencies first: (delivery id, attempt number); committed by
    the caller. Rows past their expiry are left to the sweeper."""
    now = utcnow()
    due = (
        select(Delivery.id)
        .where(
            Delivery.status == "pending",
            Delivery.channel == channel,
            Delivery.next_attempt_at <= now,
            or_(Delivery.expires_at.is_(None), Delivery.expires_at > now),
        )
        .order_by(Delivery.priority, Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    lease = timedelta(seconds=settings().PUSH_LEASE_SECONDS)
    rows = s.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.id.in_(due.scalar_subquery()))
        .values(status="sending", lease_until=now + lease, attempts=DELIVERIES.c.attempts + 1)
        .returning(DELIVERIES.c.id, DELIVERIES.c.attempts)
    ).all()
    return [(r[0], r[1]) for r in rows]


_MARK = (
    update(DELIVERIES)
    .where(
        DELIVERIES.c.id == bindparam("d_id"),
        DELIVERIES.c.attempts == bindparam("d_attempts"),
        DELIVERIES.c.status == "sending",
    )
    .values(
        status=bindparam("d_status"),
        next_attempt_at=bindparam("d_next"),
        sent_at=bindparam("d_sent"),
        provider_id=bindparam("d_provider"),
        error=bindparam("d_error"),
        lease_until=None,
    )
)


def mark(s: Session, marks: list[dict[str, Any]]) -> None:
    """Write outcomes (only on rows still claimed by this attempt)."""
    if marks:
        s.connection().execute(_MARK, marks)


def outcome(
    delivery_id: int,
    attempts: int,
    status: str,
    *,
    error: str | None = None,
    provider: str | None = None,
    retry_after: float | None = None,
) -> dict[str, Any]:
    """The mark of one row: `retry` becomes `pending` later, or `failed` once the attempts are used up."""
    now = utcnow()
    if status == "retry":
        if attempts >= settings().PUSH_MAX_ATTEMPTS:
            status, error = "failed", f"gave up after {attempts} attempts: {error}"
        else:
            return {
                "d_id": delivery_id,
                "d_attempts": attempts,
                "d_status": "pending",
                "d_error": error,
                "d_next": now + timedelta(seconds=backoff(attempts, retry_after)),
                "d_sent": None,
                "d_provider": None,
            }
    return {
        "d_id": delivery_id,
        "d_attempts": attempts,
        "d_status": status,
        "d_error": error,
        "d_next": now,
        "d_sent": now if status == "sent" else None,
        "d_provider": provider,
    }


def raise_alarm(s: Session, kind: str, detail: str) -> bool:
    """Log an operator alarm at most once per ALARM_PERIOD_SECONDS (shared by all workers)."""
    now = utcnow()
    fresh = now - timedelta(seconds=settings().ALARM_PERIOD_SECONDS)
    stmt = insert(PushAlarm).values(kind=kind, raised_at=now, detail=detail, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[PushAlarm.kind],
        set_={
            "count": PushAlarm.count + 1,
            "detail": detail,
            # keep the last alarm time unless it is older than the period: then this one is a new alarm
            "raised_at": case((PushAlarm.raised_at < fresh, stmt.excluded.raised_at), else_=PushAlarm.raised_at),
        },
    )
    raised_at = s.execute(stmt.returning(PushAlarm.raised_at)).scalar_one()
    if raised_at == now:
        log.error("ALARM %s: %s", kind, detail)
        return True
    return False


def release_expired(s: Session) -> int:
    """Rows whose claim outlived its lease (a killed worker) become due again."""
    result = s.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.status == "sending", DELIVERIES.c.lease_until < utcnow())
        .values(status="pending", lease_until=None, next_attempt_at=utcnow())
    )
    return cast(CursorResult[Any], result).rowcount


def drop_expired(s: Session) -> int:
    """Pending rows of an expired broadcast are never sent: they fail with the reason."""
    result = s.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.status == "pending", DELIVERIES.c.expires_at <= utcnow())
        .values(status="failed", error="expired before it could be sent")
    )
    return cast(CursorResult[Any], result).rowcount
