"""INSERT … SELECT pieces shared by the broadcast fan-out and the waste reminders.

The notifications and their push deliveries are written by one statement in the database; nothing is loaded
into Python. These build the parts both writers share.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CTE, ColumnElement, String, case, column, func, literal, select, values
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.sql.expression import Values

from backend.i18n import LANGUAGES
from backend.models import Delivery, Device
from push.delivery import enabled

PUSH_DELIVERY_COLUMNS = [
    "notification_id",
    "channel",
    "device_id",
    "status",
    "attempts",
    "priority",
    "expires_at",
    "next_attempt_at",
    "created_at",
]


def device_language(default: str) -> ColumnElement[Any]:
    """A device's language when the platform speaks it, else `default`."""
    return case((Device.locale.in_(LANGUAGES), Device.locale), else_=literal(default))


def texts_table(texts: dict[str, dict[str, str]], default: str) -> Values:
    """(lang, title, body) for every language, the default language's text where none was given."""
    rows = [
        (lang, (texts.get(lang) or texts[default])["title"], (texts.get(lang) or texts[default])["body"])
        for lang in LANGUAGES
    ]
    return values(column("lang", String), column("title", String), column("body", String), name="texts").data(rows)


def count_of(cte: CTE) -> ColumnElement[Any]:
    """The number of rows a data-modifying CTE wrote."""
    return select(func.count()).select_from(cte).scalar_subquery()


def push_delivery_count(
    ins: CTE, *, priority: int, expires_at: datetime | None, skip_conflicts: bool
) -> ColumnElement[Any]:
    """Push deliveries for the notifications `ins` wrote to devices with a token; counts them (0 without FCM)."""
    if not enabled("push"):
        return literal(0)
    stmt = insert(Delivery).from_select(
        PUSH_DELIVERY_COLUMNS,
        select(
            ins.c.id,
            literal("push"),
            ins.c.device_id,
            literal("pending"),
            literal(0),
            literal(priority),
            literal(expires_at),
            func.now(),
            func.now(),
        )
        .select_from(ins.join(Device, Device.id == ins.c.device_id))
        .where(Device.push_token.isnot(None)),
    )
    if skip_conflicts:
        stmt = stmt.on_conflict_do_nothing()
    return count_of(stmt.returning(Delivery.id).cte("dl"))
