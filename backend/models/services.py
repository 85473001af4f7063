"""The service catalogue residents pick from, with Open311-style extra questions."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, TimestampMixin, Translations
from backend.models.jurisdictions import Department

#: Open311 GeoReport v2 attribute datatypes.
QUESTION_TYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


class ServiceGroup(TimestampMixin, Base):
    """A group of services (Roads, Waste, Greenery, ...)."""

    __tablename__ = "service_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[Translations]
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)


class Service(TimestampMixin, Base):
    """A catalogue entry: what a resident can report, who handles it and how fast."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[Translations]
    description: Mapped[Translations] = mapped_column(default=dict)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("service_groups.id"))
    keywords: Mapped[list[str]] = mapped_column(default=list)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    sla_hours: Mapped[int | None]
    #: True: the SLA counts working hours only (Mon-Fri 8-16 local time).
    sla_working_hours: Mapped[bool] = mapped_column(default=False)
    duplicate_radius_m: Mapped[int] = mapped_column(default=50)
    duplicate_window_days: Mapped[int] = mapped_column(default=30)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    #: Created by `hromada import-requests` for a request type the catalogue did not have (not offered to residents).
    imported: Mapped[bool] = mapped_column(default=False)

    group: Mapped[ServiceGroup | None] = relationship()
    department: Mapped[Department | None] = relationship()
    questions: Mapped[list[ServiceQuestion]] = relationship(
        back_populates="service", order_by="ServiceQuestion.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "code"),
        CheckConstraint("sla_hours IS NULL OR sla_hours > 0", name="sla_positive"),
        CheckConstraint("duplicate_radius_m >= 0 AND duplicate_window_days >= 0", name="dup_nonneg"),
    )


class ServiceQuestion(Base):
    """An extra question of a service (an Open311 attribute)."""

    __tablename__ = "service_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    datatype: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    #: The question text per language.
    description: Mapped[Translations]
    #: Open311 datatype_description per language (a hint on the expected answer).
    hint: Mapped[Translations] = mapped_column(default=dict)
    #: For list types: [{"key": "deep", "name": {"pl": ..., "uk": ..., "en": ...}}, ...].
    options: Mapped[list[dict]] = mapped_column(default=list)

    service: Mapped[Service] = relationship(back_populates="questions")

    __table_args__ = (
        UniqueConstraint("service_id", "code"),
        CheckConstraint(
            "datatype IN ('string','number','datetime','text','singlevaluelist','multivaluelist')",
            name="datatype_known",
        ),
    )
