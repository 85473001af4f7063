"""The transactional outbox: work to do after a use case commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow

OUTBOX_STATUSES = ("pending", "done", "dead")


class OutboxEvent(Base):
    """An event written in the use case's transaction and handled by the dispatcher task."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("status IN ('pending','done','dead')", name="status_known"),
        Index("ix_outbox_pending", "available_at", postgresql_where="status = 'pending'"),
        # The sweeper's purge of old handled rows (backend.outbox.purge_done).
        Index("ix_outbox_done_processed", "processed_at", postgresql_where="status = 'done'"),
    )
