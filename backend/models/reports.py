"""Reports of problems and their history (status changes, public replies, internal notes)."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geography, WKBElement
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, sql_list, utcnow
from backend.models.jurisdictions import Area, Department, Jurisdiction
from backend.models.media import Photo
from backend.models.residents import Device, Resident
from backend.models.services import Service
from backend.models.staff import StaffUser
from backend.vocabulary import OPEN_REPORT_STATUSES, Channel, Priority, ReportStatus

#: Life cycle; `open`/`closed` in Open311 terms is derived from these. The codes (and their words) come from
#: `backend.vocabulary`; these tuples are its plain strings, in its order.
STATUSES = tuple(s.value for s in ReportStatus)
OPEN_STATUSES = tuple(s.value for s in OPEN_REPORT_STATUSES)
PRIORITIES = tuple(p.value for p in Priority)
#: How a report reached the city: app (the resident API), open311, import (history), web, phone, counter, …
REPORT_CHANNELS = tuple(c.value for c in Channel)
EVENT_KINDS = (
    "created",
    "status",
    "reply",
    "note",
    "assignment",
    "priority",
    "recategorised",
    "moved",
    "merged",
    "moderation",
    "supported",
    "photo",
)


class Report(Base):
    """A resident's report of a problem at a place."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[WKBElement] = mapped_column(Geography("POINT", srid=4326, spatial_index=False))
    address: Mapped[str | None] = mapped_column(String(300))
    answers: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    locale: Mapped[str] = mapped_column(String(8), default="pl")
    channel: Mapped[str] = mapped_column(String(16), default="app")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    anonymous: Mapped[bool] = mapped_column(default=False)
    support_count: Mapped[int] = mapped_column(default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    hidden: Mapped[bool] = mapped_column(default=False)
    #: Client-chosen key that makes a retried submission return the first report.
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    #: SHA-256 of the submitted body: the same key with another body is refused.
    idempotency_hash: Mapped[str | None] = mapped_column(String(64))
    #: Open311 `token` of a request filed through GeoReport v2.
    open311_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    #: The request's id in an imported history file (`hromada import-requests`); a second import skips it.
    import_ref: Mapped[str | None] = mapped_column(String(64))
    #: Full-text and partial-word search over public id, description and address (kept by a trigger;
    #: only queries read it, so it is not loaded with the report).
    search_tsv: Mapped[str | None] = mapped_column(TSVECTOR, deferred=True)
    search_text: Mapped[str | None] = mapped_column(Text, deferred=True)
    #: When the reporter's identity was unlinked (erasure request or retention).
    anonymised_at: Mapped[datetime | None]
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    sla_due_at: Mapped[datetime | None]

    jurisdiction: Mapped[Jurisdiction] = relationship()
    area: Mapped[Area | None] = relationship()
    service: Mapped[Service] = relationship()
    department: Mapped[Department | None] = relationship()
    assignee: Mapped[StaffUser | None] = relationship()
    reporter: Mapped[Resident | None] = relationship()
    device: Mapped[Device | None] = relationship()
    photos: Mapped[list[Photo]] = relationship(order_by="Photo.id", viewonly=True)
    merged_into: Mapped[Report | None] = relationship(remote_side="Report.id", viewonly=True)

    __table_args__ = (
        CheckConstraint(f"status IN ({sql_list(STATUSES)})", name="status_known"),
        CheckConstraint(f"priority IN ({sql_list(PRIORITIES)})", name="priority_known"),
        CheckConstraint(f"channel IN ({sql_list(REPORT_CHANNELS)})", name="channel_known"),
        Index("ix_reports_location", "location", postgresql_using="gist"),
        Index("ix_reports_jurisdiction_status_requested", "jurisdiction_id", "status", "requested_at"),
        Index("ix_reports_service_requested", "service_id", "requested_at"),
        Index("ix_reports_area_requested", "area_id", "requested_at"),
        Index("ix_reports_device_requested", "device_id", "requested_at"),
        Index("ix_reports_reporter", "reporter_id"),
        Index("ix_reports_merged_into", "merged_into_id", postgresql_where="merged_into_id IS NOT NULL"),
        Index("ix_reports_search_tsv", "search_tsv", postgresql_using="gin"),
        Index(
            "ix_reports_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_reports_jurisdiction_requested", "jurisdiction_id", "requested_at", "id"),
        Index(
            "ix_reports_jurisdiction_due",
            "jurisdiction_id",
            "sla_due_at",
            postgresql_where="status IN ('submitted','acknowledged','in_progress')",
            postgresql_include=["status", "department_id"],
        ),
        Index("ix_reports_service_status_requested", "service_id", "status", "requested_at"),
        Index("ix_reports_department_status_requested", "department_id", "status", "requested_at"),
        Index("ix_reports_area_status_requested", "area_id", "status", "requested_at"),
        Index(
            "ix_reports_finished_not_anonymised",
            "jurisdiction_id",
            postgresql_where=(
                "status IN ('resolved','closed','rejected','duplicate') "
                "AND anonymised_at IS NULL AND reporter_id IS NOT NULL"
            ),
        ),
        Index(
            "uq_reports_import_ref",
            "jurisdiction_id",
            "import_ref",
            unique=True,
            postgresql_where="import_ref IS NOT NULL",
        ),
        Index(
            "uq_reports_device_idempotency",
            "device_id",
            "idempotency_key",
            unique=True,
            postgresql_where="idempotency_key IS NOT NULL",
        ),
    )


class ReportEvent(Base):
    """One entry of a report's timeline; `public` entries are shown to residents."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    public: Mapped[bool] = mapped_column(default=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(default=dict)
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    actor_device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[Report] = relationship()
    actor_staff: Mapped[StaffUser | None] = relationship()

    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_list(EVENT_KINDS)})", name="kind_known"),
        Index("ix_report_events_report_created", "report_id", "created_at"),
    )


class ReportSupport(Base):
    """A device's "me too" on a report (one per device)."""

    __tablename__ = "report_supports"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportCounter(Base):
    """The last public-id number issued per jurisdiction and year (KRK-2026-000123)."""

    __tablename__ = "report_counters"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)
