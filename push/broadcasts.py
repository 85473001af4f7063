"""Broadcast fan-out.

A broadcast's audience is streamed in batches of devices taken in id order: each batch is one statement
(the audience query, the notifications and their push deliveries written with INSERT … SELECT, nothing
loaded into Python) and one commit, which also records where the fan-out stands, so a worker that dies
mid-way is resumed by the next one without repeating a device (one notification per broadcast and device,
enforced by a unique index). Delivery tasks start after each batch commits, so sending overlaps the fan-out.
Waste-collection reminders live in `push.waste_reminders`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from celery import shared_task
from geoalchemy2 import Geometry
from sqlalchemy import CTE, Table, and_, case, func, literal, or_, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Values

from backend.db import session as current_session
from backend.models import Broadcast, Device, Jurisdiction, Notification, utcnow
from backend.publishing import publish_after_commit, send_tasks
from geo.audiences import Target, audience_devices
from push.delivery import request_delivery
from push.fanout import count_of, device_language, push_delivery_count, texts_table

# The waste reminders lived here before they had a module of their own; callers may still find them here.
from push.waste_reminders import run_waste_reminders

__all__ = ["fan_out_batch", "publish", "request_send", "run_waste_reminders", "send_step", "sweep"]

SEND = "hromada.broadcasts.send"
#: Devices per fan-out batch (one statement, one commit).
BATCH = 5000
#: A broadcast in `sending` without progress for this long is resumed by the sweeper.
STALLED = timedelta(seconds=60)
_BROADCASTS = cast(Table, Broadcast.__table__)


def target_of(s: Session, b: Broadcast) -> Target:
    """The stored audience of a broadcast."""
    shape = (
        s.scalar(select(func.ST_AsGeoJSON(Broadcast.shape)).where(Broadcast.id == b.id))
        if b.shape is not None
        else None
    )
    center = None
    if b.center is not None:
        lon, lat = s.execute(
            select(
                func.ST_X(sql_cast(Broadcast.center, Geometry)), func.ST_Y(sql_cast(Broadcast.center, Geometry))
            ).where(Broadcast.id == b.id)
        ).one()
        center = (float(lon), float(lat))
    return Target(
        b.audience,
        b.jurisdiction_id,
        tuple(b.area_ids or ()),
        shape,
        center,
        b.radius_m,
        tuple(b.reporter_service_ids or ()),
        b.reporters_since,
    )


def fan_out_batch(s: Session, b: Broadcast, default_lang: str) -> tuple[int | None, int, int]:
    """Write the next batch of the audience: (last device id or None when done, notifications, deliveries)."""
    size = min(BATCH, b.per_minute) if b.per_minute else BATCH
    batch = (
        select(Device.id.label("id"), device_language(default_lang).label("lang"))
        .where(Device.id > b.fanout_after, audience_devices(target_of(s, b), b.topic))
        .order_by(Device.id)
        .limit(size)
        .cte("batch")
    )
    ins = _notifications(b, batch, texts_table(b.texts, default_lang))
    counts = [
        select(func.max(batch.c.id)).scalar_subquery(),
        count_of(ins),
        push_delivery_count(
            ins, priority=0 if b.topic == "emergency" else 1, expires_at=b.expires_at, skip_conflicts=True
        ),
    ]
    last, notified, deliveries = s.execute(select(*counts)).one()
    return last, int(notified), int(deliveries)


def _notifications(b: Broadcast, batch: CTE, texts: Values) -> CTE:
    """The broadcast's notification to every device of the batch, in its language (none twice)."""
    data: dict[str, Any] = {"type": "broadcast", "broadcast_id": str(b.id), "topic": b.topic}
    if b.survey_id:
        data.update({"type": "survey", "survey_id": str(b.survey_id)})
    columns = ["broadcast_id", "kind", "topic", "device_id", "jurisdiction_id", "locale", "title", "body", "data"]
    return (
        insert(Notification)
        .from_select(
            [*columns, "created_at"],
            select(
                literal(b.id),
                literal("broadcast"),
                literal(b.topic),
                batch.c.id,
                literal(b.jurisdiction_id),
                batch.c.lang,
                texts.c.title,
                texts.c.body,
                sql_cast(literal(data, JSONB), JSONB),
                func.now(),
            ).select_from(batch.join(texts, texts.c.lang == batch.c.lang)),
        )
        .on_conflict_do_nothing()
        .returning(Notification.id, Notification.device_id)
        .cte("ins")
    )


# -- starting the send task after the creating transaction commits -----------------------------------------


def request_send(s: Session, broadcast_id: int) -> None:
    """Start sending a broadcast once the caller's transaction commits."""
    publish_after_commit(s, SEND, broadcast_id)


def publish(ids: list[int]) -> int:
    """Send the send tasks of these broadcasts now; a broker failure leaves them to the sweeper."""
    return send_tasks((SEND, [bid]) for bid in ids)


def send_step(broadcast_id: int) -> str:
    """One batch of a broadcast's fan-out under its row lock; returns what happened."""
    s = current_session()
    now = utcnow()
    b = s.scalars(
        select(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status.in_(("scheduled", "sending")))
        .with_for_update(skip_locked=True)
    ).first()
    if b is None:
        s.rollback()
        return "idle"
    if b.expires_at is not None and b.expires_at <= now:
        b.status = "expired"
        s.commit()
        return "expired"
    if b.send_at > now:
        s.rollback()
        return "later"
    b.status = "sending"
    default_lang = s.get_one(Jurisdiction, b.jurisdiction_id).default_language
    last, notified, deliveries = fan_out_batch(s, b, default_lang)
    b.progress_at = now
    if last is None:
        b.status, b.sent_at = "sent", now
        s.commit()
        return "sent"
    b.fanout_after, b.targeted = last, b.targeted + notified
    request_delivery(s, "push", deliveries)
    if b.per_minute:  # throttled: the next batch after a minute's worth (the sweeper picks it up)
        b.send_at = now + timedelta(seconds=60 * min(BATCH, b.per_minute) / b.per_minute)
        s.commit()
        return "paused"
    s.commit()
    return "batch"


@shared_task(name=SEND, ignore_result=True)
def send(broadcast_id: int) -> str:
    """Fan a broadcast out, batch after batch (idempotent: a finished or locked broadcast is left alone)."""
    while True:
        outcome = send_step(broadcast_id)
        if outcome != "batch":
            return outcome


@shared_task(name="hromada.broadcasts.sweep", ignore_result=True)
def sweep() -> int:
    """Start broadcasts whose time has come and resume stalled ones; expire those never started in time."""
    s = current_session()
    now = utcnow()
    s.execute(
        update(_BROADCASTS)
        .where(_BROADCASTS.c.status == "scheduled", _BROADCASTS.c.expires_at <= now)
        .values(status="expired")
    )
    ids = list(
        s.scalars(
            select(Broadcast.id)
            .where(
                or_(
                    and_(Broadcast.status == "scheduled", Broadcast.send_at <= now),
                    and_(Broadcast.status == "sending", Broadcast.per_minute.isnot(None), Broadcast.send_at <= now),
                    and_(
                        Broadcast.status == "sending",
                        or_(Broadcast.progress_at.is_(None), Broadcast.progress_at < now - STALLED),
                    ),
                )
            )
            .order_by(case((Broadcast.topic == "emergency", 0), else_=1), Broadcast.send_at)
        )
    )
    s.commit()
    if ids:
        publish(ids)
    return len(ids)
