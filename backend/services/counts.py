"""Counts kept in step with reports: the map's cell counts and the staff queue's facet counts.

Every change to a report's location-independent facets (status, service, department, area, priority,
hidden) goes through `recount()`: the report's old state is subtracted, the change made, the new state
added, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from backend.models import Report
from geo import grid

_FACETS = text("""
    INSERT INTO report_facet_counts AS f
        (jurisdiction_id, department_id, service_id, area_id, status, priority, hidden, count)
    SELECT jurisdiction_id, coalesce(department_id, 0), service_id, coalesce(area_id, 0), status, priority,
           hidden, :delta
    FROM reports WHERE id = :report_id
    ON CONFLICT (jurisdiction_id, department_id, service_id, area_id, status, priority, hidden)
    DO UPDATE SET count = f.count + EXCLUDED.count
""")


def track(s: Session, report_id: int, delta: int) -> None:
    """Add (+1) or remove (-1) a report's current state in every count table."""
    grid.track(s, report_id, delta)
    s.execute(_FACETS, {"report_id": report_id, "delta": delta})


@contextmanager
def recount(s: Session, report: Report) -> Iterator[None]:
    """Wrap a change to a report so that the counts follow it."""
    s.flush()
    track(s, report.id, -1)
    yield
    s.flush()
    track(s, report.id, +1)
