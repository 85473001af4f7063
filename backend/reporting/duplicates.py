"""What "nearby" means, once: open, visible reports of the same service within the service's duplicate radius,
filed within its duplicate window. Offered before a report is filed (so a resident can say "me too" instead of
filing a duplicate) and answered with a filed report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.db import session
from backend.errors import BadQuery
from backend.i18n import choose_language, gettext
from backend.models import Device, Jurisdiction, Report, ReportSupport, Service, utcnow
from backend.reporting.presenters import PhotoView, report_view
from backend.vocabulary import label
from geo.locate import locate
from geo.nearby import similar_open_reports

#: How many nearby reports are offered at most.
NEARBY_LIMIT = 5


def similar_hits(s: Session, service: Service, lon: float, lat: float, exclude_id: int = 0) -> list[tuple[int, float]]:
    """(report id, distance in metres) of the open reports "nearby" a point for this service, nearest first."""
    return similar_open_reports(
        s,
        service_id=service.id,
        lon=lon,
        lat=lat,
        radius_m=service.duplicate_radius_m,
        since=utcnow() - timedelta(days=service.duplicate_window_days),
        exclude_id=exclude_id,
        limit=NEARBY_LIMIT,
    )


def reports_by_id(s: Session, ids: list[int]) -> dict[int, Report]:
    """The reports with what their public view shows loaded."""
    if not ids:
        return {}
    stmt = (
        select(Report)
        .where(Report.id.in_(ids))
        .options(
            selectinload(Report.service),
            selectinload(Report.jurisdiction),
            selectinload(Report.area),
            selectinload(Report.photos),
        )
    )
    return {r.id: r for r in s.scalars(stmt)}


@dataclass(frozen=True, slots=True)
class NearbyReport:
    """An open report near where a resident is about to file one: what may be shown publicly, and whether this
    device filed or supports it already (None without a device)."""

    id: int
    public_id: str
    service_code: str
    service_name: str
    status: str
    status_label: str
    description: str
    address: str | None
    lat: float
    lon: float
    requested_at: datetime
    support_count: int
    distance_m: float
    photo: PhotoView | None
    is_mine: bool | None
    supported: bool | None


@dataclass(frozen=True, slots=True)
class NearbyReports:
    service_code: str
    radius_m: int
    window_days: int
    items: list[NearbyReport]


def _offered(s: Session, lon: float, lat: float, service_code: str) -> tuple[Jurisdiction, Service]:
    """The municipality at the point and its active service with this code; refused (422 naming the parameter)."""
    where = locate(s, lon, lat)
    if where is None:
        raise BadQuery(gettext("This location is outside every municipality served here."), field="lat")
    service = s.scalars(
        select(Service).where(Service.jurisdiction_id == where.jurisdiction_id, Service.code == service_code)
    ).first()
    if service is None or not service.active:
        raise BadQuery(
            gettext("The service {code} is not offered at this location.", code=service_code[:64]),
            field="service_code",
        )
    return s.get_one(Jurisdiction, where.jurisdiction_id), service


def _item(report: Report, distance: float, lang: str, device: Device | None, supported: bool) -> NearbyReport:
    view = report_view(report, lang)
    return NearbyReport(
        id=view.id,
        public_id=view.public_id,
        service_code=view.service_code,
        service_name=view.service_name,
        status=view.status,
        status_label=label(view.status, lang, "report_status"),
        description=view.description,
        address=view.address,
        lat=view.lat,
        lon=view.lon,
        requested_at=view.requested_at,
        support_count=view.support_count,
        distance_m=round(distance, 1),
        photo=view.photos[0] if view.photos else None,
        is_mine=None if device is None else report.device_id == device.id,
        supported=None if device is None else supported,
    )


def nearby_before_filing(device: Device | None, lon: float, lat: float, service_code: str) -> NearbyReports:
    """The open reports of a service near a point that a new report there would duplicate, nearest first."""
    s = session()
    try:
        jurisdiction, service = _offered(s, lon, lat, service_code)
        lang = choose_language(device.locale if device else None, jurisdiction.languages, jurisdiction.default_language)
        hits = similar_hits(s, service, lon, lat)
        rows = reports_by_id(s, [rid for rid, _ in hits])
        supported: set[int] = set()
        if device is not None and hits:
            supported = set(
                s.scalars(
                    select(ReportSupport.report_id).where(
                        ReportSupport.device_id == device.id, ReportSupport.report_id.in_([rid for rid, _ in hits])
                    )
                )
            )
        items = [_item(rows[rid], distance, lang, device, rid in supported) for rid, distance in hits]
        return NearbyReports(service.code, service.duplicate_radius_m, service.duplicate_window_days, items)
    finally:
        s.rollback()
