"""A device's notification preferences and in-app inbox, and e-mail unsubscription."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update

from backend import links
from backend.db import session, unit_of_work
from backend.errors import DomainError, NotFound
from backend.i18n import gettext
from backend.models import TOPICS, Device, Notification, Resident, utcnow


@dataclass(frozen=True, slots=True)
class Preferences:
    #: Every topic and whether the device follows it.
    topics: dict[str, bool]


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: int
    kind: str
    topic: str
    title: str
    body: str
    data: dict[str, Any]
    report_id: int | None
    created_at: datetime
    read: bool
    read_at: datetime | None


@dataclass(frozen=True, slots=True)
class Inbox:
    items: list[InboxItem]
    unread: int
    next_before: int | None


@dataclass(frozen=True, slots=True)
class ReadCount:
    marked: int
    unread: int


def preferences(device_id: int) -> Preferences:
    s = session()
    topics = set(s.get_one(Device, device_id).topics or [])
    s.rollback()
    return Preferences(topics={t: t in topics for t in TOPICS})


def set_preferences(device_id: int, topics: dict[str, bool]) -> Preferences:
    """Turn topics on or off; topics not named keep their setting."""
    unknown = sorted(set(topics) - set(TOPICS))
    if unknown:
        raise DomainError(gettext("Unknown topic: {0}.").format(", ".join(unknown)), field="topics")
    with unit_of_work() as s:
        device = s.get_one(Device, device_id, with_for_update=True)
        current = set(device.topics or [])
        current |= {t for t, on in topics.items() if on}
        current -= {t for t, on in topics.items() if not on}
        device.topics = [t for t in TOPICS if t in current]
    return preferences(device_id)


def inbox(device_id: int, *, limit: int, before: int | None, unread_only: bool) -> Inbox:
    """Everything sent to this device, newest first, with the unread count."""
    s = session()
    stmt = select(Notification).where(Notification.device_id == device_id)
    if before is not None:
        stmt = stmt.where(Notification.id < before)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    rows = list(s.scalars(stmt.order_by(Notification.id.desc()).limit(limit + 1)))
    unread = s.execute(
        select(func.count()).where(Notification.device_id == device_id, Notification.read_at.is_(None))
    ).scalar_one()
    items = [
        InboxItem(
            id=n.id,
            kind=n.kind,
            topic=n.topic,
            title=n.title,
            body=n.body,
            data=n.data,
            report_id=n.report_id,
            created_at=n.created_at,
            read=n.read_at is not None,
            read_at=n.read_at,
        )
        for n in rows[:limit]
    ]
    s.rollback()
    return Inbox(items=items, unread=unread, next_before=rows[limit - 1].id if len(rows) > limit else None)


def mark_read(device_id: int, ids: list[int] | None) -> ReadCount:
    """Mark some (or, with None, all) of this device's notifications as read."""
    with unit_of_work() as s:
        stmt = update(Notification).where(Notification.device_id == device_id, Notification.read_at.is_(None))
        if ids is not None:
            stmt = stmt.where(Notification.id.in_(ids))
        changed = cast(CursorResult[Any], s.execute(stmt.values(read_at=utcnow()))).rowcount
        unread = s.execute(
            select(func.count()).where(Notification.device_id == device_id, Notification.read_at.is_(None))
        ).scalar_one()
    return ReadCount(marked=changed, unread=unread)


def mark_one_read(device_id: int, notification_id: int) -> ReadCount:
    if not 0 < notification_id < 2**63:
        raise NotFound(gettext("Not found."))
    s = session()
    owner = s.scalar(select(Notification.device_id).where(Notification.id == notification_id))
    s.rollback()
    if owner != device_id:
        raise NotFound(gettext("Not found."))
    return mark_read(device_id, [notification_id])


@dataclass(frozen=True, slots=True)
class UnsubscribeLink:
    """What an e-mail's unsubscribe link leads to: `state` is "open" (the button), "done" (unsubscribed just now),
    "used" (unsubscribed with it before) or "expired" (also every link of the old format); the language of the
    e-mail (None: the request's)."""

    state: str
    lang: str | None


def unsubscribe_link(token: str) -> UnsubscribeLink:
    """The page of an unsubscribe link (changes nothing: mail scanners open links); LinkInvalid for a link that
    is not ours."""
    if links.is_legacy(token):
        return UnsubscribeLink("expired", None)
    s = session()
    try:
        link, state = links.peek(s, links.UNSUBSCRIBE, token), "open"
    except (links.LinkExpired, links.LinkUsed) as exc:
        if exc.link is None:
            raise
        link, state = exc.link, "used" if isinstance(exc, links.LinkUsed) else "expired"
    finally:
        s.rollback()
    lang = link.subject.get("lang")
    return UnsubscribeLink(state, lang if isinstance(lang, str) else None)


def unsubscribe(token: str) -> UnsubscribeLink:
    """Stop e-mails to the resident an unsubscribe link was made for (the link acts once); LinkInvalid,
    LinkExpired (also for every link of the old format) or LinkUsed else."""
    if links.is_legacy(token):
        raise links.LinkExpired()
    with unit_of_work() as s:
        link = links.consume(s, links.UNSUBSCRIBE, token)
        s.execute(
            update(Resident)
            .where(Resident.id == link.subject.get("resident_id"), Resident.email_opt_out_at.is_(None))
            .values(email_opt_out_at=utcnow())
        )
    lang = link.subject.get("lang")
    return UnsubscribeLink("done", lang if isinstance(lang, str) else None)
