"""Residents' reports: submit (idempotent), read, follow, support; erasure by retention."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from geoalchemy2 import WKTElement
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, selectinload

from backend.db import session, unit_of_work
from backend.errors import Conflict, DomainError, NotFound
from backend.i18n import choose_language, gettext
from backend.models import (
    OPEN_STATUSES,
    STATUSES,
    Device,
    Jurisdiction,
    Report,
    ReportCounter,
    ReportEvent,
    ReportSupport,
    Resident,
    Service,
    utcnow,
)
from backend.outbox import add_event
from backend.services import counts
from backend.services.answers import check_answers
from backend.services.catalogue import locate_or_refuse
from backend.services.devices import delete_orphan_residents
from backend.services.sla import due_at
from backend.services.views import public_report, timeline_entry
from geo import addresses
from geo.nearby import similar_open_reports

MAX_DESCRIPTION = 4000


@dataclass(frozen=True)
class Submitted:
    report: dict[str, Any]
    nearby: list[dict[str, Any]]
    replayed: bool


def body_digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _language(device: Device, jurisdiction: Jurisdiction) -> str:
    return choose_language(device.locale, jurisdiction.languages, jurisdiction.default_language)


def _next_public_id(s: Session, jurisdiction: Jurisdiction) -> str:
    year = utcnow().astimezone(ZoneInfo(jurisdiction.timezone)).year
    stmt = pg_insert(ReportCounter).values(jurisdiction_id=jurisdiction.id, year=year, last_number=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ReportCounter.jurisdiction_id, ReportCounter.year],
        set_={"last_number": ReportCounter.last_number + 1},
    ).returning(ReportCounter.last_number)
    number = s.execute(stmt).scalar_one()
    return f"{jurisdiction.report_prefix}-{year}-{number:06d}"


def _nearby(s: Session, report: Report, lon: float, lat: float, lang: str) -> list[dict[str, Any]]:
    service = report.service
    hits = similar_open_reports(
        s,
        service_id=service.id,
        lon=lon,
        lat=lat,
        radius_m=service.duplicate_radius_m,
        since=utcnow() - timedelta(days=service.duplicate_window_days),
        exclude_id=report.id or 0,
    )
    if not hits:
        return []
    rows = {
        r.id: r
        for r in s.scalars(
            select(Report).where(Report.id.in_([h[0] for h in hits])).options(selectinload(Report.photos))
        )
    }
    return [{**public_report(rows[rid], lang), "distance_m": round(dist, 1)} for rid, dist in hits]


def submit(device: Device, data: dict[str, Any], idempotency_key: str | None = None) -> Submitted:
    """File a report from a device. With an idempotency key, a repeat returns the first report."""
    s = session()
    digest = body_digest(data)
    if idempotency_key:
        # Serialise requests with the same key from the same device; a concurrent repeat waits here
        # until the first commits, then finds its report.
        s.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"{device.id}:{idempotency_key}", 0))))
        existing = s.scalars(
            select(Report).where(Report.device_id == device.id, Report.idempotency_key == idempotency_key)
        ).first()
        if existing is not None:
            if existing.idempotency_hash != digest:
                s.rollback()
                raise DomainError(
                    gettext("This Idempotency-Key was already used for a different request."), field="Idempotency-Key"
                )
            lang = _language(device, existing.jurisdiction)
            view = public_report(existing, lang)
            result = Submitted(view, _nearby(s, existing, view["lon"], view["lat"], lang), True)
            s.rollback()
            return result
    try:
        data = place(s, data)
        report, lang = create_report(s, device, data, digest=digest, idempotency_key=idempotency_key)
        nearby = _nearby(s, report, data["lon"], data["lat"], lang)
        view = public_report(report, lang)
        s.commit()
    except BaseException:
        s.rollback()
        raise
    return Submitted(view, nearby, False)


def place(s: Session, data: dict[str, Any]) -> dict[str, Any]:
    """Coordinates from the address register when only an address was sent; else the nearest address."""
    if data.get("lat") is None or data.get("lon") is None:
        hit = addresses.search(s, data.get("address") or "")
        if hit is None:
            raise DomainError(gettext("No known address matches; send the location (lat, lon)."), field="address")
        return {**data, "lon": hit.lon, "lat": hit.lat, "address": hit.label}
    if not data.get("address"):
        hit = addresses.nearest(s, data["lon"], data["lat"])
        if hit is not None:
            return {**data, "address": hit.label}
    return data


def create_report(
    s: Session,
    device: Device | None,
    data: dict[str, Any],
    *,
    channel: str = "app",
    digest: str | None = None,
    idempotency_key: str | None = None,
    token: str | None = None,
) -> tuple[Report, str]:
    """Create a report in the caller's transaction (from the app, or Open311 without a device)."""
    lon, lat = data["lon"], data["lat"]
    loc, jurisdiction = locate_or_refuse(lon, lat)
    service = s.scalars(
        select(Service)
        .where(Service.jurisdiction_id == jurisdiction.id, Service.code == data["service_code"])
        .options(selectinload(Service.questions))
    ).first()
    if service is None or not service.active:
        raise DomainError(
            gettext("The service {code} is not offered at this location.", code=data["service_code"]),
            field="service_code",
        )
    answers = check_answers(service.questions, data.get("answers"))
    lang = choose_language(
        device.locale if device else data.get("locale"), jurisdiction.languages, jurisdiction.default_language
    )
    reporter = _reporter(s, device, data.get("contact"), bool(data.get("anonymous")), lang)
    now = utcnow()
    report = Report(
        public_id=_next_public_id(s, jurisdiction),
        jurisdiction_id=jurisdiction.id,
        area_id=loc.area_id,
        service_id=service.id,
        department_id=service.department_id,
        description=data.get("description") or "",
        location=WKTElement(f"POINT({lon} {lat})", srid=4326),
        address=data.get("address"),
        answers=answers,
        status="submitted",
        priority="normal",
        locale=lang,
        channel=channel,
        reporter_id=reporter,
        device_id=device.id if device else None,
        anonymous=bool(data.get("anonymous")),
        idempotency_key=idempotency_key,
        open311_token=token,
        idempotency_hash=digest if idempotency_key else None,
        requested_at=now,
        updated_at=now,
        sla_due_at=due_at(
            now,
            service.sla_hours,
            service.sla_working_hours,
            jurisdiction.timezone,
            jurisdiction.settings.get("country"),
        ),
    )
    report.service, report.jurisdiction = service, jurisdiction
    s.add(report)
    s.flush()
    s.add(
        ReportEvent(
            report_id=report.id,
            kind="created",
            to_status="submitted",
            actor_device_id=device.id if device else None,
            created_at=now,
        )
    )
    counts.track(s, report.id, +1)
    add_event(s, "report.submitted", {"report_id": report.id})
    return report, lang


