"""The staff queue: filters, full text (simple + unaccent, pg_trgm for partial words), sorting, keyset
pagination, counts per status for the same filters (from the facet count table when it can answer),
and overdue counts per department."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any, TypeVarTuple

from geoalchemy2 import Geometry
from sqlalchemy import Select, Text, and_, cast, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from backend.db import session
from backend.errors import DomainError
from backend.i18n import gettext, pick
from backend.models import (
    OPEN_STATUSES,
    Area,
    Department,
    Jurisdiction,
    Photo,
    Report,
    ReportFacetCount,
    Service,
    StaffUser,
    utcnow,
)
from backend.reporting.presenters import media_url
from backend.triage.etag import etag_of
from backend.triage.filters import check_filters
from backend.triage.views import CodeName, MapPoint, QueueFilters, QueueItem, QueuePage, QueuePhoto, TextQuery

SORTS = ("newest", "oldest", "due", "updated")


Columns = TypeVarTuple("Columns")


def _sort_key(sort: str) -> Any:
    return {
        "newest": Report.requested_at,
        "oldest": Report.requested_at,
        "updated": Report.updated_at,
        "due": Report.sla_due_at,
    }[sort]


def _cursor(sort: str, row: Any) -> str:
    value = {"newest": row.requested_at, "oldest": row.requested_at, "updated": row.updated_at, "due": row.sla_due_at}[
        sort
    ]
    return base64.urlsafe_b64encode(json.dumps([value.isoformat() if value else None, row.id]).encode()).decode()


def _decode(cursor: str) -> tuple[datetime | None, int]:
    try:
        value, rid = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return (datetime.fromisoformat(value) if value is not None else None), int(rid)
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise DomainError(gettext("Invalid cursor."), field="cursor") from exc


def _after(sort: str, value: datetime | None, rid: int) -> Any:
    """Rows after the cursor in the sort order (`due` ascending with reports without a due time last)."""
    key = _sort_key(sort)
    if sort in ("newest", "updated"):
        return tuple_(key, Report.id) < tuple_(value, rid)
    if sort == "oldest":
        return tuple_(key, Report.id) > tuple_(value, rid)
    if value is None:
        return and_(key.is_(None), Report.id > rid)
    return or_(tuple_(key, Report.id) > tuple_(value, rid), key.is_(None))


def _facet_filters(stmt: Select[*Columns], table: Any, staff: StaffUser, f: QueueFilters) -> Select[*Columns]:
    """Jurisdiction, department scope, service, department, area and priority filters on `table`
    (the reports, or the facet count table: both have these columns)."""
    stmt = stmt.where(table.jurisdiction_id == staff.jurisdiction_id)
    if staff.role == "department_staff":
        stmt = stmt.where(table.department_id == staff.department_id)
    for codes, column, model in (
        (f.get("service"), table.service_id, Service),
        (f.get("department"), table.department_id, Department),
        (f.get("area"), table.area_id, Area),
    ):
        if codes:
            stmt = stmt.where(
                column.in_(
                    select(model.id).where(model.jurisdiction_id == staff.jurisdiction_id, model.code.in_(codes))
                )
            )
    if f.get("priority"):
        stmt = stmt.where(table.priority.in_(f["priority"]))
    return stmt


def _filtered(
    staff: StaffUser, f: QueueFilters, with_status: bool = True, stmt: Select[Any] | None = None
) -> Select[Any]:
    """`stmt` (by default all of each report) restricted to the reports these filters select."""
    stmt = _facet_filters(select(Report) if stmt is None else stmt, Report, staff, f)
    status, overdue, since, until = f.get("status"), f.get("overdue"), f.get("since"), f.get("until")
    if with_status and status:
        stmt = stmt.where(Report.status.in_(status))
    if overdue is not None:
        late = and_(Report.status.in_(OPEN_STATUSES), Report.sla_due_at < utcnow())
        stmt = stmt.where(late if overdue else ~late)
    if since:
        stmt = stmt.where(Report.requested_at >= since)
    if until:
        stmt = stmt.where(Report.requested_at < until)
    if f.get("assignee_id"):
        stmt = stmt.where(Report.assignee_id == f.get("assignee_id"))
    if channel := f.get("channel"):
        stmt = stmt.where(Report.channel.in_(channel))
    if f.get("hidden") is not None:
        stmt = stmt.where(Report.hidden == f.get("hidden"))
    q = f.get("q")
    if q:
        terms = q if isinstance(q, TextQuery) else text_query(q)
        stmt = stmt.where(
            or_(
                Report.search_tsv.op("@@")(cast(terms.tsquery, TSQUERY)),
                and_(*(Report.search_text.like(p, escape="\\") for p in terms.patterns)),
            )
        )
    return stmt


def text_query(q: str) -> TextQuery:
    """Normalise `q` in one round trip, so that no row pays for unaccent or the tsquery parser."""
    norm = func.lower(func.unaccent(q))
    tsquery, plain = session().execute(select(cast(func.plainto_tsquery("simple", norm), Text), norm)).one()
    words = plain.split() or [plain]
    return TextQuery(
        tsquery, tuple("%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for w in words)
    )


def prepared(f: QueueFilters) -> QueueFilters:
    """The filters with the full-text search normalised (once per request, not once per statement)."""
    q = f.get("q")
    return {**f, "q": text_query(q)} if isinstance(q, str) and q else f


#: What a queue row shows, read as plain columns (no ORM objects: a page is one statement).
_ROW = (
    Report.id,
    Report.public_id,
    Report.status,
    Report.description,
    Report.address,
    Report.requested_at,
    Report.updated_at,
    Report.sla_due_at,
    Report.support_count,
    Report.merged_into_id,
    Report.priority,
    Report.hidden,
    Report.assignee_id,
    func.ST_X(cast(Report.location, Geometry)).label("lon"),
    func.ST_Y(cast(Report.location, Geometry)).label("lat"),
    Service.code.label("service_code"),
    Service.name.label("service_name"),
    Area.code.label("area_code"),
    Area.name.label("area_name"),
    Department.code.label("department_code"),
    Department.name.label("department_name"),
)


def page_stmt(staff: StaffUser, f: QueueFilters, *, sort: str, cursor: str | None, limit: int) -> Select[Any]:
    """The statement for one page (`limit` + 1 rows, to know whether there is a next page)."""
    key = _sort_key(sort)
    base = (
        select(*_ROW)
        .join(Service, Service.id == Report.service_id)
        .outerjoin(Area, Area.id == Report.area_id)
        .outerjoin(Department, Department.id == Report.department_id)
    )
    stmt = _filtered(staff, f, stmt=base)
    if cursor:
        stmt = stmt.where(_after(sort, *_decode(cursor)))
    order = (
        (key.desc(), Report.id.desc()) if sort in ("newest", "updated") else (key.asc().nulls_last(), Report.id.asc())
    )
    return stmt.order_by(*order).limit(limit + 1)


def _photos(s: Session, rows: list[Any]) -> dict[int, list[QueuePhoto]]:
    """The approved photos stored here of these rows' reports, oldest first, per report id."""
    photos: dict[int, list[QueuePhoto]] = {}
    if rows:
        for p in s.execute(
            select(Photo.report_id, Photo.id, Photo.name, Photo.has_thumbnail)
            .where(Photo.report_id.in_([r.id for r in rows]), Photo.state == "approved", Photo.external_url.is_(None))
            .order_by(Photo.id)
        ):
            photos.setdefault(p.report_id, []).append(
                QueuePhoto(
                    id=p.id,
                    url=media_url("photos", p.name),
                    thumbnail_url=media_url("thumbs", p.name) if p.has_thumbnail else None,
                )
            )
    return photos


