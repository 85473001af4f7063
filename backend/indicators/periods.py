"""Indicator periods: months, quarters and years, their labels, and today in the municipality's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def align(granularity: str, day: date) -> date:
    """The first day of the period of `granularity` that contains `day`."""
    step = _MONTHS[granularity]
    return date(day.year, (day.month - 1) // step * step + 1, 1)


def shift(granularity: str, start: date, periods: int = 1) -> date:
    """The start of the period `periods` after the one starting at `start`."""
    months = start.year * 12 + start.month - 1 + periods * _MONTHS[granularity]
    return date(months // 12, months % 12 + 1, 1)


def period_label(granularity: str, start: date) -> str:
    """2026-03, 2026-Q1 or 2026."""
    if granularity == "month":
        return f"{start.year}-{start.month:02d}"
    if granularity == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def parse_period(label: str) -> tuple[str, date]:
    """The granularity and first day of a period label (2026-03, 2026-Q1, 2026); ValueError when malformed."""
    label = label.strip()
    if len(label) == 4 and label.isdigit():
        return "year", date(int(label), 1, 1)
    year, _, rest = label.partition("-")
    if not year.isdigit() or len(year) != 4:
        raise ValueError(label)
    if rest[:1] in ("Q", "q") and rest[1:] in ("1", "2", "3", "4"):
        return "quarter", date(int(year), (int(rest[1:]) - 1) * 3 + 1, 1)
    if rest.isdigit() and 1 <= int(rest) <= 12 and len(rest) == 2:
        return "month", date(int(year), int(rest), 1)
    raise ValueError(label)


def local_today(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()
