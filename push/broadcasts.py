"""Broadcast fan-out and waste-collection reminders.

A broadcast's audience is streamed in batches of devices taken in id order: each batch is one statement
(the audience query, the notifications and their push deliveries written with INSERT … SELECT, nothing
loaded into Python) and one commit, which also records where the fan-out stands, so a worker that dies
mid-way is resumed by the next one without repeating a device (one notification per broadcast and device,
enforced by a unique index). Delivery tasks start after each batch commits, so sending overlaps the fan-out.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from celery import shared_task
from flask import current_app, has_app_context
from geoalchemy2 import Geometry
from sqlalchemy import String, and_, case, cast, column, event, func, literal, or_, select, values
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Session

from backend.db import session as current_session
from backend.i18n import LANGUAGES, gettext
from backend.models import (
    Broadcast,
    Delivery,
    Device,
    DevicePlace,
    Jurisdiction,
    Notification,
    WasteCollection,
    WasteReminder,
    utcnow,
)
from geo.audiences import Target, audience_devices
from push.delivery import enabled, request_delivery

log = logging.getLogger(__name__)

#: Devices per fan-out batch (one statement, one commit).
BATCH = 5000
#: A broadcast in `sending` without progress for this long is resumed by the sweeper.
STALLED = timedelta(seconds=60)
FRACTION_NAMES = {
    "mixed": "mixed waste",
    "paper": "paper",
    "plastics_metal": "plastics and metal",
    "glass": "glass",
    "bio": "bio waste",
    "bulky": "bulky waste",
}


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
            select(func.ST_X(cast(Broadcast.center, Geometry)), func.ST_Y(cast(Broadcast.center, Geometry))).where(
                Broadcast.id == b.id
            )
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


def _texts_table(texts: dict[str, dict[str, str]], default: str) -> Any:
    """(lang, title, body) for every language, the default language's text where none was given."""
    rows = [
        (lang, (texts.get(lang) or texts[default])["title"], (texts.get(lang) or texts[default])["body"])
        for lang in LANGUAGES
    ]
    return values(column("lang", String), column("title", String), column("body", String), name="texts").data(rows)


def fan_out_batch(s: Session, b: Broadcast, default_lang: str) -> tuple[int | None, int, int]:
    """Write the next batch of the audience: (last device id or None when done, notifications, deliveries)."""
    topic = b.topic
    texts = _texts_table(b.texts, default_lang)
    lang = case((Device.locale.in_(LANGUAGES), Device.locale), else_=literal(default_lang))
    size = min(BATCH, b.per_minute) if b.per_minute else BATCH
    batch = (
        select(Device.id.label("id"), lang.label("lang"))
        .where(Device.id > b.fanout_after, audience_devices(target_of(s, b), topic))
        .order_by(Device.id)
        .limit(size)
        .cte("batch")
    )
    data = {"type": "broadcast", "broadcast_id": str(b.id), "topic": topic}
    if b.survey_id:
        data.update({"type": "survey", "survey_id": str(b.survey_id)})
    ins = (
        insert(Notification)
        .from_select(
            [
                "broadcast_id",
                "kind",
                "topic",
                "device_id",
                "jurisdiction_id",
                "locale",
                "title",
                "body",
                "data",
                "created_at",
            ],
            select(
                literal(b.id),
                literal("broadcast"),
                literal(topic),
                batch.c.id,
                literal(b.jurisdiction_id),
                batch.c.lang,
                texts.c.title,
                texts.c.body,
                cast(literal(data, JSONB), JSONB),
                func.now(),
            ).select_from(batch.join(texts, texts.c.lang == batch.c.lang)),
        )
        .on_conflict_do_nothing()
        .returning(Notification.id, Notification.device_id)
        .cte("ins")
    )
    counts = [select(func.max(batch.c.id)).scalar_subquery(), select(func.count()).select_from(ins).scalar_subquery()]
    if enabled("push"):
        dl = (
            insert(Delivery)
            .from_select(
                [
                    "notification_id",
                    "channel",
                    "device_id",
                    "status",
                    "attempts",
                    "priority",
                    "expires_at",
                    "next_attempt_at",
                    "created_at",
                ],
                select(
                    ins.c.id,
                    literal("push"),
                    ins.c.device_id,
                    literal("pending"),
                    literal(0),
                    literal(0 if topic == "emergency" else 1),
                    literal(b.expires_at),
                    func.now(),
                    func.now(),
                )
                .select_from(ins.join(Device, Device.id == ins.c.device_id))
                .where(Device.push_token.isnot(None)),
            )
            .on_conflict_do_nothing()
            .returning(Delivery.id)
            .cte("dl")
        )
        counts.append(select(func.count()).select_from(dl).scalar_subquery())
    else:
        counts.append(literal(0))
    last, notified, deliveries = s.execute(select(*counts)).one()
    return last, int(notified), int(deliveries)


