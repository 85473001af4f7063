"""Read models: what residents see of reports and services, localized, never personal data."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request

from backend.i18n import pick
from backend.models import Area, Jurisdiction, Photo, Report, ReportEvent, Service
from geo.points import lonlat


def location_of(report: Report) -> tuple[float, float]:
    """(lon, lat) of a report."""
    return lonlat(report.location)


def named(obj: Jurisdiction | Area | None, lang: str, fallback: str) -> dict[str, str] | None:
    return None if obj is None else {"code": obj.code, "name": pick(obj.name, lang, fallback)}


def public_report(report: Report, lang: str) -> dict[str, Any]:
    """A report as anyone may see it: no reporter identity or contact."""
    fallback = report.jurisdiction.default_language
    lon, lat = location_of(report)
    return {
        "id": report.id,
        "public_id": report.public_id,
        "service_code": report.service.code,
        "service_name": pick(report.service.name, lang, fallback),
        "description": report.description,
        "status": report.status,
        "lat": lat,
        "lon": lon,
        "address": report.address,
        "jurisdiction": named(report.jurisdiction, lang, fallback),
        "area": named(report.area, lang, fallback),
        "requested_at": report.requested_at,
        "updated_at": report.updated_at,
        "sla_due_at": report.sla_due_at,
        "support_count": report.support_count,
        "merged_into": report.merged_into_id,
        "photos": [photo_entry(p) for p in report.photos if p.state == "approved" and p.external_url is None],
    }


def media_url(kind: str, name: str) -> str:
    """Absolute URL of a media file (PUBLIC_BASE_URL, else the request's host)."""
    base = current_app.config["HROMADA_SETTINGS"].PUBLIC_BASE_URL or (
        request.host_url if has_request_context() else "/"
    )
    return f"{base.rstrip('/')}/media/{kind}/{name}.jpg"


def photo_entry(photo: Photo) -> dict[str, Any]:
    return {
        "id": photo.id,
        "url": media_url("photos", photo.name),
        "thumbnail_url": media_url("thumbs", photo.name) if photo.has_thumbnail else None,
    }


def timeline_entry(event: ReportEvent, lang: str, fallback: str) -> dict[str, Any]:
    """A public timeline entry; staff appear as their department, never by name."""
    dept = event.actor_staff.department if event.actor_staff is not None else None
    return {
        "kind": event.kind,
        "at": event.created_at,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "body": event.body if event.kind == "reply" else None,
        "by": "staff" if event.actor_staff_id else "resident" if event.kind in ("created",) else "system",
        "department": pick(dept.name, lang, fallback) if dept is not None else None,
    }


def service_entry(service: Service, lang: str, fallback: str) -> dict[str, Any]:
    """A catalogue entry with its questions, in one language."""
    return {
        "service_code": service.code,
        "name": pick(service.name, lang, fallback),
        "description": pick(service.description, lang, fallback),
        "group": None
        if service.group is None
        else {"code": service.group.code, "name": pick(service.group.name, lang, fallback)},
        "keywords": service.keywords,
        "sla_hours": service.sla_hours,
        "questions": [
            {
                "code": q.code,
                "datatype": q.datatype,
                "required": q.required,
                "order": q.position,
                "label": pick(q.description, lang, fallback),
                "hint": pick(q.hint, lang, fallback) or None,
                "options": [{"key": o["key"], "name": pick(o["name"], lang, fallback)} for o in q.options],
            }
            for q in service.questions
        ],
    }
