"""The staff queue: filters, full text (simple + unaccent, pg_trgm for partial words), sorting, keyset
pagination, counts per status for the same filters (from the facet count table when it can answer),
and overdue counts per department."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from backend.db import session
from backend.errors import DomainError
from backend.i18n import gettext, pick
from backend.models import OPEN_STATUSES, Area, Department, Report, ReportFacetCount, Service, StaffUser, utcnow
from backend.services.views import public_report

SORTS = ("newest", "oldest", "due", "updated")


def _sort_key(sort: str) -> Any:
    return {"newest": Report.requested_at, "oldest": Report.requested_at, "updated": Report.updated_at,
            "due": Report.sla_due_at}[sort]


def _cursor(sort: str, report: Report) -> str:
    value = {"newest": report.requested_at, "oldest": report.requested_at, "updated": report.updated_at,
             "due": report.sla_due_at}[sort]
    return base64.urlsafe_b64encode(json.dumps([value.isoformat() if value else None, report.id]).encode()).decode()


def _decode(cursor: str) -> tuple[datetime | None, int]:
    try:
        value, rid = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return (datetime.fromisoformat(value) if value is not None else None), int(rid)
    except (ValueError, TypeError, AttributeError) as exc:
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


def _facet_filters(stmt: Select[Any], table: Any, staff: StaffUser, f: dict[str, Any]) -> Select[Any]:
    """Jurisdiction, department scope, service, department, area and priority filters on `table`
    (the reports, or the facet count table: both have these columns)."""
    stmt = stmt.where(table.jurisdiction_id == staff.jurisdiction_id)
    if staff.role == "department_staff":
        stmt = stmt.where(table.department_id == staff.department_id)
    for name, column, model in (("service", table.service_id, Service),
                                ("department", table.department_id, Department), ("area", table.area_id, Area)):
        if f.get(name):
            stmt = stmt.where(column.in_(select(model.id).where(model.jurisdiction_id == staff.jurisdiction_id,
                                                                model.code.in_(f[name]))))
    if f.get("priority"):
        stmt = stmt.where(table.priority.in_(f["priority"]))
    return stmt


def _filtered(staff: StaffUser, f: dict[str, Any], with_status: bool = True) -> Select[Any]:
    stmt = _facet_filters(select(Report), Report, staff, f)
    if with_status and f.get("status"):
        stmt = stmt.where(Report.status.in_(f["status"]))
    if f.get("overdue") is not None:
        late = and_(Report.status.in_(OPEN_STATUSES), Report.sla_due_at < utcnow())
        stmt = stmt.where(late if f["overdue"] else ~late)
    if f.get("since"):
        stmt = stmt.where(Report.requested_at >= f["since"])
    if f.get("until"):
        stmt = stmt.where(Report.requested_at < f["until"])
    if f.get("assignee_id"):
        stmt = stmt.where(Report.assignee_id == f["assignee_id"])
    if f.get("hidden") is not None:
        stmt = stmt.where(Report.hidden == f["hidden"])
    if f.get("q"):
        text_q = func.lower(func.unaccent(f["q"]))
        stmt = stmt.where(or_(Report.search_tsv.op("@@")(func.plainto_tsquery("simple", text_q)),
                              Report.search_text.like(func.concat("%", text_q, "%"))))
    return stmt


def queue(staff: StaffUser, f: dict[str, Any], *, sort: str, cursor: str | None, limit: int) -> dict[str, Any]:
    """One page of the queue and the counts for the same filters."""
    s = session()
    key = _sort_key(sort)
    descending = sort in ("newest", "updated")
    stmt = _filtered(staff, f).options(joinedload(Report.service), joinedload(Report.jurisdiction),
                                       joinedload(Report.area), joinedload(Report.department),
                                       selectinload(Report.photos))
    if cursor:
        stmt = stmt.where(_after(sort, *_decode(cursor)))
    order = (key.desc(), Report.id.desc()) if descending else (key.asc().nulls_last(), Report.id.asc())
    rows = list(s.scalars(stmt.order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    now = utcnow()
    items = []
    for r in rows:
        view = public_report(r, staff.locale)
        view.update({"priority": r.priority, "hidden": r.hidden, "assignee_id": r.assignee_id,
                     "overdue": r.status in OPEN_STATUSES and r.sla_due_at is not None and r.sla_due_at < now,
                     "department": None if r.department is None else {
                         "code": r.department.code, "name": pick(r.department.name, staff.locale,
                                                                 r.jurisdiction.default_language)}})
        items.append(view)
    counts = status_counts(staff, f)
    s.rollback()
    return {"items": items, "next_cursor": _cursor(sort, rows[-1]) if more and rows else None, "counts": counts}


#: Filters the facet count table can answer; any other filter makes the counts scan the reports.
FACETS = frozenset({"status", "service", "department", "area", "priority", "hidden"})


def status_counts(staff: StaffUser, f: dict[str, Any]) -> dict[str, int]:
    """Reports per status for these filters (the status filter itself aside)."""
    return {row[0]: int(row[1]) for row in session().execute(status_counts_stmt(staff, f))}


def status_counts_stmt(staff: StaffUser, f: dict[str, Any]) -> Select[Any]:
    """The facet table when it can answer these filters, else a scan of the matching reports."""
    used = {k for k, v in f.items() if v is not None and k != "status"}
    if not used <= FACETS:
        base = _filtered(staff, f, with_status=False).subquery()
        return select(base.c.status, func.count()).group_by(base.c.status)
    fc = ReportFacetCount
    stmt = _facet_filters(select(fc.status, func.sum(fc.count)), fc, staff, f)
    if f.get("hidden") is not None:
        stmt = stmt.where(fc.hidden == f["hidden"])
    return stmt.group_by(fc.status).having(func.sum(fc.count) > 0)


def overdue_by_department(staff: StaffUser) -> dict[str, int]:
    """Open reports past their SLA due time, per department ('-' for none)."""
    s = session()
    late = _filtered(staff, {"overdue": True}).subquery()
    rows = s.execute(select(Department.code, func.count()).select_from(late)
                     .outerjoin(Department, Department.id == late.c.department_id).group_by(Department.code))
    out = {code or "-": n for code, n in rows}
    s.rollback()
    return out
