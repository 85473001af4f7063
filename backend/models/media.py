"""Photos attached to reports (stored re-encoded, without metadata)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow

PHOTO_STATES = ("pending", "approved", "hidden")


class Photo(Base):
    """A report's photo; `state` pending (awaiting moderation), approved (public) or hidden."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    #: Random file name (no extension); the image is <MEDIA_ROOT>/photos/<name>.jpg.
    name: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    original_type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    has_thumbnail: Mapped[bool] = mapped_column(default=False)
    #: A link given by an Open311 client instead of a file (never fetched by the server).
    external_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    moderated_at: Mapped[datetime | None]
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    __table_args__ = (
        CheckConstraint("state IN ('pending','approved','hidden')", name="state_known"),
        Index("ix_photos_report", "report_id", "id"),
    )
