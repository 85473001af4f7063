"""Open311 GeoReport v2 queries: the requests asked for (the spec's filters and the common extensions), and one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from backend.cities.geography import Named
from backend.db import session
from backend.errors import NotFound
from backend.i18n import gettext, pick
from backend.models import OPEN_STATUSES, Report, ReportEvent, Service, utcnow
from backend.open311.discovery import language
from backend.open311.errors import InputRefused
from backend.open311.inputs import MAX_PAGE, RequestQuery, row_id
from backend.open311.results import JurisdictionRef, RequestExtras, ServiceRequest, StatusNote
from backend.report_words import NOTE_KINDS, entry_words
from backend.reporting.presenters import location_of, media_url

#: Without a start date, the requests of this long before the end (or before now).
DEFAULT_WINDOW = timedelta(days=90)


def _extras(r: Report, history: tuple[StatusNote, ...], public_photos: list[Any], lang: str) -> RequestExtras:
    """What the common extensions add to a request."""
    j = r.jurisdiction
    return RequestExtras(
        internal_status=r.status,
        area=None if r.area is None else Named(r.area.code, pick(r.area.name, lang, j.default_language)),
        duplicate_of=r.merged_into.public_id if r.merged_into else None,
        support_count=r.support_count,
        history=history,
        photos=tuple(p.external_url or media_url("photos", p.name) for p in public_photos),
    )


def _history(notes: list[ReportEvent], lang: str, fallback: str) -> tuple[StatusNote, ...]:
    """The public entries with their public words in `lang` (the same the resident API's timeline shows)."""
    return tuple(
        StatusNote(e.created_at, e.to_status, entry_words(e.kind, e.to_status, e.body, e.data, lang, fallback))
        for e in notes
    )


def _status_notes(history: tuple[StatusNote, ...]) -> str | None:
    """What explains the current status: the latest words given with the last status change or after it."""
    since = max((i for i, n in enumerate(history) if n.status is not None), default=0)
    return next((n.notes for n in reversed(history[since:]) if n.notes), None)


def _as_request(r: Report, notes: list[ReportEvent], lang: str) -> ServiceRequest:
    """A report as an Open311 service request."""
    j = r.jurisdiction
    lon, lat = location_of(r)
    closed = r.status not in OPEN_STATUSES
    public_photos = [p for p in r.photos if p.state == "approved"]
    history = _history(notes, lang, j.default_language)
    media = public_photos[0].external_url or media_url("photos", public_photos[0].name) if public_photos else None
    return ServiceRequest(
        service_request_id=r.public_id,
        closed=closed,
        status_notes=_status_notes(history),
        service_name=pick(r.service.name, lang, j.default_language),
        service_code=r.service.code,
        description=r.description,
        agency=pick(r.department.name, lang, j.default_language) if r.department else None,
        requested_at=r.requested_at,
        updated_at=(r.closed_at or r.resolved_at or r.updated_at) if closed else r.updated_at,
        expected_at=r.sla_due_at,
        address=r.address,
        lat=lat,
        lon=lon,
        media_url=media,
        extras=_extras(r, history, public_photos, lang),
    )


def _load_notes(report_ids: list[int]) -> dict[int, list[ReportEvent]]:
    """The public events of these reports that Open311's status notes are made of, oldest first, per report."""
    out: dict[int, list[ReportEvent]] = {rid: [] for rid in report_ids}
    if report_ids:
        for e in session().scalars(
            select(ReportEvent)
            .where(
                ReportEvent.report_id.in_(report_ids),
                ReportEvent.public,
                ReportEvent.kind.in_(NOTE_KINDS),
            )
            .order_by(ReportEvent.created_at, ReportEvent.id)
        ):
            out[e.report_id].append(e)
    return out


def _options() -> list[Any]:
    """The relationships _as_request reads, loaded up front."""
    return [
        selectinload(Report.service),
        selectinload(Report.jurisdiction),
        selectinload(Report.area),
        selectinload(Report.department),
        selectinload(Report.photos),
        selectinload(Report.merged_into),
    ]


def _by_requested_date(stmt: Select[Any], q: RequestQuery) -> Select[Any]:
    """The requested window; without a start, the DEFAULT_WINDOW before the end (or before now)."""
    start, end = q.requested.start, q.requested.end
    if start is None:
        start = (end if end is not None else utcnow()) - DEFAULT_WINDOW
    stmt = stmt.where(Report.requested_at >= start)
    if end is not None:
        stmt = stmt.where(Report.requested_at <= end)
    return stmt


def _by_status(stmt: Select[Any], q: RequestQuery) -> Select[Any]:
    """Open requests only, closed ones only, or both."""
    if q.closed is False:
        stmt = stmt.where(Report.status.in_(OPEN_STATUSES))
    elif q.closed:
        stmt = stmt.where(Report.status.not_in(OPEN_STATUSES))
    return stmt


def _by_update_time(stmt: Select[Any], q: RequestQuery) -> Select[Any]:
    """The updated_after and updated_before extensions."""
    if q.updated_after is not None:
        stmt = stmt.where(Report.updated_at >= q.updated_after)
    if q.updated_before is not None:
        stmt = stmt.where(Report.updated_at <= q.updated_before)
    return stmt


def _filtered(stmt: Select[Any], q: RequestQuery) -> Select[Any]:
    """The requests asked for: by id, or else by the other filters."""
    if q.ids is not None:
        return stmt.where(Report.public_id.in_([x.upper() for x in q.ids][:MAX_PAGE]))
    if q.service_codes is not None:
        stmt = stmt.join(Service, Service.id == Report.service_id).where(Service.code.in_(q.service_codes))
    stmt = _by_requested_date(stmt, q)
    stmt = _by_status(stmt, q)
    stmt = _by_update_time(stmt, q)
    if q.bbox is not None:
        box = func.ST_MakeEnvelope(q.bbox.min_lon, q.bbox.min_lat, q.bbox.max_lon, q.bbox.max_lat, 4326)
        stmt = stmt.where(func.ST_Intersects(box, func.geometry(Report.location)))
    return stmt


def _check_service_codes(j: JurisdictionRef, codes: tuple[str, ...] | None) -> None:
    """InputRefused naming the codes that are no service of the jurisdiction (withdrawn ones still count)."""
    if not codes:
        return
    known = set(session().scalars(select(Service.code).where(Service.jurisdiction_id == j.id, Service.code.in_(codes))))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InputRefused(
            gettext(
                "not a service of jurisdiction {jurisdiction}: {codes}", jurisdiction=j.code, codes=", ".join(unknown)
            ),
            field="service_code",
        )


def query(j: JurisdictionRef, q: RequestQuery, locale: str | None) -> list[ServiceRequest]:
    """The jurisdiction's visible requests asked for, newest first, one page; InputRefused for an unknown service."""
    _check_service_codes(j, q.service_codes)
    stmt = select(Report).where(Report.jurisdiction_id == j.id, ~Report.hidden).options(*_options())
    stmt = _filtered(stmt, q)
    size = q.page.size
    rows = list(
        session().scalars(
            stmt.order_by(Report.requested_at.desc(), Report.id.desc()).limit(size).offset((q.page.number - 1) * size)
        )
    )
    notes = _load_notes([r.id for r in rows])
    lang = language(j, locale)
    return [_as_request(r, notes[r.id], lang) for r in rows]


def one_request(j: JurisdictionRef, ref: str, locale: str | None) -> ServiceRequest:
    """One request by public id, or by database id when the reference is a number; NotFound otherwise."""
    cond = Report.public_id == ref.upper()
    number = row_id(ref)
    if number is not None:
        cond = or_(cond, Report.id == number)
    r = (
        session()
        .scalars(select(Report).where(cond, Report.jurisdiction_id == j.id, ~Report.hidden).options(*_options()))
        .first()
    )
    if r is None:
        raise NotFound(gettext("service request {ref} not found", ref=ref), field="service_request_id")
    return _as_request(r, _load_notes([r.id])[r.id], language(j, locale))
