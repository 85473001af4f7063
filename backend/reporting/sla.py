"""When a report is due: calendar hours, or working hours (Mon-Fri 08:00-16:00 local time, public holidays
of the jurisdiction's country excluded, from the maintained `holidays` package).

Rules: the clock starts at submission; a reopened report starts a new clock at the reopening; a
re-categorised report gets the new service's SLA counted from the original submission.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from backend.models import Report

WORK_START, WORK_END = time(8, 0), time(16, 0)


@cache
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


def is_working_day(day: date, country: str | None) -> bool:
    return day.weekday() < 5 and (country is None or day not in _holidays(country, day.year))


def due_at(
    start: datetime, hours: int | None, working_hours: bool, tz: str, country: str | None = None
) -> datetime | None:
    """The SLA deadline of a report submitted at `start` (aware), in UTC."""
    if not hours:
        return None
    if not working_hours:
        return (start + timedelta(hours=hours)).astimezone(UTC)
    zone = ZoneInfo(tz)
    local = start.astimezone(zone)
    remaining = timedelta(hours=hours)
    while True:
        day_start = datetime.combine(local.date(), WORK_START, zone)
        day_end = datetime.combine(local.date(), WORK_END, zone)
        if is_working_day(local.date(), country) and local < day_end:
            begin = max(local, day_start)
            available = day_end - begin
            if remaining <= available:
                return (begin + remaining).astimezone(UTC)
            remaining -= available
        next_day = local.date() + timedelta(days=1)
        local = datetime.combine(next_day, WORK_START, zone)


def due_for(report: Report, start: datetime) -> datetime | None:
    """The deadline of `report` under its current service's SLA, the clock started at `start`: the submission
    (also after re-categorising) or the reopening. The one place a report's `sla_due_at` is computed."""
    service, jurisdiction = report.service, report.jurisdiction
    return due_at(
        start,
        service.sla_hours,
        service.sla_working_hours,
        jurisdiction.timezone,
        jurisdiction.settings.get("country"),
    )