# -- starting the send task after the creating transaction commits -----------------------------------------


def request_send(s: Session, broadcast_id: int) -> None:
    s.info.setdefault("broadcasts_due", []).append(broadcast_id)


@event.listens_for(Session, "after_commit")
def _send_after_commit(s: Session) -> None:
    ids = s.info.pop("broadcasts_due", None)
    if ids and has_app_context():
        publish(ids)


@event.listens_for(Session, "after_soft_rollback")
def _forget(s: Session, previous: Any) -> None:
    if not getattr(previous, "nested", False):
        s.info.pop("broadcasts_due", None)


def publish(ids: list[int]) -> None:
    celery = current_app.extensions["celery"]
    try:
        with celery.producer_or_acquire() as producer:
            for bid in ids:
                celery.send_task("hromada.broadcasts.send", args=[bid], producer=producer, retry=False)
    except Exception as exc:  # noqa: BLE001 - the broker is down: the sweeper sends it
        log.warning("broadcasts: could not publish %s (%s); the sweeper will", ids, exc)


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


@shared_task(name="hromada.broadcasts.send", ignore_result=True)
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
        Broadcast.__table__.update()
        .where(Broadcast.status == "scheduled", Broadcast.expires_at <= now)
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


# -- waste-collection reminders ----------------------------------------------------------------------------


def reminder_due(now: datetime, tz: str, at: str) -> date | None:
    """The collection day to remind of at `now`: tomorrow (local), once the local time has reached `at`."""
    local = now.astimezone(ZoneInfo(tz))
    hour, minute = (int(x) for x in at.split(":"))
    if (local.hour, local.minute) < (hour, minute):
        return None
    return local.date() + timedelta(days=1)


