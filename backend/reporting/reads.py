"""What residents read of reports: one report (its public view), and a device's own reports."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.db import session
from backend.errors import NotFound
from backend.i18n import choose_language, gettext
from backend.models import (
    Device,
    Report,
    ReportEvent,
    ReportSupport,
)
from backend.report_words import PUBLIC_KINDS
from backend.reporting.presenters import ReportView, TimelineEntry, report_fields, report_view, timeline_entry
from backend.reporting.submission import _language


@dataclass(frozen=True, slots=True)
class ReportDetail(ReportView):
    """A report's public view with its public timeline; `is_mine` and `supported` only for a device (else None)."""

    timeline: list[TimelineEntry]
    is_mine: bool | None = None
    supported: bool | None = None


@dataclass(frozen=True, slots=True)
class ReportsPage:
    items: list[ReportView]
    next_before: int | None


def find_visible(s: Session, report_ref: str) -> Report:
    """A report by numeric id or public id, if the public may see it."""
    stmt = select(Report).options(
        selectinload(Report.service),
        selectinload(Report.jurisdiction),
        selectinload(Report.area),
        selectinload(Report.photos),
    )
    if report_ref.isascii() and report_ref.isdigit() and len(report_ref) <= 18:
        stmt = stmt.where(Report.id == int(report_ref))
    elif len(report_ref) <= 32:
        stmt = stmt.where(Report.public_id == report_ref.upper())
    else:
        raise NotFound(gettext("Not found."))
    report = s.scalars(stmt).first()
    if report is None or report.hidden:
        raise NotFound(gettext("Not found."))
    return report


def public_detail(report_ref: str, device: Device | None, lang: str | None = None) -> ReportDetail:
    """A report's public detail with its public timeline, in `lang` (else the device's language, else the
    request's) where the report's municipality has it."""
    s = session()
    report = find_visible(s, report_ref)
    lang = choose_language(
        lang or (device.locale if device else None),
        report.jurisdiction.languages,
        report.jurisdiction.default_language,
    )
    events = s.scalars(
        select(ReportEvent)
        .where(
            ReportEvent.report_id == report.id,
            ReportEvent.public,
            ReportEvent.kind.in_(PUBLIC_KINDS),
        )
        .options(selectinload(ReportEvent.actor_staff))
        .order_by(ReportEvent.created_at, ReportEvent.id)
    ).all()
    view = report_fields(report_view(report, lang))
    if report.merged_into_id:
        target = s.get(Report, report.merged_into_id)
        view["merged_into"] = target.public_id if target else None
    detail = ReportDetail(
        **view,
        timeline=[timeline_entry(e, lang, report.jurisdiction.default_language) for e in events],
        is_mine=None if device is None else report.device_id == device.id,
        supported=None if device is None else s.get(ReportSupport, (report.id, device.id)) is not None,
    )
    s.rollback()
    return detail


def my_reports(device: Device, *, limit: int, before: int | None) -> ReportsPage:
    """The device's reports, newest first, keyset-paginated by id."""
    s = session()
    stmt = (
        select(Report)
        .where(Report.device_id == device.id)
        .options(
            selectinload(Report.service),
            selectinload(Report.jurisdiction),
            selectinload(Report.area),
            selectinload(Report.photos),
        )
        .order_by(Report.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        stmt = stmt.where(Report.id < before)
    rows = list(s.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [report_view(r, _language(device, r.jurisdiction)) for r in rows]
    s.rollback()
    return ReportsPage(items=items, next_before=rows[-1].id if more else None)
