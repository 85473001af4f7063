"""Residents' reports: submit (idempotent), read, follow, support; erasure by retention."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, NotRequired, TypedDict
from zoneinfo import ZoneInfo

from geoalchemy2 import WKTElement
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, selectinload

from backend.cities.geography import locate_or_refuse
from backend.db import session
from backend.errors import DomainError
from backend.i18n import choose_language, gettext
from backend.models import (
    Device,
    Jurisdiction,
    Report,
    ReportCounter,
    ReportEvent,
    Resident,
    Service,
    utcnow,
)
from backend.outbox import add_event
from backend.reporting import counts
from backend.reporting.answers import check_answers
from backend.reporting.duplicates import reports_by_id, similar_hits
from backend.reporting.presenters import ReportView, location_of, report_fields, report_view
from backend.reporting.sla import due_for
from backend.vocabulary import Channel
from geo import addresses

MAX_DESCRIPTION = 4000


class ContactData(TypedDict, total=False):
    name: str | None
    email: str | None
    phone: str | None


class _ReportFields(TypedDict):
    service_code: str
    description: NotRequired[str | None]
    address: NotRequired[str | None]
    answers: NotRequired[dict[str, Any] | None]
    contact: NotRequired[ContactData | None]
    anonymous: NotRequired[bool]
    #: The language of a report filed without a device (Open311).
    locale: NotRequired[str]


class ReportData(_ReportFields):
    """A report as it is submitted (the app's body, or an Open311 request); hashed for idempotency as it is.
    Without lat/lon, `address` places it."""

    lat: float | None
    lon: float | None


class PlacedReport(_ReportFields):
    """A submitted report with its point (from the address register when only an address was sent)."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class NearbyView(ReportView):
    """A similar open report near a new one (offered for "me too")."""

    distance_m: float


@dataclass(frozen=True, slots=True)
class SubmittedReport(ReportView):
    nearby: list[NearbyView]


@dataclass(frozen=True, slots=True)
class Submitted:
    report: SubmittedReport
    replayed: bool


def body_digest(data: ReportData) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _language(device: Device, jurisdiction: Jurisdiction) -> str:
    return choose_language(device.locale, jurisdiction.languages, jurisdiction.default_language)


def _next_public_id(s: Session, jurisdiction: Jurisdiction) -> str:
    year = utcnow().astimezone(ZoneInfo(jurisdiction.timezone)).year
    insert_first = pg_insert(ReportCounter).values(jurisdiction_id=jurisdiction.id, year=year, last_number=1)
    stmt = insert_first.on_conflict_do_update(
        index_elements=[ReportCounter.jurisdiction_id, ReportCounter.year],
        set_={"last_number": ReportCounter.last_number + 1},
    ).returning(ReportCounter.last_number)
    number = s.execute(stmt).scalar_one()
    return f"{jurisdiction.report_prefix}-{year}-{number:06d}"


def nearby_views(s: Session, report: Report, lon: float, lat: float, lang: str) -> list[NearbyView]:
    """Similar open reports near a report (same service, within its duplicate radius and window)."""
    hits = similar_hits(s, report.service, lon, lat, exclude_id=report.id or 0)
    rows = reports_by_id(s, [h[0] for h in hits])
    return [NearbyView(**report_fields(report_view(rows[rid], lang)), distance_m=round(dist, 1)) for rid, dist in hits]


def nearby_reports(s: Session, report: Report, lon: float, lat: float, lang: str) -> list[dict[str, Any]]:
    """The nearby reports as plain dicts, for the staff detail (backend.triage)."""
    return [asdict(v) for v in nearby_views(s, report, lon, lat, lang)]


def _submitted(s: Session, report: Report, lon: float, lat: float, lang: str) -> SubmittedReport:
    view = report_view(report, lang)
    return SubmittedReport(**report_fields(view), nearby=nearby_views(s, report, lon, lat, lang))


def submit(device: Device, data: ReportData, idempotency_key: str | None = None) -> Submitted:
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
            lon, lat = location_of(existing)
            result = Submitted(_submitted(s, existing, lon, lat, _language(device, existing.jurisdiction)), True)
            s.rollback()
            return result
    try:
        placed = place_report(s, data)
        report, lang = file_report(s, device, placed, digest=digest, idempotency_key=idempotency_key)
        view = _submitted(s, report, placed["lon"], placed["lat"], lang)
        s.commit()
    except BaseException:
        s.rollback()
        raise
    return Submitted(view, False)


def place_report(s: Session, data: ReportData) -> PlacedReport:
    """Coordinates from the address register when only an address was sent; else the nearest address."""
    lon, lat, address = data["lon"], data["lat"], data.get("address")
    if lat is None or lon is None:
        hit = addresses.search(s, address or "")
        if hit is None:
            raise DomainError(gettext("No known address matches; send the location (lat, lon)."), field="address")
        lon, lat, address = hit.lon, hit.lat, hit.label
    elif not address:
        hit = addresses.nearest(s, lon, lat)
        address = hit.label if hit is not None else address
    return {**data, "lon": lon, "lat": lat, "address": address}


def file_report(
    s: Session,
    device: Device | None,
    data: PlacedReport,
    *,
    channel: str | None = None,
    digest: str | None = None,
    idempotency_key: str | None = None,
    token: str | None = None,
) -> tuple[Report, str]:
    """Create a report in the caller's transaction (from the app, or Open311 without a device)."""
    lon, lat = data["lon"], data["lat"]
    loc, jurisdiction = locate_or_refuse(lon, lat)
    service = _offered_service(s, jurisdiction, data["service_code"])
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
        channel=channel or channel_of(device),
        reporter_id=reporter,
        device_id=device.id if device else None,
        anonymous=bool(data.get("anonymous")),
        idempotency_key=idempotency_key,
        open311_token=token,
        idempotency_hash=digest if idempotency_key else None,
        requested_at=now,
        updated_at=now,
    )
    report.service, report.jurisdiction = service, jurisdiction
    report.sla_due_at = due_for(report, now)
    s.add(report)
    s.flush()
    _record_created(s, report, device, now)
    return report, lang


def channel_of(device: Device | None) -> str:
    """How a resident's own report reached the city: the website for a device the website registered (platform
    "web"), else the app. The other channels (Open311, imports, staff) are set by the server path that files the
    report; no client can claim them."""
    return Channel.WEB if device is not None and device.platform == "web" else Channel.APP


def _offered_service(s: Session, jurisdiction: Jurisdiction, code: str) -> Service:
    """The service with this code in the jurisdiction (with its questions), if it is offered; refused otherwise."""
    service = s.scalars(
        select(Service)
        .where(Service.jurisdiction_id == jurisdiction.id, Service.code == code)
        .options(selectinload(Service.questions))
    ).first()
    if service is None or not service.active:
        raise DomainError(
            gettext("The service {code} is not offered at this location.", code=code),
            field="service_code",
        )
    return service


def _record_created(s: Session, report: Report, device: Device | None, now: datetime) -> None:
    """The new report's `created` event, its place in the counts and the outbox event `report.submitted`."""
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


def _reporter(s: Session, device: Device | None, given: ContactData | None, anonymous: bool, lang: str) -> int | None:
    """The resident behind the report: contact data kept with the device (if any) unless anonymous."""
    contact = {k: v for k, v in (given or {}).items() if v}
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
