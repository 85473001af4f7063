"""Residents and their app installs (devices)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, TimestampMixin

PLATFORMS = ("android", "ios", "web")


class Resident(TimestampMixin, Base):
    """A person who reported; contact data is optional and never public."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str | None] = mapped_column(String(8))

    devices: Mapped[list[Device]] = relationship(back_populates="resident")


class Device(TimestampMixin, Base):
    """An app install, identified by a bearer token of which only a hash is stored."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    platform: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    push_token: Mapped[str | None] = mapped_column(String(4096))
    push_token_updated_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    resident: Mapped[Resident | None] = relationship(back_populates="devices")

    __table_args__ = (
        CheckConstraint("platform IN ('android','ios','web')", name="platform_known"),
    )
