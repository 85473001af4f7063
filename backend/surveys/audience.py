"""Who a survey is meant for, in one place: the devices its invitation reaches (those that take survey
notifications) and the devices that find it in their list are the same. The rule is the broadcasts' (`geo`): a
device is in an area through the places it saved and the places of the reports it filed, and in the municipality
also through the municipality it chose; nothing about where it is now. Which invitation reached a device is here
too: a response records it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select

from backend.models import Broadcast, Device, Notification, Service, Survey, utcnow
from geo.audiences import Target, members

#: A "reporters" survey without any of its services in the municipality reaches nobody (no service has id 0).
NO_SERVICE = (0,)


def audience_of(s: Any, survey: Survey, now: datetime | None = None) -> Target:
    """The survey's audience as a broadcast audience: its areas, or its municipality (for "reporters", only the
    devices that reported one of its services in the last `reporter_days`)."""
    if survey.audience == "areas":
        return Target("areas", survey.jurisdiction_id, tuple(survey.area_ids or ()))
    if survey.audience == "reporters":
        services = s.scalars(
            select(Service.id).where(
                Service.jurisdiction_id == survey.jurisdiction_id, Service.code.in_(survey.reporter_services or [])
            )
        )
        since = (now or utcnow()) - timedelta(days=survey.reporter_days or 90)
        return Target(
            "jurisdiction",
            survey.jurisdiction_id,
            reporter_service_ids=tuple(services) or NO_SERVICE,
            reporters_since=since,
        )
    return Target("jurisdiction", survey.jurisdiction_id)


def meant_for(s: Any, survey: Survey, device: Device) -> bool:
    """Whether the device is in the survey's audience."""
    return bool(s.scalar(select(exists().where(Device.id == device.id, members(audience_of(s, survey))))))


def invitation_reaching(s: Any, survey_id: int, device_id: int) -> int | None:
    """The first invitation to this survey version that has reached the device, if any (what a response records)."""
    return s.scalar(
        select(Notification.broadcast_id)
        .join(Broadcast, Broadcast.id == Notification.broadcast_id)
        .where(Broadcast.survey_id == survey_id, Notification.device_id == device_id)
        .order_by(Notification.created_at, Notification.id)
        .limit(1)
    )
