"""When a report is due: calendar hours, or working hours (Mon-Fri 08:00-16:00 local time)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

WORK_START, WORK_END = time(8, 0), time(16, 0)


def due_at(start: datetime, hours: int | None, working_hours: bool, tz: str) -> datetime | None:
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
        if local.weekday() < 5 and local < day_end:
            begin = max(local, day_start)
            available = day_end - begin
            if remaining <= available:
                return (begin + remaining).astimezone(UTC)
            remaining -= available
        next_day = local.date() + timedelta(days=1)
        local = datetime.combine(next_day, WORK_START, zone)
