"""App installs: registration, bearer-token authentication, settings, export and erasure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import delete, exists, func, select, update

from backend.db import session, unit_of_work
from backend.errors import DomainError
from backend.i18n import gettext, normalise
from backend.models import (
    Device,
    Jurisdiction,
    Notification,
    Report,
    ReportEvent,
    ReportSupport,
    Resident,
    utcnow,
)
from backend.residents.places import PlaceView, places
from backend.security import digest, new_token
from geo.points import lonlat

SEEN_RESOLUTION = timedelta(minutes=30)


class SettingsChange(TypedDict, total=False):
    """What a device changes of its settings; a key left out keeps its setting, None clears it."""

    locale: str
    push_token: str | None
    jurisdiction: str | None


class DeviceExport(TypedDict):
    id: int
    platform: str
    locale: str
    has_push_token: bool
    created_at: datetime
    last_seen_at: datetime | None


class ContactExport(TypedDict):
    name: str | None
    email: str | None
    phone: str | None


class ReportExport(TypedDict):
    public_id: str
    service_code: str
    description: str
    status: str
    lon: float
    lat: float
    address: str | None
    answers: dict[str, Any]
    anonymous: bool
    requested_at: datetime
    with_contact: bool


class SupportExport(TypedDict):
    report_id: int
    created_at: datetime


class NotificationExport(TypedDict):
    kind: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class PlaceExport(TypedDict):
    label: str
    lon: float
    lat: float
    jurisdiction: str
    area: str | None
    created_at: datetime


class Export(TypedDict):
    """Everything stored about a device and its resident (data portability; a JSON document)."""

    device: DeviceExport
    contact: ContactExport | None
    reports: list[ReportExport]
    supports: list[SupportExport]
    places: list[PlaceExport]
    notification_topics: list[str]
    notifications: list[NotificationExport]


def register(platform: str, locale: str, push_token: str | None) -> tuple[Device, str]:
    """Register an install; returns the device and its bearer token (shown only this once)."""
    lang = normalise(locale)
    if lang is None:
        raise DomainError(gettext("Unsupported language; one of pl, uk, en."), field="locale")
    token = new_token("hd_")
    with unit_of_work() as s:
        device = Device(
            platform=platform,
            locale=lang,
            token_hash=digest(token),
            push_token=push_token,
            push_token_updated_at=utcnow() if push_token else None,
            last_seen_at=utcnow(),
        )
        s.add(device)
    return device, token


def authenticate(token: str) -> Device | None:
    """The active device holding this token, or None."""
    s = session()
    device = s.scalars(select(Device).where(Device.token_hash == digest(token), Device.revoked_at.is_(None))).first()
    if device is not None and (device.last_seen_at is None or device.last_seen_at < utcnow() - SEEN_RESOLUTION):
        device.last_seen_at = utcnow()
        s.commit()
    return device


def update_settings(device_id: int, changes: SettingsChange) -> Device:
    """Rotate the push token (None clears it), change the language, choose the municipality."""
    with unit_of_work() as s:
        device = s.get_one(Device, device_id, with_for_update=True)
        if "locale" in changes:
            lang = normalise(changes["locale"])
            if lang is None:
                raise DomainError(gettext("Unsupported language; one of pl, uk, en."), field="locale")
            device.locale = lang
        if "jurisdiction" in changes:
            code = changes["jurisdiction"]
            found = None if code is None else s.scalars(select(Jurisdiction).where(Jurisdiction.code == code)).first()
            if code is not None and found is None:
                raise DomainError(gettext("Unknown municipality."), field="jurisdiction")
            device.jurisdiction = found
        if "push_token" in changes and changes["push_token"] != device.push_token:
            device.push_token = changes["push_token"]
            device.push_token_updated_at = utcnow()
        device.updated_at = utcnow()
    return device


def export(device_id: int) -> Export:
    """Everything stored about this device and its resident (data portability)."""
    s = session()
    device = s.get_one(Device, device_id)
    saved = [_place_export(p) for p in places(device)]  # reads in its own transaction: first
    resident = device.resident
    reports = s.scalars(select(Report).where(Report.device_id == device_id).order_by(Report.requested_at)).all()
    supports = s.scalars(select(ReportSupport).where(ReportSupport.device_id == device_id)).all()
    return {
        "device": {
            "id": device.id,
            "platform": device.platform,
            "locale": device.locale,
            "has_push_token": device.push_token is not None,
            "created_at": device.created_at,
            "last_seen_at": device.last_seen_at,
        },
        "contact": None
        if resident is None
        else {"name": resident.name, "email": resident.email, "phone": resident.phone},
        "reports": [_report_export(r) for r in reports],
        "supports": [{"report_id": x.report_id, "created_at": x.created_at} for x in supports],
        "places": saved,
        "notification_topics": list(device.topics or []),
        "notifications": [
            {"kind": n.kind, "title": n.title, "body": n.body, "created_at": n.created_at, "read_at": n.read_at}
            for n in s.scalars(
                select(Notification).where(Notification.device_id == device_id).order_by(Notification.id)
            )
        ],
    }


def _place_export(p: PlaceView) -> PlaceExport:
    area = None if p.area is None else p.area.code
    return {
        "label": p.label,
        "lon": p.lon,
        "lat": p.lat,
        "jurisdiction": p.jurisdiction.code,
        "area": area,
        "created_at": p.created_at,
    }


def _report_export(r: Report) -> ReportExport:
    lon, lat = lonlat(r.location)
    return {
        "public_id": r.public_id,
        "service_code": r.service.code,
        "description": r.description,
        "status": r.status,
        "lon": lon,
        "lat": lat,
        "address": r.address,
        "answers": r.answers,
        "anonymous": r.anonymous,
        "requested_at": r.requested_at,
        "with_contact": r.reporter_id is not None,
    }


def erase(device_id: int) -> None:
    """Erase me: contact data, the device with its token, places, inbox and supports; my reports stay, unlinked.

    Supports are withdrawn (each report's count goes down by one), so a count never includes a person who
    asked to be forgotten and always equals the supports stored."""
    now = utcnow()
    with unit_of_work() as s:
        device = s.get_one(Device, device_id, with_for_update=True)
        resident_id = device.resident_id
        mine = (
            (Report.device_id == device_id) | (Report.reporter_id == resident_id)
            if resident_id
            else (Report.device_id == device_id)
        )
        s.execute(update(Report).where(mine).values(reporter_id=None, device_id=None, anonymised_at=now))
        s.execute(update(ReportEvent).where(ReportEvent.actor_device_id == device_id).values(actor_device_id=None))
        supported = s.scalars(
            delete(ReportSupport).where(ReportSupport.device_id == device_id).returning(ReportSupport.report_id)
        ).all()
        if supported:
            s.execute(
                update(Report)
                .where(Report.id.in_(supported))
                .values(support_count=func.greatest(Report.support_count - 1, 0))
            )
        # Places, the inbox and its deliveries go with the device row (ON DELETE CASCADE); photos lose the link.
        s.delete(device)
        s.flush()
        if resident_id is not None:
            delete_orphan_residents(s, [resident_id])


def delete_orphan_residents(s: Any, ids: list[int] | None = None) -> int:
    """Delete residents no device or report refers to any more (optionally only among `ids`)."""
    stmt = delete(Resident).where(
        ~exists().where(Device.resident_id == Resident.id), ~exists().where(Report.reporter_id == Resident.id)
    )
    if ids is not None:
        stmt = stmt.where(Resident.id.in_(ids))
    return s.execute(stmt).rowcount or 0
