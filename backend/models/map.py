"""Counts of public reports per map grid cell, kept up to date with every report change."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base


class _Cell:
    """The key of a grid cell and what is counted in it."""

    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    cx: Mapped[int] = mapped_column(primary_key=True)
    cy: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    service_id: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    sum_lon: Mapped[float] = mapped_column(default=0.0)
    sum_lat: Mapped[float] = mapped_column(default=0.0)


class ReportCellCount(_Cell, Base):
    """Public reports in one grid cell of a zoom band, per status, service and day of submission (UTC).

    `sum_lon`/`sum_lat` let a cluster sit at the mean position of its reports.
    """

    __tablename__ = "report_cell_counts"

    day: Mapped[date] = mapped_column(primary_key=True)

    # Covering, so that `since` queries read the index alone (index-only scans once vacuumed).
    __table_args__ = (
        Index(
            "ix_report_cell_counts_band_day",
            "band",
            "day",
            "cx",
            "cy",
            postgresql_include=["status", "service_id", "count", "sum_lon", "sum_lat"],
        ),
    )


class ReportCellTotal(_Cell, Base):
    """The same counts without the day: what the map reads when no `since` filter is given."""

    __tablename__ = "report_cell_totals"


class ReportCellVersion(Base):
    """How often the counts of one grid cell of a band changed (never reset, rows never deleted): a map tile's
    version is the sum over the cells it holds, so its ETag changes exactly when one of them changed."""

    __tablename__ = "report_cell_versions"

    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    cx: Mapped[int] = mapped_column(primary_key=True)
    cy: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=1)


class ReportFacetCount(Base):
    """Reports per jurisdiction, department, service, area, status, priority and hidden flag (0 = none):
    the staff queue's counts without scanning the reports."""

    __tablename__ = "report_facet_counts"

    jurisdiction_id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    priority: Mapped[str] = mapped_column(String(8), primary_key=True)
    hidden: Mapped[bool] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
