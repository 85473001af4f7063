"""App installs: registration, bearer-token authentication, settings and erasure."""

from __future__ import annotations

from datetime import timedelta
from typing import TypedDict

from sqlalchemy import select

from backend.db import session, unit_of_work
from backend.errors import DomainError
from backend.i18n import gettext, normalise
from backend.models import Device, Jurisdiction, utcnow
from backend.residents.erasure import forget
from backend.security import digest, new_token

SEEN_RESOLUTION = timedelta(minutes=30)


class SettingsChange(TypedDict, total=False):
    """What a device changes of its settings; a key left out keeps its setting, None clears it."""

    locale: str
    push_token: str | None
    jurisdiction: str | None


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


def erase(device_id: int) -> None:
    """Erase me: contact data, the device with its token, places, inbox and supports; my reports stay, unlinked
    (`backend.residents.erasure.forget`, which the staff's erasure on a person's request runs too)."""
    with unit_of_work() as s:
        device = s.get_one(Device, device_id, with_for_update=True)
        forget(s, [device.id], [device.resident_id] if device.resident_id is not None else [])
