"""Outbox handlers: a public change to a report becomes one notification per recipient.

Recipients are the device that filed the report and the devices supporting it (those following the
`my_reports` topic), and — for a report filed with an e-mail address but without the app (Open311, web) —
the reporter by e-mail. Everything is written with INSERT … SELECT in the handler's transaction (the
recipients never pass through Python, so 100,000 supporters cost no memory); delivery tasks are started
after it commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, case, cast, column, func, literal, select, union, values
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Session

from backend.i18n import LANGUAGES
from backend.models import Delivery, Device, Jurisdiction, Notification, Report, ReportSupport, Resident, Service
from backend.outbox import handles
from push.delivery import enabled, request_delivery
from push.render import Text, report_texts

TOPIC = "my_reports"
NOTIFICATION_COLUMNS = [
    "event_id",
    "kind",
    "topic",
    "device_id",
    "jurisdiction_id",
    "report_id",
    "locale",
    "title",
    "body",
    "data",
    "created_at",
]


@handles("report.status_changed")
def status_changed(s: Session, payload: dict[str, Any]) -> None:
    # A merge is told by its own event; "submitted" is the resident's own doing.
    if payload.get("to") not in ("duplicate", "submitted"):
        fan_out(s, "report.status_changed", payload)


@handles("report.replied")
def replied(s: Session, payload: dict[str, Any]) -> None:
    fan_out(s, "report.replied", payload)


@handles("report.recategorised")
def recategorised(s: Session, payload: dict[str, Any]) -> None:
    fan_out(s, "report.recategorised", payload)


@handles("report.moved")
def moved(s: Session, payload: dict[str, Any]) -> None:
    fan_out(s, "report.moved", payload)


@handles("report.merged")
def merged(s: Session, payload: dict[str, Any]) -> None:
    fan_out(s, "report.merged", payload)


@handles("report.feedback_requested")
def feedback_requested(s: Session, payload: dict[str, Any]) -> None:
    fan_out(s, "report.feedback_requested", payload)


@dataclass(frozen=True)
class _Event:
    """What every notification of one report event carries."""

    event_id: int | None
    kind: str
    jurisdiction_id: int
    report_id: int
    data: dict[str, str]

    def row(self, recipient: Any, lang: Any, title: Any, body: Any) -> list[Any]:
        """The values of one notification, in the order of NOTIFICATION_COLUMNS."""
        return [
            literal(self.event_id),
            literal(self.kind),
            literal(TOPIC),
            recipient,
            literal(self.jurisdiction_id),
            literal(self.report_id),
            lang,
            title,
            body,
            cast(literal(self.data, JSONB), JSONB),
            func.now(),
        ]


def fan_out(s: Session, kind: str, payload: dict[str, Any]) -> dict[str, int]:
    """Notifications and delivery rows for one report event; returns the counts written."""
    report = s.get(Report, payload["report_id"])
    if report is None:
        return {}
    jurisdiction = s.get_one(Jurisdiction, report.jurisdiction_id)
    texts = _texts(s, kind, payload, report, jurisdiction)
    data = {"type": kind, "report_id": str(report.id), "public_id": report.public_id}
    if payload.get("request_id"):
        data["feedback_request_id"] = str(payload["request_id"])
    ev = _Event(payload.get("outbox_event_id"), kind, jurisdiction.id, report.id, data)
    fallback = jurisdiction.default_language if jurisdiction.default_language in LANGUAGES else "en"
    written = {"inbox": _count(s, _device_notifications(ev, report, texts, fallback))}
    if report.device_id is None and report.reporter_id is not None:
        lang = report.locale if report.locale in LANGUAGES else fallback
        written["email_inbox"] = _count(s, _email_notification(ev, report.reporter_id, lang, texts[lang]))
    if enabled("push"):
        written["push"] = _count(s, _push_deliveries(ev.event_id))
        request_delivery(s, "push", written["push"])
    if enabled("email") and written.get("email_inbox"):
        written["email"] = _count(s, _email_deliveries(ev.event_id))
        request_delivery(s, "email", written["email"])
    return written


def _texts(
    s: Session, kind: str, payload: dict[str, Any], report: Report, jurisdiction: Jurisdiction
) -> dict[str, Text]:
    """The event's title and body in every language."""
    service = s.get_one(Service, report.service_id)
    master = s.get(Report, payload["master_id"]) if payload.get("master_id") else None
    return report_texts(
        kind,
        payload,
        public_id=report.public_id,
        service_names=service.name,
        fallback=jurisdiction.default_language,
        master_public_id=master.public_id if master is not None else None,
    )