def _item(
    r: Any,
    photos: dict[int, list[QueuePhoto]],
    where: CodeName,
    lang: str,
    fallback: str,
    now: datetime,
) -> QueueItem:
    """One queue row as the staff see it (names in `lang`, else in the municipality's `fallback` language)."""
    return QueueItem(
        id=r.id,
        public_id=r.public_id,
        service_code=r.service_code,
        service_name=pick(r.service_name, lang, fallback),
        description=r.description,
        status=r.status,
        lat=r.lat,
        lon=r.lon,
        address=r.address,
        jurisdiction=where,
        area=None if r.area_code is None else {"code": r.area_code, "name": pick(r.area_name, lang, fallback)},
        requested_at=r.requested_at,
        updated_at=r.updated_at,
        sla_due_at=r.sla_due_at,
        support_count=r.support_count,
        merged_into=r.merged_into_id,
        photos=photos.get(r.id, []),
        priority=r.priority,
        hidden=r.hidden,
        assignee_id=r.assignee_id,
        etag=etag_of(r.id, r.updated_at, r.support_count, r.hidden),
        overdue=r.status in OPEN_STATUSES and r.sla_due_at is not None and r.sla_due_at < now,
        department=None
        if r.department_code is None
        else {"code": r.department_code, "name": pick(r.department_name, lang, fallback)},
    )