def _reporter(
    s: Session, device: Device | None, contact: dict[str, Any] | None, anonymous: bool, lang: str
) -> int | None:
    """The resident behind the report: contact data kept with the device (if any) unless anonymous."""
    contact = {k: v for k, v in (contact or {}).items() if v}
    if anonymous:
        return None
    if contact:
        resident = device.resident if device else None
        if resident is None:
            resident = Resident(locale=device.locale if device else lang)
            s.add(resident)
            if device is not None:
                device.resident = resident
        for key in ("name", "email", "phone"):
            if key in contact:
                setattr(resident, key, contact[key])
        s.flush()
        return resident.id
    return device.resident_id if device else None


def find_visible(s: Session, report_ref: str) -> Report:
    """A report by numeric id or public id, if the public may see it."""
    stmt = select(Report).options(
        selectinload(Report.service),
        selectinload(Report.jurisdiction),
        selectinload(Report.area),
        selectinload(Report.photos),
    )
    if report_ref.isdigit() and len(report_ref) <= 18:
        stmt = stmt.where(Report.id == int(report_ref))
    elif len(report_ref) <= 32:
        stmt = stmt.where(Report.public_id == report_ref.upper())
    else:
        raise NotFound(gettext("Not found."))
    report = s.scalars(stmt).first()
    if report is None or report.hidden:
        raise NotFound(gettext("Not found."))
    return report


def public_detail(report_ref: str, device: Device | None) -> dict[str, Any]:
    """A report's public detail with its public timeline."""
    s = session()
    report = find_visible(s, report_ref)
    lang = choose_language(
        device.locale if device else None, report.jurisdiction.languages, report.jurisdiction.default_language
    )
    events = s.scalars(
        select(ReportEvent)
        .where(
            ReportEvent.report_id == report.id,
            ReportEvent.public,
            ReportEvent.kind.in_(("created", "status", "reply", "merged")),
        )
        .options(selectinload(ReportEvent.actor_staff))
        .order_by(ReportEvent.created_at, ReportEvent.id)
    ).all()
    view = public_report(report, lang)
    view["timeline"] = [timeline_entry(e, lang, report.jurisdiction.default_language) for e in events]
    if report.merged_into_id:
        target = s.get(Report, report.merged_into_id)
        view["merged_into"] = target.public_id if target else None
    if device is not None:
        view["is_mine"] = report.device_id == device.id
        view["supported"] = s.get(ReportSupport, (report.id, device.id)) is not None
    s.rollback()
    return view


