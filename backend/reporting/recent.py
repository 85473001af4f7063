"""The most recent public reports of a municipality, for its residents' website (home page, and the map's list
for browsers without JavaScript). The same filters as the public map's, and the same public view as a report's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.db import session
from backend.i18n import choose_language
from backend.models import Jurisdiction, Report
from backend.reporting.map import parse_statuses, service_ids_of
from backend.reporting.presenters import ReportView, report_view

MAX_RECENT = 50


def recent_public(
    jurisdiction_code: str, lang: str | None, *, limit: int = 10, status: str | None = None, service: str | None = None
) -> list[ReportView]:
    """The municipality's newest public reports (hidden ones never), newest first, in `lang` where the
    municipality has it. `status` and `service` as the map's (comma-separated; an unknown value is refused,
    naming the field)."""
    statuses = parse_statuses(status)
    service_ids = service_ids_of(service)
    s = session()
    query = (
        select(Report)
        .join(Jurisdiction, Jurisdiction.id == Report.jurisdiction_id)
        .where(Jurisdiction.code == jurisdiction_code, Report.hidden.is_(False))
        .options(
            selectinload(Report.service),
            selectinload(Report.jurisdiction),
            selectinload(Report.area),
            selectinload(Report.photos),
        )
        .order_by(Report.id.desc())
        .limit(max(1, min(limit, MAX_RECENT)))
    )
    if statuses is not None:
        query = query.where(Report.status.in_(statuses))
    if service_ids is not None:
        query = query.where(Report.service_id.in_(service_ids))
    rows = s.scalars(query).all()
    views = [
        report_view(r, choose_language(lang, r.jurisdiction.languages, r.jurisdiction.default_language)) for r in rows
    ]
    s.rollback()
    return views
