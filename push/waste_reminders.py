"""Waste-collection reminders: the evening before a collection, one notification per following device.

A device follows the collections of its saved places (an area or a street). Each municipality is reminded
once per day, at its local reminder time; a row per (municipality, day) is claimed first, so two workers
never remind twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from babel.dates import format_date
from celery import shared_task
from sqlalchemy import CTE, String, Table, and_, column, func, literal, or_, select, update, values
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Values

from backend.db import session as current_session
from backend.i18n import LANGUAGES, gettext
from backend.models import Device, DevicePlace, Jurisdiction, Notification, WasteCollection, WasteReminder, utcnow
from push.delivery import request_delivery
from push.fanout import count_of, device_language, push_delivery_count

FRACTION_NAMES = {
    "mixed": "mixed waste",
    "paper": "paper",
    "plastics_metal": "plastics and metal",
    "glass": "glass",
    "bio": "bio waste",
    "bulky": "bulky waste",
}
_REMINDERS = cast(Table, WasteReminder.__table__)


def reminder_due(now: datetime, tz: str, at: str) -> date | None:
    """The collection day to remind of at `now`: tomorrow (local), once the local time has reached `at`."""
    local = now.astimezone(ZoneInfo(tz))
    hour, minute = (int(x) for x in at.split(":"))
    if (local.hour, local.minute) < (hour, minute):
        return None
    return local.date() + timedelta(days=1)


def remind_waste(s: Session, jurisdiction: Jurisdiction, day: date) -> int:
    """One notification per device following (a saved place of) an area or street collected on `day`."""
    grouped = _collections_per_device(jurisdiction, day)
    heads = _heads(day)
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
                sql_cast(literal(data, JSONB), JSONB),
                func.now(),
            ).select_from(grouped.join(heads, heads.c.lang == grouped.c.lang)),
        )
        .returning(Notification.id, Notification.device_id)
        .cte("ins")
    )
    tomorrow_end = datetime.combine(
        day + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo(jurisdiction.timezone)
    )
    deliveries = push_delivery_count(ins, priority=1, expires_at=tomorrow_end, skip_conflicts=False)
    notified, delivered = s.execute(select(count_of(ins), deliveries)).one()
    request_delivery(s, "push", int(delivered))
    return int(notified)


def _collections_per_device(jurisdiction: Jurisdiction, day: date) -> CTE:
    """(device, language, "paper, glass") for every following device with a collection on `day`."""
    names = _fraction_names()
    c = WasteCollection
    per_device = (
        select(
            Device.id.label("device_id"),
            device_language(jurisdiction.default_language).label("lang"),
            c.fraction.label("fraction"),
        )
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
    return (
        select(per_device.c.device_id, per_device.c.lang, func.string_agg(names.c.name, literal(", ")).label("what"))
        .join(names, and_(names.c.lang == per_device.c.lang, names.c.fraction == per_device.c.fraction))
        .group_by(per_device.c.device_id, per_device.c.lang)
        .cte("grouped")
    )


def _fraction_names() -> Values:
    """(lang, fraction, translated name) for every language and fraction."""
    return values(column("lang", String), column("fraction", String), column("name", String), name="fractions").data(
        [(lang, f, gettext(n, lang)) for lang in LANGUAGES for f, n in FRACTION_NAMES.items()]
    )


def _heads(day: date) -> Values:
    """(lang, title, "Tuesday, …: collection of") for every language."""
    return values(column("lang", String), column("title", String), column("prefix", String), name="heads").data(
        [
            (
                lang,
                gettext("Waste collection tomorrow", lang),
                gettext("{day}: collection of", lang, day=format_date(day, format="full", locale=_babel(lang))),
            )
            for lang in LANGUAGES
        ]
    )


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
        if day is None or not _claim_day(s, jurisdiction, day, now):
            continue  # not yet, or already sent (or being sent by another worker)
        n = remind_waste(s, jurisdiction, day)
        s.execute(
            update(_REMINDERS)
            .where(_REMINDERS.c.jurisdiction_id == jurisdiction.id, _REMINDERS.c.day == day)
            .values(notifications=n)
        )
        s.commit()
        out[jurisdiction.code] = n
    s.rollback()
    return out


def _claim_day(s: Session, jurisdiction: Jurisdiction, day: date, now: datetime) -> bool:
    """Record that a municipality's reminders of `day` are being sent; False when they already were."""
    claimed = s.execute(
        insert(WasteReminder)
        .values(jurisdiction_id=jurisdiction.id, day=day, sent_at=now)
        .on_conflict_do_nothing()
        .returning(WasteReminder.day)
    ).first()
    return claimed is not None


@shared_task(name="hromada.waste.remind", ignore_result=True)
def waste_reminders() -> dict[str, int]:
    """Send the waste reminders that are due (beat, every five minutes)."""
    return run_waste_reminders()
