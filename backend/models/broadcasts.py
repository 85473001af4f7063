"""Places residents follow, broadcasts to the residents of places, and the waste-collection calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geography, Geometry
from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow

AUDIENCES = ("jurisdiction", "areas", "polygon", "radius")
BROADCAST_STATES = ("scheduled", "sending", "sent", "cancelled", "expired")
#: The waste fractions: the one list the waste calendar, its reminders and a city's catalogue (a list question
#: marked `waste_fractions`, checked when the city is loaded) use.
WASTE_FRACTIONS = ("mixed", "paper", "plastics_metal", "glass", "bio", "bulky")


class DevicePlace(Base):
    """A place a device follows (home, work): opt-in, saved by the resident, never tracked."""

    __tablename__ = "device_places"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(60))
    location: Mapped[Any] = mapped_column(Geography("POINT", srid=4326, spatial_index=False))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    #: lower(unaccent(street)) of the nearest address (for street-based waste collection), if any near.
    street_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_device_places_device", "device_id"),
        Index("ix_device_places_area", "area_id", "device_id"),
        Index("ix_device_places_location", "location", postgresql_using="gist"),
    )


class Broadcast(Base):
    """A message to the residents of a jurisdiction, of areas, of a drawn polygon or around a point."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(16))
    audience: Mapped[str] = mapped_column(String(12))
    area_ids: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
    shape: Mapped[Any | None] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False))
    center: Mapped[Any | None] = mapped_column(Geography("POINT", srid=4326, spatial_index=False))
    radius_m: Mapped[float | None]
    #: {"pl": {"title": …, "body": …}, …}; the jurisdiction's default language is always present.
    texts: Mapped[dict[str, dict[str, str]]] = mapped_column(JSONB)
    private: Mapped[bool] = mapped_column(default=False)
    send_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    #: Fan-out progress: devices are taken in id order, this is the last id done.
    fanout_after: Mapped[int] = mapped_column(BigInteger, default=0)
    targeted: Mapped[int] = mapped_column(default=0)
    progress_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: An invitation to this survey (the push opens it in the app).
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    #: At most this many devices per minute (invitations: residents do not all open the survey at once).
    per_minute: Mapped[int | None]
    #: Only devices that reported one of these services since `reporters_since` (a survey's audience).
    reporter_service_ids: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
    reporters_since: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("audience IN ('jurisdiction','areas','polygon','radius')", name="audience_known"),
        CheckConstraint("status IN ('scheduled','sending','sent','cancelled','expired')", name="status_known"),
        Index("ix_broadcasts_due", "send_at", postgresql_where="status IN ('scheduled','sending')"),
        Index("ix_broadcasts_jurisdiction", "jurisdiction_id", "send_at"),
    )


class WasteCollection(Base):
    """One collection day of one waste fraction, for an area or for a street."""

    __tablename__ = "waste_collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    street: Mapped[str | None] = mapped_column(String(200))
    street_key: Mapped[str | None] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date)
    fraction: Mapped[str] = mapped_column(String(16))

    __table_args__ = (
        CheckConstraint("(area_id IS NULL) <> (street_key IS NULL)", name="area_or_street"),
        CheckConstraint(f"fraction IN ({', '.join(repr(f) for f in WASTE_FRACTIONS)})", name="fraction_known"),
        Index("ix_waste_collections_day", "jurisdiction_id", "day"),
        Index("ix_waste_collections_area", "area_id", "day"),
        Index("ix_waste_collections_street", "jurisdiction_id", "street_key", "day"),
    )


class WasteReminder(Base):
    """The evening-before reminders sent for one jurisdiction and collection day (sent once)."""

    __tablename__ = "waste_reminders"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    notifications: Mapped[int] = mapped_column(default=0)
    note: Mapped[str | None] = mapped_column(Text)