def my_reports(device: Device, *, limit: int, before: int | None) -> dict[str, Any]:
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
    items = [public_report(r, _language(device, r.jurisdiction)) for r in rows]
    s.rollback()
    return {"items": items, "next_before": rows[-1].id if more else None}


def support(device: Device, report_ref: str) -> dict[str, Any]:
    """ "Me too": one support per device; repeating it changes nothing."""
    with unit_of_work() as s:
        report = find_visible(s, report_ref)
        if report.device_id == device.id:
            raise Conflict(gettext("You cannot support your own report."))
        if report.status not in OPEN_STATUSES:
            raise Conflict(gettext("This report is no longer open."))
        inserted = s.execute(
            pg_insert(ReportSupport)
            .values(report_id=report.id, device_id=device.id)
            .on_conflict_do_nothing()
            .returning(ReportSupport.report_id)
        ).first()
        if inserted is not None:
            s.execute(update(Report).where(Report.id == report.id).values(support_count=Report.support_count + 1))
            s.execute(
                insert(ReportEvent).values(
                    report_id=report.id, kind="supported", public=False, actor_device_id=device.id, created_at=utcnow()
                )
            )
        s.refresh(report)
        count = report.support_count
    return {"report_id": report.id, "supported": True, "support_count": count}


def withdraw_support(device: Device, report_ref: str) -> dict[str, Any]:
    """Withdraw a "me too"; withdrawing twice changes nothing."""
    with unit_of_work() as s:
        report = find_visible(s, report_ref)
        removed = s.execute(
            delete(ReportSupport).where(ReportSupport.report_id == report.id, ReportSupport.device_id == device.id)
        ).rowcount
        if removed:
            s.execute(
                update(Report)
                .where(Report.id == report.id)
                .values(support_count=func.greatest(Report.support_count - 1, 0))
            )
        s.refresh(report)
        count = report.support_count
    return {"report_id": report.id, "supported": False, "support_count": count}


STATUS_TIMES = {"acknowledged": "acknowledged_at", "resolved": "resolved_at", "closed": "closed_at"}


def record_status(
    s: Session, report: Report, to_status: str, *, staff_id: int | None = None, body: str | None = None
) -> None:
    """Move a report to a status inside the caller's transaction: times, timeline, map counts, outbox."""
    if to_status not in STATUSES or to_status == report.status:
        return
    now = utcnow()
    with counts.recount(s, report):
        from_status, report.status, report.updated_at = report.status, to_status, now
        column = STATUS_TIMES.get(to_status)
        if column and getattr(report, column) is None:
            setattr(report, column, now)
        if to_status == "closed" and report.resolved_at is None:
            report.resolved_at = now
    s.add(
        ReportEvent(
            report_id=report.id,
            kind="status",
            from_status=from_status,
            to_status=to_status,
            actor_staff_id=staff_id,
            body=body,
            created_at=now,
        )
    )
    if to_status == "resolved":
        from backend.services import feedback

        feedback.schedule(s, report)
    add_event(s, "report.status_changed", {"report_id": report.id, "from": from_status, "to": to_status, "body": body})


def reopen_by_resident(s: Session, report: Report, comment: str | None) -> None:
    """A resident said "not fixed": back to in progress, a new SLA clock from now (as a staff reopening)."""
    service, jurisdiction = report.service, report.jurisdiction
    report.resolved_at = report.closed_at = None
    report.sla_due_at = due_at(
        utcnow(),
        service.sla_hours,
        service.sla_working_hours,
        jurisdiction.timezone,
        jurisdiction.settings.get("country"),
    )
    record_status(s, report, "in_progress")


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


def apply_retention(default_months: int) -> int:
    """Unlink reporters from reports closed longer ago than the retention period; returns how many."""
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
                    Report.closed_at < cutoff,
                    Report.reporter_id.is_not(None),
                )
                .values(reporter_id=None, anonymised_at=now)
                .returning(Report.id)
            )
            total += len(result.all())
        delete_orphan_residents(s)
    return total
