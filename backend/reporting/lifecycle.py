"""A report's status changes: the times they set, the map counts they move, the feedback they ask for, and
a resident's reopening."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backend.models import (
    STATUSES,
    Report,
    ReportEvent,
    utcnow,
)
from backend.outbox import add_event
from backend.reporting import counts, feedback_requests
from backend.reporting.sla import due_for
from backend.reporting.states import RESIDENT_REOPEN_FROM

STATUS_TIMES = {"acknowledged": "acknowledged_at", "resolved": "resolved_at", "closed": "closed_at"}


def record_status(
    s: Session,
    report: Report,
    to_status: str,
    *,
    staff_id: int | None = None,
    body: str | None = None,
    reason: str | None = None,
    merged_into: Report | None = None,
) -> None:
    """Move a report to a status inside the caller's transaction: times, timeline, map counts, outbox. The public
    comment (`body`), a rejection's `reason` or the report a duplicate was merged into travel with the one timeline
    entry and the one notification."""
    if to_status not in STATUSES or to_status == report.status:
        return
    body = (body or "").strip() or None
    now = utcnow()
    with counts.recount(s, report):
        from_status, report.status, report.updated_at = report.status, to_status, now
        column = STATUS_TIMES.get(to_status)
        if column and getattr(report, column) is None:
            setattr(report, column, now)
        if to_status == "closed" and report.resolved_at is None:
            report.resolved_at = now
    s.add(
        ReportEvent(
            report_id=report.id,
            kind="status",
            from_status=from_status,
            to_status=to_status,
            actor_staff_id=staff_id,
            body=body,
            data=_entry_data(reason, merged_into),
            created_at=now,
        )
    )
    if to_status == "resolved":
        feedback_requests.schedule(s, report)
    add_event(
        s,
        "report.status_changed",
        {"report_id": report.id, "from": from_status, "to": to_status, "body": body, "reason": reason},
    )


def _entry_data(reason: str | None, merged_into: Report | None) -> dict[str, Any]:
    """What a status entry keeps besides its comment: a rejection's reason; the report a duplicate went into."""
    data: dict[str, Any] = {"reason": reason} if reason else {}
    if merged_into is not None:
        data |= {"master_id": merged_into.id, "master": merged_into.public_id}
    return data


def reopen(s: Session, report: Report, *, staff_id: int | None = None, body: str | None = None) -> None:
    """Back to in progress: the closing times are cleared and a new SLA clock starts now. The one reopening,
    whether staff move a resolved, closed or rejected report back or a resident says "not fixed"."""
    report.resolved_at = report.closed_at = None
    report.sla_due_at = due_for(report, utcnow())
    record_status(s, report, "in_progress", staff_id=staff_id, body=body)


def reopen_by_resident(s: Session, report: Report) -> bool:
    """A resident said "not fixed": a resolved or closed report is reopened (True); otherwise nothing moves."""
    if report.status not in RESIDENT_REOPEN_FROM:
        return False
    reopen(s, report)
    return True
