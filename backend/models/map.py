"""Counts of public reports per map grid cell, kept up to date with every report change."""

from __future__ import annotations

from datetime import date

from sqlalchemy import SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base


class ReportCellCount(Base):
    """Public reports in one grid cell of a zoom band, per status, service and month of submission.

    `sum_lon`/`sum_lat` let a cluster sit at the mean position of its reports.
    """

    __tablename__ = "report_cell_counts"

    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    cx: Mapped[int] = mapped_column(primary_key=True)
    cy: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    service_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    sum_lon: Mapped[float] = mapped_column(default=0.0)
    sum_lat: Mapped[float] = mapped_column(default=0.0)
