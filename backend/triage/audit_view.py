"""A report's audit trail as staff see it: staff IP addresses and the original of a redacted description only for
the roles the policy names (`reports.audit_private`); viewers and API keys see the rest of every entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from backend import audit
from backend.db import session
from backend.models import AuditEntry, StaffUser
from backend.staff.policy import sees
from backend.triage.access import visible_report
from backend.vocabulary import AuditAction


class AuditRecord(TypedDict):
    """One entry of a report's audit trail in the staff API."""

    id: int
    at: datetime
    staff_id: int | None
    api_key_id: int | None
    action: str
    target_type: str
    target_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip: str | None


def shown_before(entry: AuditEntry, private: bool) -> dict[str, Any] | None:
    """The entry's `before`, without the original of a redacted description unless `private`."""
    if private or entry.before is None or entry.action != AuditAction.REPORT_MODERATE:
        return entry.before
    return {k: v for k, v in entry.before.items() if k != "description"}


def report_audit(staff: StaffUser, report_id: int, *, before_id: int | None, limit: int) -> list[AuditRecord]:
    """The audit entries of a report this staff member (or machine client) can see, newest first."""
    visible_report(session(), staff, report_id)
    private = sees(staff, "reports.audit_private")
    rows = audit.entries(
        jurisdiction_id=staff.jurisdiction_id,
        target_type="report",
        target_id=report_id,
        before_id=before_id,
        limit=limit,
    )
    return [
        {
            "id": e.id,
            "at": e.at,
            "staff_id": e.staff_id,
            "api_key_id": e.api_key_id,
            "action": e.action,
            "target_type": e.target_type,
            "target_id": e.target_id,
            "before": shown_before(e, private),
            "after": e.after,
            "ip": e.ip if private else None,
        }
        for e in rows
    ]