def _device_notifications(ev: _Event, report: Report, texts: dict[str, Text], fallback: str) -> Any:
    """One notification per device that filed or supports the report and follows the topic, in its language."""
    table = values(column("lang", String), column("title", String), column("body", String), name="texts").data(
        [(lang, t.title, t.body) for lang, t in texts.items()]
    )
    device_lang = case((Device.locale.in_(LANGUAGES), Device.locale), else_=literal(fallback))
    followers = union(
        select(Report.device_id.label("id")).where(Report.id == report.id, Report.device_id.isnot(None)),
        select(ReportSupport.device_id).where(ReportSupport.report_id == report.id),
    ).subquery()
    devices = (
        select(*ev.row(Device.id, device_lang, table.c.title, table.c.body))
        .join(followers, followers.c.id == Device.id)
        .join(table, table.c.lang == device_lang)
        .where(Device.revoked_at.is_(None), literal(TOPIC) == func.any(Device.topics))
    )
    return insert(Notification).from_select(NOTIFICATION_COLUMNS, devices)


def _email_notification(ev: _Event, reporter_id: int, lang: str, text: Text) -> Any:
    """The notification of a reporter without the app who left an e-mail address (and did not unsubscribe)."""
    by_email = select(*ev.row(Resident.id, literal(lang), literal(text.title), literal(text.body))).where(
        Resident.id == reporter_id, Resident.email.isnot(None), Resident.email_opt_out_at.is_(None)
    )
    columns = [*NOTIFICATION_COLUMNS[:3], "resident_id", *NOTIFICATION_COLUMNS[4:]]
    return insert(Notification).from_select(columns, by_email)


def _push_deliveries(event_id: int | None) -> Any:
    """A push delivery for each notification of the event to a device with a token."""
    push_rows = (
        select(
            Notification.id,
            literal("push"),
            Notification.device_id,
            literal("pending"),
            literal(0),
            func.now(),
            func.now(),
        )
        .join(Device, Device.id == Notification.device_id)
        .where(Notification.event_id == event_id, Device.push_token.isnot(None))
    )
    return insert(Delivery).from_select(
        ["notification_id", "channel", "device_id", "status", "attempts", "next_attempt_at", "created_at"],
        push_rows,
    )


def _email_deliveries(event_id: int | None) -> Any:
    """An e-mail delivery for each notification of the event to a resident."""
    email_rows = (
        select(
            Notification.id,
            literal("email"),
            Resident.email,
            literal("pending"),
            literal(0),
            func.now(),
            func.now(),
        )
        .join(Resident, Resident.id == Notification.resident_id)
        .where(and_(Notification.event_id == event_id, Notification.resident_id.isnot(None)))
    )
    return insert(Delivery).from_select(
        ["notification_id", "channel", "address", "status", "attempts", "next_attempt_at", "created_at"],
        email_rows,
    )


def _count(s: Session, stmt: Any) -> int:
    """Run INSERT … SELECT … ON CONFLICT DO NOTHING and count the rows written, in the database (the
    driver reports no row count for INSERT … SELECT; the new rows never travel to Python)."""
    written = stmt.on_conflict_do_nothing().returning(literal(1).label("one")).cte("written")
    return int(s.execute(select(func.count()).select_from(written)).scalar_one())
