"""The queue's filters checked before they select anything: a value that names nothing in the staff member's
municipality, or a date range that ends before it starts, is refused (an empty queue would look like no work)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.errors import BadQuery
from backend.i18n import current_language, gettext
from backend.models import PRIORITIES, REPORT_CHANNELS, STATUSES, Area, Department, Service, StaffUser
from backend.triage.views import QueueFilters
from backend.vocabulary import label


def _refuse_unknown(
    name: str, wanted: list[str] | None, known: set[str] | tuple[str, ...], message: str, vocabulary: str = ""
) -> None:
    """Refuse the values not in `known`; the allowed ones are listed in words (their labels in `vocabulary`)."""
    unknown = sorted({v for v in wanted or [] if v not in known})
    if unknown:
        allowed = ", ".join(label(k, current_language(), vocabulary) for k in known) if vocabulary else ""
        raise BadQuery(gettext(message).format(", ".join(v[:40] for v in unknown), allowed), field=name)


def check_filters(s: Session, staff: StaffUser, f: QueueFilters) -> None:
    """Refuse (422, naming the filter) an unknown status, priority, channel, service, department, area or assignee
    of the staff member's municipality, and `since` after `until`."""
    _refuse_unknown("status", f.get("status"), STATUSES, "Unknown status: {0}. Allowed: {1}.", "report_status")
    _refuse_unknown("priority", f.get("priority"), PRIORITIES, "Unknown priority: {0}. Allowed: {1}.", "priority")
    _refuse_unknown("channel", f.get("channel"), REPORT_CHANNELS, "Unknown channel: {0}. Allowed: {1}.", "channel")
    lookups: tuple[tuple[str, list[str] | None, Any, str], ...] = (
        ("service", f.get("service"), Service, "Unknown service: {0}."),
        ("department", f.get("department"), Department, "Unknown department: {0}."),
        ("area", f.get("area"), Area, "Unknown area: {0}."),
    )
    for name, codes, model, message in lookups:
        if codes:
            known = set(
                s.scalars(
                    select(model.code).where(model.jurisdiction_id == staff.jurisdiction_id, model.code.in_(codes))
                )
            )
            _refuse_unknown(name, codes, known, message)
    assignee = f.get("assignee_id")
    if assignee is not None and not s.scalar(
        select(StaffUser.id).where(StaffUser.id == assignee, StaffUser.jurisdiction_id == staff.jurisdiction_id)
    ):
        raise BadQuery(gettext("No staff member {0} in this municipality.").format(assignee), field="assignee_id")
    since, until = f.get("since"), f.get("until")
    if since is not None and until is not None and since > until:
        raise BadQuery(gettext("The start of the range is after its end."), field="since")
