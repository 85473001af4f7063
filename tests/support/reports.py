"""Test helpers acting on reports where no use case does: hiding a report from the public."""

from __future__ import annotations

from backend.db import unit_of_work
from backend.models import Report, ReportEvent, utcnow
from backend.reporting import counts


def set_hidden(report_id: int, hidden: bool) -> None:
    """Hide a report from the public (or show it again), keeping the map counts right."""
    with unit_of_work() as s:
        report = s.get_one(Report, report_id, with_for_update=True)
        if report.hidden == hidden:
            return
        with counts.recount(s, report):
            report.hidden = hidden
            report.updated_at = utcnow()
        s.add(ReportEvent(report_id=report.id, kind="moderation", public=False, data={"hidden": hidden}))
