"""Read models: what residents see of reports and services, localized, never personal data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from flask import current_app, has_request_context, request

from backend.cities.geography import Named
from backend.i18n import pick
from backend.models import Area, Jurisdiction, Photo, Report, ReportEvent, Service
from backend.report_words import entry_words
from geo.points import lonlat


@dataclass(frozen=True, slots=True)
class PhotoView:
    id: int
    url: str
    thumbnail_url: str | None


@dataclass(frozen=True, slots=True)
class ReportView:
    """A report as anyone may see it: no reporter identity or contact."""

    id: int
    public_id: str
    service_code: str
    service_name: str
    description: str
    status: str
    lat: float
    lon: float
    address: str | None
    jurisdiction: Named
    area: Named | None
    requested_at: datetime
    updated_at: datetime
    sla_due_at: datetime | None
    support_count: int
    #: The id of the report this was merged into (its public id in a report's detail).
    merged_into: int | str | None
    photos: list[PhotoView]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    kind: str
    at: datetime
    from_status: str | None
    to_status: str | None
    body: str | None
    by: str
    department: str | None


@dataclass(frozen=True, slots=True)
class OptionView:
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class QuestionView:
    code: str
    datatype: str
    required: bool
    order: int
    label: str
    hint: str | None
    options: list[OptionView]


@dataclass(frozen=True, slots=True)
class ServiceView:
    service_code: str
    name: str
    description: str
    group: Named | None
    keywords: list[str]
    sla_hours: int | None
    questions: list[QuestionView]


def location_of(report: Report) -> tuple[float, float]:
    """(lon, lat) of a report."""
    return lonlat(report.location)


def named(obj: Jurisdiction | Area | None, lang: str, fallback: str) -> Named | None:
    return None if obj is None else Named(obj.code, pick(obj.name, lang, fallback))


def report_fields(view: ReportView) -> dict[str, Any]:
    """The fields of a report view, shallow (to build a richer view from it)."""
    return {f.name: getattr(view, f.name) for f in fields(ReportView)}


def report_view(report: Report, lang: str) -> ReportView:
    """A report as anyone may see it: no reporter identity or contact."""
    fallback = report.jurisdiction.default_language
    lon, lat = location_of(report)
    return ReportView(
        id=report.id,
        public_id=report.public_id,
        service_code=report.service.code,
        service_name=pick(report.service.name, lang, fallback),
        description=report.description,
        status=report.status,
        lat=lat,
        lon=lon,
        address=report.address,
        jurisdiction=Named(report.jurisdiction.code, pick(report.jurisdiction.name, lang, fallback)),
        area=named(report.area, lang, fallback),
        requested_at=report.requested_at,
        updated_at=report.updated_at,
        sla_due_at=report.sla_due_at,
        support_count=report.support_count,
        merged_into=report.merged_into_id,
        photos=[photo_entry(p) for p in report.photos if p.state == "approved" and p.external_url is None],
    )


def public_report(report: Report, lang: str) -> dict[str, Any]:
    """The public view as a plain dict, for the staff detail (backend.triage), which extends it."""
    return asdict(report_view(report, lang))


def media_url(kind: str, name: str) -> str:
    """Absolute URL of a media file (PUBLIC_BASE_URL; in development without one, the request's host)."""
    base = current_app.config["HROMADA_SETTINGS"].public_base(request.host_url if has_request_context() else None)
    return f"{base}/media/{kind}/{name}.jpg"


def photo_entry(photo: Photo) -> PhotoView:
    return PhotoView(
        id=photo.id,
        url=media_url("photos", photo.name),
        thumbnail_url=media_url("thumbs", photo.name) if photo.has_thumbnail else None,
    )


def timeline_entry(event: ReportEvent, lang: str, fallback: str) -> TimelineEntry:
    """A public timeline entry with its public words in `lang`; staff appear as their department, never by name."""
    dept = event.actor_staff.department if event.actor_staff is not None else None
    return TimelineEntry(
        kind=event.kind,
        at=event.created_at,
        from_status=event.from_status,
        to_status=event.to_status,
        body=entry_words(event.kind, event.to_status, event.body, event.data, lang, fallback),
        by="staff" if event.actor_staff_id else "resident" if event.kind in ("created",) else "system",
        department=pick(dept.name, lang, fallback) if dept is not None else None,
    )


def service_entry(service: Service, lang: str, fallback: str) -> ServiceView:
    """A catalogue entry with its questions, in one language."""
    return ServiceView(
        service_code=service.code,
        name=pick(service.name, lang, fallback),
        description=pick(service.description, lang, fallback),
        group=None if service.group is None else Named(service.group.code, pick(service.group.name, lang, fallback)),
        keywords=service.keywords,
        sla_hours=service.sla_hours,
        questions=[
            QuestionView(
                code=q.code,
                datatype=q.datatype,
                required=q.required,
                order=q.position,
                label=pick(q.description, lang, fallback),
                hint=pick(q.hint, lang, fallback) or None,
                options=[OptionView(key=o["key"], name=pick(o["name"], lang, fallback)) for o in q.options],
            )
            for q in service.questions
        ],
    )
