"""Quality indicators of public services: their definitions and computed values per service, area and period."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, TimestampMixin, Translations, sql_list, utcnow
from backend.vocabulary import SURVEY_PROVENANCES, LightStatus, Provenance, Unit

#: The computations an indicator may use; the ones marked with a tag take one (`survey_mean(dimension:overall)`).
COMPUTATIONS = {
    "pct_resolved_within_sla": ("objective", False),
    "median_hours_to_resolve": ("objective", False),
    "p90_hours_to_resolve": ("objective", False),
    "median_hours_to_first_response": ("objective", False),
    "reopen_rate": ("objective", False),
    "reports_per_1000_residents": ("objective", False),
    "resolution_satisfaction_mean": ("subjective", False),
    "pct_fixed_per_feedback": ("subjective", False),
    "survey_mean": ("subjective", True),
    "survey_top2box": ("subjective", True),
    "nps": ("subjective", True),
    "survey_response_rate": ("subjective", False),
}
GRANULARITIES = ("month", "quarter", "year")
DIRECTIONS = ("higher", "lower")
KINDS = ("objective", "subjective")
#: Where a value's observations come from; one value never mixes two (`backend.vocabulary.Provenance`).
VALUE_PROVENANCES = tuple(p.value for p in Provenance)
#: A value's traffic light (`backend.vocabulary.LightStatus`).
STATUSES = tuple(s.value for s in LightStatus)
#: The units the catalogues use and have words for (`backend.vocabulary.Unit`); `Indicator.unit` is free text.
UNITS = tuple(u.value for u in Unit)


class Indicator(TimestampMixin, Base):
    """One indicator of a municipality's catalogue (seeded from the city's YAML, editable by admins)."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[Translations]
    description: Mapped[Translations] = mapped_column(default=dict)
    unit: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(12))
    computation: Mapped[str] = mapped_column(String(40))
    #: The survey questions a survey computation reads: `question:CODE`, `dimension:DIM`, `service:CODE` or `*`.
    tag: Mapped[str | None] = mapped_column(String(80))
    #: Filters: only these services / areas (codes); empty means all.
    service_codes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    area_codes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    #: Survey computations only: read only responses of this provenance (None: each provenance on its own).
    provenance: Mapped[str | None] = mapped_column(String(16))
    granularity: Mapped[str] = mapped_column(String(8), default="month")
    baseline: Mapped[float | None] = mapped_column(Float)
    baseline_period: Mapped[str | None] = mapped_column(String(16))
    target: Mapped[float | None] = mapped_column(Float)
    #: Traffic lights: with direction `higher`, value >= green is green, value >= amber is amber, else red
    #: (mirrored for `lower`).
    green: Mapped[float | None] = mapped_column(Float)
    amber: Mapped[float | None] = mapped_column(Float)
    owner: Mapped[str | None] = mapped_column(String(200))
    #: Links to the strategic-management side: {"strategic_goal": …, "budget_task": …, "service_cards": […]}.
    links: Mapped[dict] = mapped_column(default=dict)
    #: Shown in the public open-data feed.
    public: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        Index("uq_indicators_jurisdiction_code", "jurisdiction_id", "code", unique=True),
        CheckConstraint("direction IN ('higher','lower')", name="direction_known"),
        CheckConstraint("kind IN ('objective','subjective')", name="kind_known"),
        CheckConstraint("granularity IN ('month','quarter','year')", name="granularity_known"),
        CheckConstraint(
            f"provenance IS NULL OR provenance IN ({sql_list(SURVEY_PROVENANCES)})", name="provenance_known"
        ),
    )


class IndicatorValue(Base):
    """One computed cell: an indicator for a period, a service (NULL: all) and an area (NULL: the municipality)."""

    __tablename__ = "indicator_values"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    granularity: Mapped[str] = mapped_column(String(8))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    provenance: Mapped[str] = mapped_column(String(16))
    n: Mapped[int]
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    value: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    #: Survey values: post-stratified by area population, and the Kish effective sample size of that estimate.
    weighted_value: Mapped[float | None] = mapped_column(Float)
    effective_n: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10))
    suppressed: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index(
            "uq_indicator_values_cell",
            "indicator_id",
            "period_start",
            text("coalesce(service_id, 0)"),
            text("coalesce(area_id, 0)"),
            "provenance",
            unique=True,
        ),
        Index("ix_indicator_values_jurisdiction_period", "jurisdiction_id", "period_start"),
        CheckConstraint(f"provenance IN ({sql_list(VALUE_PROVENANCES)})", name="provenance_known"),
        CheckConstraint(f"status IN ({sql_list(STATUSES)})", name="status_known"),
    )


class IndicatorDirty(Base):
    """A month (local calendar) whose reports, survey responses or feedback answers (`source`) changed since the
    values were computed; written by triggers in the same transaction as the change, consumed by the refresh."""

    __tablename__ = "indicator_dirty"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    source: Mapped[str] = mapped_column(String(10), primary_key=True)
    since: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("source IN ('reports','surveys','feedback')", name="source_known"),)


class ImportRun(Base):
    """What one `hromada import-requests` run read, imported and rejected (and why)."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(Text)
    read: Mapped[int]
    imported: Mapped[int]
    already: Mapped[int]
    rejected: Mapped[dict] = mapped_column(JSONB, default=dict)
    services_created: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
