"""Open311 GeoReport v2 queries: GET requests (the spec's filters and the common extensions) and one request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from backend.db import session
from backend.errors import DomainError
from backend.i18n import pick
from backend.models import OPEN_STATUSES, Jurisdiction, Report, ReportEvent, Service, utcnow
from backend.open311.discovery import Open311Error, _lang, parse_date, w3c
from backend.reporting.map import parse_bbox
from backend.reporting.presenters import location_of, media_url

DEFAULT_WINDOW = timedelta(days=90)
MAX_PAGE = 1000


def _extended(r: Report, notes: list[ReportEvent], public_photos: list[Any], lang: str) -> dict[str, Any]:
    """The extended_attributes of a request (with extensions=true)."""
    j = r.jurisdiction
    return {
        "internal_status": r.status,
        "area": None if r.area is None else {"code": r.area.code, "name": pick(r.area.name, lang, j.default_language)},
        "duplicate_of": r.merged_into.public_id if r.merged_into else None,
        "support_count": r.support_count,
        "status_notes_history": [
            {
                "datetime": w3c(e.created_at, j.timezone),
                "status": e.to_status,
                "notes": e.body if e.kind == "reply" else None,
            }
            for e in notes
        ],
        "photos": [p.external_url or media_url("photos", p.name) for p in public_photos],
    }


def _as_request(r: Report, notes: list[ReportEvent], extensions: bool, lang: str) -> dict[str, Any]:
    """A report as an Open311 service request."""
    j = r.jurisdiction
    lon, lat = location_of(r)
    closed = r.status not in OPEN_STATUSES
    public_photos = [p for p in r.photos if p.state == "approved"]
    replies = [e for e in notes if e.kind == "reply"]
    media = public_photos[0].external_url or media_url("photos", public_photos[0].name) if public_photos else None
    out: dict[str, Any] = {
        "service_request_id": r.public_id,
        "status": "closed" if closed else "open",
        "status_notes": replies[-1].body if replies else None,
        "service_name": pick(r.service.name, lang, j.default_language),
        "service_code": r.service.code,
        "description": r.description or None,
        "agency_responsible": pick(r.department.name, lang, j.default_language) if r.department else None,
        "service_notice": None,
        "requested_datetime": w3c(r.requested_at, j.timezone),
        "updated_datetime": w3c((r.closed_at or r.resolved_at or r.updated_at) if closed else r.updated_at, j.timezone),
        "expected_datetime": w3c(r.sla_due_at, j.timezone),
        "address": r.address,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": media,
    }
    if extensions:
        out["extended_attributes"] = _extended(r, notes, public_photos, lang)
    return out


def _load_notes(report_ids: list[int]) -> dict[int, list[ReportEvent]]:
    """The public created/status/reply events of these reports, oldest first, per report."""
    out: dict[int, list[ReportEvent]] = {rid: [] for rid in report_ids}
    if report_ids:
        for e in session().scalars(
            select(ReportEvent)
            .where(
                ReportEvent.report_id.in_(report_ids),
                ReportEvent.public,
                ReportEvent.kind.in_(("created", "status", "reply")),
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


def _by_service_code(stmt: Select[Any], params: dict[str, str | None]) -> Select[Any]:
    """The service_code filter (comma-separated codes)."""
    if params.get("service_code"):
        codes = [x.strip() for x in (params["service_code"] or "").split(",") if x.strip()]
        stmt = stmt.join(Service, Service.id == Report.service_id).where(Service.code.in_(codes))
    return stmt


def _by_requested_date(stmt: Select[Any], params: dict[str, str | None]) -> Select[Any]:
    """start_date and end_date; without a start, the DEFAULT_WINDOW before the end (or before now)."""
    start, end = parse_date("start_date", params.get("start_date")), parse_date("end_date", params.get("end_date"))
    if start and end and end < start:
        raise Open311Error.one(400, "end_date is before start_date")
    if start is None and end is None:
        start = utcnow() - DEFAULT_WINDOW
    elif start is None and end is not None:
        start = end - DEFAULT_WINDOW
    stmt = stmt.where(Report.requested_at >= start)
    if end is not None:
        stmt = stmt.where(Report.requested_at <= end)
    return stmt


def _by_status(stmt: Select[Any], params: dict[str, str | None]) -> Select[Any]:
    """The status filter: open, closed or both (comma-separated)."""
    if params.get("status"):
        wanted = {x.strip() for x in (params["status"] or "").split(",") if x.strip()}
        if wanted - {"open", "closed"}:
            raise Open311Error.one(400, "status is open, closed or both (comma-separated)")
        if wanted == {"open"}:
            stmt = stmt.where(Report.status.in_(OPEN_STATUSES))
        elif wanted == {"closed"}:
            stmt = stmt.where(Report.status.not_in(OPEN_STATUSES))
    return stmt


def _by_update_time(stmt: Select[Any], params: dict[str, str | None]) -> Select[Any]:
    """The updated_after and updated_before extensions."""
    for name, op in (("updated_after", ">="), ("updated_before", "<=")):
        moment = parse_date(name, params.get(name))
        if moment is not None:
            stmt = stmt.where(Report.updated_at >= moment if op == ">=" else Report.updated_at <= moment)
    return stmt


def _by_bbox(stmt: Select[Any], params: dict[str, str | None]) -> Select[Any]:
    """The bbox extension: minLon,minLat,maxLon,maxLat."""
    if params.get("bbox"):
        try:
            x0, y0, x1, y1 = parse_bbox(params["bbox"] or "")
        except DomainError as exc:
            raise Open311Error.one(400, "bbox is minLon,minLat,maxLon,maxLat") from exc
        stmt = stmt.where(
            func.ST_Intersects(func.ST_MakeEnvelope(x0, y0, x1, y1, 4326), func.geometry(Report.location))
        )
    return stmt


def _filtered(stmt: Select[Any], params: dict[str, str | None]) -> Select[Any]:
    """The requests asked for: by service_request_id, or else by the other filters (in the spec's order)."""
    ids = params.get("service_request_id")
    if ids:
        refs = [x.strip().upper() for x in ids.split(",") if x.strip()][:MAX_PAGE]
        return stmt.where(Report.public_id.in_(refs))
    stmt = _by_service_code(stmt, params)
    stmt = _by_requested_date(stmt, params)
    stmt = _by_status(stmt, params)
    stmt = _by_update_time(stmt, params)
    return _by_bbox(stmt, params)


def _page(params: dict[str, str | None]) -> tuple[int, int]:
    """The page number and page size asked for (400 unless page >= 1 and 1 <= page_size <= MAX_PAGE)."""
    try:
        page = int(params.get("page") or 1)
        size = int(params.get("page_size") or MAX_PAGE)
    except ValueError as exc:
        raise Open311Error.one(400, "page and page_size are whole numbers") from exc
    if page < 1 or not 1 <= size <= MAX_PAGE:
        raise Open311Error.one(400, f"page >= 1 and 1 <= page_size <= {MAX_PAGE}")
    return page, size


def _wants_extensions(params: dict[str, str | None]) -> bool:
    """Whether extensions=true was asked for."""
    return (params.get("extensions") or "").lower() == "true"


def query(j: Jurisdiction, params: dict[str, str | None], locale: str | None) -> list[dict[str, Any]]:
    """GET requests with the spec's filters and the common extensions."""
    stmt = select(Report).where(Report.jurisdiction_id == j.id, ~Report.hidden).options(*_options())
    stmt = _filtered(stmt, params)
    page, size = _page(params)
    rows = list(
        session().scalars(
            stmt.order_by(Report.requested_at.desc(), Report.id.desc()).limit(size).offset((page - 1) * size)
        )
    )
    notes = _load_notes([r.id for r in rows])
    lang = _lang(j, locale)
    extensions = _wants_extensions(params)
    return [_as_request(r, notes[r.id], extensions, lang) for r in rows]


def one_request(j: Jurisdiction, ref: str, params: dict[str, str | None], locale: str | None) -> dict[str, Any]:
    """GET requests/{id}: by public id, or by database id when the reference is a number."""
    s = session()
    cond = Report.public_id == ref.upper()
    if ref.isdigit() and len(ref) <= 18:
        cond = or_(cond, Report.id == int(ref))
    r = s.scalars(
        select(Report).where(cond, Report.jurisdiction_id == j.id, ~Report.hidden).options(*_options())
    ).first()
    if r is None:
        raise Open311Error.one(404, f"service request {ref} not found")
    extensions = _wants_extensions(params)
    return _as_request(r, _load_notes([r.id])[r.id], extensions, _lang(j, locale))