def queue(staff: StaffUser, f: QueueFilters, *, sort: str, cursor: str | None, limit: int) -> QueuePage:
    """One page of the queue and the counts for the same filters."""
    s = session()
    check_filters(s, staff, f)
    f = prepared(f)
    rows = list(s.execute(page_stmt(staff, f, sort=sort, cursor=cursor, limit=limit)))
    more = len(rows) > limit
    rows = rows[:limit]
    photos = _photos(s, rows)
    jurisdiction = s.get_one(Jurisdiction, staff.jurisdiction_id)
    lang, fallback = staff.locale, jurisdiction.default_language
    where: CodeName = {"code": jurisdiction.code, "name": pick(jurisdiction.name, lang, fallback)}
    now = utcnow()
    items = [_item(r, photos, where, lang, fallback, now) for r in rows]
    counts = status_counts(staff, f)
    s.rollback()
    last = rows[-1] if more and rows else None
    return {
        "items": items,
        "next_cursor": None if last is None else _cursor(sort, last),
        "counts": counts,
        "counts_exact": not capped(f) or sum(counts.values()) <= COUNT_CAP,
    }


#: Filters the facet count table can answer.
FACETS = frozenset({"status", "service", "department", "area", "priority", "hidden"})
#: Filters whose counts come from the matching reports themselves, counted up to COUNT_CAP + 1 reports.
CAPPED = frozenset({"q", "since", "until", "channel"})
COUNT_CAP = 10_000


def capped(f: QueueFilters) -> bool:
    return any(f.get(k) for k in CAPPED)


def status_counts(staff: StaffUser, f: QueueFilters) -> dict[str, int]:
    """Reports per status for these filters (the status filter itself aside)."""
    return {row[0]: int(row[1]) for row in session().execute(status_counts_stmt(staff, prepared(f)))}


def status_counts_stmt(staff: StaffUser, f: QueueFilters) -> Select[str, int]:
    """Three ways, cheapest first: the facet table when it can answer these filters; for a search or a date
    range, the first COUNT_CAP + 1 matching reports (exact below the cap, lower bounds above it); else
    (overdue, assignee) all matching reports, which the indexes answer (overdue from the partial index
    of open reports alone)."""
    used = {k for k, v in f.items() if v is not None and k != "status"}
    if used <= FACETS:
        fc = ReportFacetCount
        stmt = _facet_filters(select(fc.status, func.sum(fc.count)), fc, staff, f)
        if f.get("hidden") is not None:
            stmt = stmt.where(fc.hidden == f["hidden"])
        return stmt.group_by(fc.status).having(func.sum(fc.count) > 0)
    matching = _filtered(staff, f, with_status=False, stmt=select(Report.status))
    if capped(f):
        matching = matching.limit(COUNT_CAP + 1)
    base = matching.subquery()
    return select(base.c.status, func.count()).group_by(base.c.status)


def overdue_by_department(staff: StaffUser) -> dict[str, int]:
    """Open reports past their SLA due time, per department ('-' for none)."""
    s = session()
    late = _filtered(staff, {"overdue": True}, stmt=select(Report.department_id)).subquery()
    rows = s.execute(
        select(Department.code, func.count())
        .select_from(late)
        .outerjoin(Department, Department.id == late.c.department_id)
        .group_by(Department.code)
    )
    out = {code or "-": n for code, n in rows}
    s.rollback()
    return out


def map_points(staff: StaffUser, f: QueueFilters, *, limit: int) -> list[MapPoint]:
    """The newest `limit` reports of the same selection as the queue, as map points."""
    s = session()
    check_filters(s, staff, f)
    f = prepared(f)
    stmt = _filtered(
        staff,
        f,
        stmt=select(
            Report.id,
            Report.public_id,
            Report.status,
            Report.sla_due_at,
            func.ST_X(cast(Report.location, Geometry)),
            func.ST_Y(cast(Report.location, Geometry)),
        ),
    )
    now = utcnow()
    rows = s.execute(stmt.order_by(Report.requested_at.desc(), Report.id.desc()).limit(limit)).all()
    s.rollback()
    return [
        {
            "id": rid,
            "public_id": pid,
            "status": st,
            "lon": x,
            "lat": y,
            "overdue": st in OPEN_STATUSES and due is not None and due < now,
        }
        for rid, pid, st, due, x, y in rows
    ]
