"""Which reports a staff member may see: their jurisdiction's (and department's, for department staff)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.errors import NotFound
from backend.i18n import gettext
from backend.models import Report, StaffUser


def visible_report(s: Session, staff: StaffUser, report_id: int) -> Report:
    """A report of the staff member's jurisdiction (and department, for department staff); else 404."""
    if not 0 < report_id < 2**63:
        raise NotFound(gettext("Not found."))
    report = s.scalars(
        select(Report)
        .where(Report.id == report_id)
        .options(
            selectinload(Report.service),
            selectinload(Report.jurisdiction),
            selectinload(Report.area),
            selectinload(Report.department),
            selectinload(Report.photos),
            selectinload(Report.reporter),
        )
    ).first()
    if (
        report is None
        or report.jurisdiction_id != staff.jurisdiction_id
        or (staff.role == "department_staff" and report.department_id != staff.department_id)
    ):
        raise NotFound(gettext("Not found."))
    return report
