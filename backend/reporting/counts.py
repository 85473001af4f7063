"""Counts kept in step with reports: the map's cell counts (and their cells' versions) and the staff queue's facet
counts.

Every change to a report's location-independent facets (status, service, department, area, priority,
hidden) goes through `recount()`: the report's old state is subtracted, the change made, the new state
added, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text
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


_REBUILD = [
    text("TRUNCATE report_cell_counts, report_cell_totals, report_facet_counts"),
    text("""
        INSERT INTO report_cell_counts (band, cx, cy, status, service_id, day, count, sum_lon, sum_lat)
        SELECT b.band, floor(p.x / b.size)::int, floor(p.y / b.size)::int, r.status, r.service_id,
               date_trunc('day', r.requested_at AT TIME ZONE 'UTC')::date, count(*), sum(p.x), sum(p.y)
        FROM reports r
        CROSS JOIN LATERAL (SELECT ST_X(r.location::geometry) AS x, ST_Y(r.location::geometry) AS y) p
        CROSS JOIN unnest(CAST(:bands AS int[]), CAST(:sizes AS float8[])) AS b(band, size)
        WHERE NOT r.hidden
        GROUP BY 1, 2, 3, 4, 5, 6
    """),
    text("""
        INSERT INTO report_cell_totals (band, cx, cy, status, service_id, count, sum_lon, sum_lat)
        SELECT band, cx, cy, status, service_id, sum(count), sum(sum_lon), sum(sum_lat)
        FROM report_cell_counts GROUP BY band, cx, cy, status, service_id
    """),
    text("""
        INSERT INTO report_facet_counts
            (jurisdiction_id, department_id, service_id, area_id, status, priority, hidden, count)
        SELECT jurisdiction_id, coalesce(department_id, 0), service_id, coalesce(area_id, 0), status, priority,
               hidden, count(*)
        FROM reports GROUP BY 1, 2, 3, 4, 5, 6, 7
    """),
    # every cell's version moves on (the map's tiles are asked again), and cells counted for the first time join
    text("UPDATE report_cell_versions SET version = version + 1"),
    text("""
        INSERT INTO report_cell_versions (band, cx, cy, version)
        SELECT DISTINCT band, cx, cy, 1 FROM report_cell_totals
        ON CONFLICT (band, cx, cy) DO NOTHING
    """),
]


def rebuild(conn: Connection) -> None:
    """Recount every count table from the reports (after rows were written around the use cases)."""
    for stmt in _REBUILD:
        conn.execute(stmt, {"bands": list(grid.BANDS), "sizes": list(grid.BANDS.values())})


_ADD = [
    text("""
        INSERT INTO report_cell_counts AS c (band, cx, cy, status, service_id, day, count, sum_lon, sum_lat)
        SELECT b.band, floor(p.x / b.size)::int, floor(p.y / b.size)::int, r.status, r.service_id,
               date_trunc('day', r.requested_at AT TIME ZONE 'UTC')::date, count(*), sum(p.x), sum(p.y)
        FROM reports r
        CROSS JOIN LATERAL (SELECT ST_X(r.location::geometry) AS x, ST_Y(r.location::geometry) AS y) p
        CROSS JOIN unnest(CAST(:bands AS int[]), CAST(:sizes AS float8[])) AS b(band, size)
        WHERE NOT r.hidden AND r.id IN ({ids})
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (band, cx, cy, status, service_id, day) DO UPDATE SET count = c.count + EXCLUDED.count,
            sum_lon = c.sum_lon + EXCLUDED.sum_lon, sum_lat = c.sum_lat + EXCLUDED.sum_lat
    """),
    text("""
        INSERT INTO report_cell_totals AS c (band, cx, cy, status, service_id, count, sum_lon, sum_lat)
        SELECT b.band, floor(p.x / b.size)::int, floor(p.y / b.size)::int, r.status, r.service_id, count(*),
               sum(p.x), sum(p.y)
        FROM reports r
        CROSS JOIN LATERAL (SELECT ST_X(r.location::geometry) AS x, ST_Y(r.location::geometry) AS y) p
        CROSS JOIN unnest(CAST(:bands AS int[]), CAST(:sizes AS float8[])) AS b(band, size)
        WHERE NOT r.hidden AND r.id IN ({ids})
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (band, cx, cy, status, service_id) DO UPDATE SET count = c.count + EXCLUDED.count,
            sum_lon = c.sum_lon + EXCLUDED.sum_lon, sum_lat = c.sum_lat + EXCLUDED.sum_lat
    """),
    text("""
        INSERT INTO report_facet_counts AS f
            (jurisdiction_id, department_id, service_id, area_id, status, priority, hidden, count)
        SELECT jurisdiction_id, coalesce(department_id, 0), service_id, coalesce(area_id, 0), status, priority,
               hidden, count(*)
        FROM reports WHERE id IN ({ids}) GROUP BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (jurisdiction_id, department_id, service_id, area_id, status, priority, hidden)
        DO UPDATE SET count = f.count + EXCLUDED.count
    """),
    text("""
        INSERT INTO report_cell_versions AS v (band, cx, cy, version)
        SELECT DISTINCT b.band, floor(p.x / b.size)::int, floor(p.y / b.size)::int, 1
        FROM reports r
        CROSS JOIN LATERAL (SELECT ST_X(r.location::geometry) AS x, ST_Y(r.location::geometry) AS y) p
        CROSS JOIN unnest(CAST(:bands AS int[]), CAST(:sizes AS float8[])) AS b(band, size)
        WHERE NOT r.hidden AND r.id IN ({ids})
        ON CONFLICT (band, cx, cy) DO UPDATE SET version = v.version + 1
    """),
]


def add_reports(conn: Connection, ids_query: str) -> None:
    """Count reports written in bulk (an import): `ids_query` is a SELECT of their ids (a fixed statement of the
    caller's, e.g. over a temporary table)."""
    for stmt in _ADD:
        conn.execute(
            text(stmt.text.format(ids=ids_query)), {"bands": list(grid.BANDS), "sizes": list(grid.BANDS.values())}
        )


@contextmanager
def recount(s: Session, report: Report) -> Iterator[None]:
    """Wrap a change to a report so that the counts follow it."""
    s.flush()
    track(s, report.id, -1)
    yield
    s.flush()
    track(s, report.id, +1)
