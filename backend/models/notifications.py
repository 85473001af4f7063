"""What residents are told: notifications (the in-app inbox) and their delivery rows per channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow
from backend.vocabulary import Topic

#: The topics a device can follow (`backend.vocabulary.Topic`); `emergency` and `my_reports` are on for a new device.
TOPICS = tuple(t.value for t in Topic)
DEFAULT_TOPICS = (Topic.MY_REPORTS.value, Topic.EMERGENCY.value)
CHANNELS = ("push", "email")
#: pending (due at next_attempt_at) → sending (claimed until lease_until) → sent | failed | pruned;
#: a retryable failure puts the row back to pending with a later next_attempt_at.
DELIVERY_STATES = ("pending", "sending", "sent", "failed", "pruned")


class Notification(Base):
    """One message to one recipient — a device (inbox and push) or a resident's e-mail address."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(40))
    topic: Mapped[str] = mapped_column(String(16))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("(device_id IS NOT NULL) <> (resident_id IS NOT NULL)", name="one_recipient"),
        Index("ix_notifications_device_inbox", "device_id", "id", postgresql_where="device_id IS NOT NULL"),
        Index(
            "uq_notifications_event_device",
            "event_id",
            "device_id",
            unique=True,
            postgresql_where="event_id IS NOT NULL AND device_id IS NOT NULL",
        ),
        Index(
            "uq_notifications_event_resident",
            "event_id",
            "resident_id",
            unique=True,
            postgresql_where="event_id IS NOT NULL AND resident_id IS NOT NULL",
        ),
        Index(
            "uq_notifications_broadcast_device",
            "broadcast_id",
            "device_id",
            unique=True,
            postgresql_where="broadcast_id IS NOT NULL",
        ),
    )


class Delivery(Base):
    """Sending one notification through one channel; claimed before sending, marked after."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    address: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(8), default="pending")
    #: 0 goes first (emergencies), then 1.
    priority: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    #: After this a pending delivery is no longer sent (an expired broadcast).
    expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    provider_id: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("channel IN ('push','email')", name="channel_known"),
        CheckConstraint("status IN ('pending','sending','sent','failed','pruned')", name="status_known"),
        Index("uq_deliveries_notification_channel", "notification_id", "channel", unique=True),
        Index(
            "ix_deliveries_due", "channel", "priority", "next_attempt_at", "id", postgresql_where="status = 'pending'"
        ),
        Index("ix_deliveries_leased", "lease_until", postgresql_where="status = 'sending'"),
    )


class PushAlarm(Base):
    """The last time an operator alarm of a kind was raised (e.g. FCM's third-party auth error):
    one alarm per period, whichever worker sees the error first."""

    __tablename__ = "push_alarms"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[str | None] = mapped_column(Text)
    count: Mapped[int] = mapped_column(default=1)
