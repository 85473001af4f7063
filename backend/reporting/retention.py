"""Retention: reporters' contact data unlinked from reports that left the open states longer ago than the
retention period, whichever way they left (closed, rejected, merged as a duplicate, or resolved and never closed);
the contact data of a person no report links any more deleted; e-mail links that expired long ago deleted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select, update

from backend import links
from backend.db import unit_of_work
from backend.models import (
    OPEN_STATUSES,
    STATUSES,
    Jurisdiction,
    Report,
    ReportEvent,
    utcnow,
)
from backend.residents.erasure import delete_orphan_residents, forget_unused_contacts

#: The states a report is in once it left the open ones (the partial index `ix_reports_finished_not_anonymised`).
FINISHED = tuple(status for status in STATUSES if status not in OPEN_STATUSES)
#: An expired e-mail link is kept this long, so that it still opens the page saying it expired (then, "not valid").
LINKS_KEPT_AFTER_EXPIRY = timedelta(days=90)


def left_open_at() -> Any:
    """When a report that is no longer open left the open states: its resolution (a closed report was resolved
    first, or at its closing), else the status change that brought it to where it is (a rejection, a merge), else
    its last change."""
    moved = (
        select(func.max(ReportEvent.created_at))
        .where(ReportEvent.report_id == Report.id, ReportEvent.kind == "status", ReportEvent.to_status == Report.status)
        .scalar_subquery()
    )
    return func.coalesce(func.least(Report.resolved_at, Report.closed_at, moved), Report.updated_at)


def apply_retention(default_months: int) -> int:
    """Unlink reporters from reports that left the open states longer ago than the retention period, then forget
    the contact data that no report links any more; returns how many reports were unlinked."""
    now = utcnow()
    total = 0
    with unit_of_work() as s:
        for jurisdiction in s.scalars(select(Jurisdiction)):
            months = int(jurisdiction.settings.get("retention_months", default_months))
            cutoff = now - relativedelta(months=months)
            result = s.execute(
                update(Report)
                .where(
                    Report.jurisdiction_id == jurisdiction.id,
                    Report.status.in_(FINISHED),
                    Report.anonymised_at.is_(None),
                    Report.reporter_id.is_not(None),
                    left_open_at() < cutoff,
                )
                .values(reporter_id=None, anonymised_at=now)
                .returning(Report.id)
            )
            total += len(result.all())
        delete_orphan_residents(s)
        forget_unused_contacts(s)
        links.purge(s, LINKS_KEPT_AFTER_EXPIRY)
    return total
