"""Residents and their app installs (devices)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, TimestampMixin
from backend.models.notifications import DEFAULT_TOPICS

if TYPE_CHECKING:
    from backend.models.jurisdictions import Jurisdiction

PLATFORMS = ("android", "ios", "web")


class Resident(TimestampMixin, Base):
    """A person who reported; contact data is optional and never public."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str | None] = mapped_column(String(8))
    email_opt_out_at: Mapped[datetime | None]

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
    #: When FCM last declared the token dead (unregistered, wrong sender, invalid): it was removed.
    push_token_pruned_at: Mapped[datetime | None]
    #: The municipality the app was set to (or of its first place or report): jurisdiction-wide broadcasts.
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id", ondelete="SET NULL"))
    topics: Mapped[list[str]] = mapped_column(
        ARRAY(String(16)), default=lambda: list(DEFAULT_TOPICS), server_default="{my_reports,emergency}"
    )
    last_seen_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    resident: Mapped[Resident | None] = relationship(back_populates="devices")
    jurisdiction: Mapped[Jurisdiction | None] = relationship()

    __table_args__ = (
        CheckConstraint("platform IN ('android','ios','web')", name="platform_known"),
        Index("ix_devices_jurisdiction", "jurisdiction_id"),
    )