def remind_waste(s: Session, jurisdiction: Jurisdiction, day: date) -> int:
    """One notification per device following (a saved place of) an area or street collected on `day`."""
    names = values(column("lang", String), column("fraction", String), column("name", String), name="fractions").data(
        [(lang, f, gettext(n, lang)) for lang in LANGUAGES for f, n in FRACTION_NAMES.items()]
    )
    heads = values(column("lang", String), column("title", String), column("prefix", String), name="heads").data(
        [
            (
                lang,
                gettext("Waste collection tomorrow", lang),
                gettext("{day}: collection of", lang, day=format_date(day, format="full", locale=_babel(lang))),
            )
            for lang in LANGUAGES
        ]
    )
    lang = case((Device.locale.in_(LANGUAGES), Device.locale), else_=literal(jurisdiction.default_language))
    c = WasteCollection
    per_device = (
        select(Device.id.label("device_id"), lang.label("lang"), c.fraction.label("fraction"))
        .join(DevicePlace, DevicePlace.device_id == Device.id)
        .join(
            c,
            and_(
                c.jurisdiction_id == jurisdiction.id,
                c.day == day,
                or_(c.area_id == DevicePlace.area_id, c.street_key == DevicePlace.street_key),
            ),
        )
        .where(Device.revoked_at.is_(None), literal("waste") == func.any(Device.topics))
        .distinct()
        .cte("per_device")
    )
    grouped = (
        select(per_device.c.device_id, per_device.c.lang, func.string_agg(names.c.name, literal(", ")).label("what"))
        .join(names, and_(names.c.lang == per_device.c.lang, names.c.fraction == per_device.c.fraction))
        .group_by(per_device.c.device_id, per_device.c.lang)
        .cte("grouped")
    )
    data = {"type": "waste", "day": day.isoformat(), "topic": "waste"}
    ins = (
        insert(Notification)
        .from_select(
            ["kind", "topic", "device_id", "jurisdiction_id", "locale", "title", "body", "data", "created_at"],
            select(
                literal("waste.reminder"),
                literal("waste"),
                grouped.c.device_id,
                literal(jurisdiction.id),
                grouped.c.lang,
                heads.c.title,
                func.concat(heads.c.prefix, literal(" "), grouped.c.what, literal(".")),
                cast(literal(data, JSONB), JSONB),
                func.now(),
            ).select_from(grouped.join(heads, heads.c.lang == grouped.c.lang)),
        )
        .returning(Notification.id, Notification.device_id)
        .cte("ins")
    )
    counts = [select(func.count()).select_from(ins).scalar_subquery()]
    if enabled("push"):
        tomorrow_end = datetime.combine(
            day + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo(jurisdiction.timezone)
        )
        dl = (
            insert(Delivery)
            .from_select(
                [
                    "notification_id",
                    "channel",
                    "device_id",
                    "status",
                    "attempts",
                    "priority",
                    "expires_at",
                    "next_attempt_at",
                    "created_at",
                ],
                select(
                    ins.c.id,
                    literal("push"),
                    ins.c.device_id,
                    literal("pending"),
                    literal(0),
                    literal(1),
                    literal(tomorrow_end),
                    func.now(),
                    func.now(),
                )
                .select_from(ins.join(Device, Device.id == ins.c.device_id))
                .where(Device.push_token.isnot(None)),
            )
            .returning(Delivery.id)
            .cte("dl")
        )
        counts.append(select(func.count()).select_from(dl).scalar_subquery())
    else:
        counts.append(literal(0))
    notified, deliveries = s.execute(select(*counts)).one()
    request_delivery(s, "push", int(deliveries))
    return int(notified)


def _babel(lang: str) -> str:
    return {"pl": "pl_PL", "uk": "uk_UA", "en": "en_GB"}.get(lang, "en_GB")


def run_waste_reminders(now: datetime | None = None) -> dict[str, int]:
    """For each municipality whose reminder time has come: tomorrow's reminders, once per day."""
    s = current_session()
    now = now or utcnow()
    out: dict[str, int] = {}
    for jurisdiction in s.scalars(
        select(Jurisdiction).where(Jurisdiction.id.in_(select(WasteCollection.jurisdiction_id).distinct()))
    ).all():
        day = reminder_due(now, jurisdiction.timezone, str(jurisdiction.settings.get("waste_reminder_time", "18:00")))
        if day is None:
            continue
        claimed = s.execute(
            insert(WasteReminder)
            .values(jurisdiction_id=jurisdiction.id, day=day, sent_at=now)
            .on_conflict_do_nothing()
            .returning(WasteReminder.day)
        ).first()
        if claimed is None:  # already sent (or being sent by another worker)
            continue
        n = remind_waste(s, jurisdiction, day)
        s.execute(
            WasteReminder.__table__.update()
            .where(WasteReminder.jurisdiction_id == jurisdiction.id, WasteReminder.day == day)
            .values(notifications=n)
        )
        s.commit()
        out[jurisdiction.code] = n
    s.rollback()
    return out


@shared_task(name="hromada.waste.remind", ignore_result=True)
def waste_reminders() -> dict[str, int]:
    return run_waste_reminders()
