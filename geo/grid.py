"""The map: report points at street zoom, clusters from the maintained per-cell count table above it.

The grid is in degrees (longitude, latitude) per zoom band. `report_cell_counts` holds, per band, cell,
status, service and day of submission (UTC), the number of public reports and the sums of their
coordinates; use cases call `track()` in the same transaction as every change that affects it, which also
advances the version of each cell it touches (`report_cell_versions`, read by the map's tiles: geo/tiles.py).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

#: band -> cell size in degrees; the migration that backfills the table uses the same values.
BANDS: dict[int, float] = {1: 0.02, 2: 0.005, 3: 0.00125}
STREET_ZOOM = 16


def band_for_zoom(zoom: int) -> int | None:
    """The cluster band of a web-map zoom level, or None at street zoom (points)."""
    if zoom >= STREET_ZOOM:
        return None
    if zoom <= 12:
        return 1
    return 2 if zoom <= 14 else 3


#: The most grid cells one cluster request may cover. A screen at the zoom levels of bands 2 and 3 covers a few
#: thousand cells; a box of more cells at such a zoom is not a map view (and would return every cell there is).
MAX_CELLS = 40_000

_EXTENT = text("""
    SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
    FROM (SELECT ST_Extent(b)::geometry AS e FROM (
        SELECT boundary AS b FROM areas
        UNION ALL SELECT boundary FROM jurisdictions WHERE boundary IS NOT NULL) AS served) AS x
""")


def clamp_to_served(s: Session, bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float] | None:
    """The part of the box that lies within the extent of the areas served (where every report lies), or None
    when the box misses them all."""
    extent = s.connection().execute(_EXTENT).one()
    if extent[0] is None:
        return None
    x0, y0 = max(bbox[0], extent[0]), max(bbox[1], extent[1])
    x1, y1 = min(bbox[2], extent[2]), min(bbox[3], extent[3])
    if x0 > x1 or y0 > y1:
        return None
    return x0, y0, x1, y1


def cell_count(bbox: tuple[float, float, float, float], band: int) -> int:
    """How many grid cells of the band a box covers."""
    cx0, cy0, cx1, cy1 = snap(bbox, band)
    return (cx1 - cx0 + 1) * (cy1 - cy0 + 1)


def snap(bbox: tuple[float, float, float, float], band: int) -> tuple[int, int, int, int]:
    """The cell range (cx0, cy0, cx1, cy1) covering a bounding box."""
    size = BANDS[band]
    min_lon, min_lat, max_lon, max_lat = bbox
    return (
        math.floor(min_lon / size),
        math.floor(min_lat / size),
        math.floor(max_lon / size),
        math.floor(max_lat / size),
    )


_TRACK = text("""
    WITH cells AS (
        SELECT b.band, floor(p.x / b.size)::int AS cx, floor(p.y / b.size)::int AS cy, r.status, r.service_id,
               date_trunc('day', r.requested_at AT TIME ZONE 'UTC')::date AS day, p.x, p.y
        FROM reports r
        CROSS JOIN LATERAL (SELECT ST_X(r.location::geometry) AS x, ST_Y(r.location::geometry) AS y) p
        CROSS JOIN unnest(CAST(:bands AS int[]), CAST(:sizes AS float8[])) AS b(band, size)
        WHERE r.id = :report_id AND NOT r.hidden
    ), versions AS (
        INSERT INTO report_cell_versions AS v (band, cx, cy, version)
        SELECT band, cx, cy, 1 FROM cells ORDER BY band
        ON CONFLICT (band, cx, cy) DO UPDATE SET version = v.version + 1
    ), totals AS (
        INSERT INTO report_cell_totals AS t (band, cx, cy, status, service_id, count, sum_lon, sum_lat)
        SELECT band, cx, cy, status, service_id, :delta, :delta * x, :delta * y FROM cells ORDER BY band
        ON CONFLICT (band, cx, cy, status, service_id) DO UPDATE
        SET count = t.count + EXCLUDED.count, sum_lon = t.sum_lon + EXCLUDED.sum_lon,
            sum_lat = t.sum_lat + EXCLUDED.sum_lat
    )
    INSERT INTO report_cell_counts AS c (band, cx, cy, status, service_id, day, count, sum_lon, sum_lat)
    SELECT band, cx, cy, status, service_id, day, :delta, :delta * x, :delta * y FROM cells ORDER BY band
    ON CONFLICT (band, cx, cy, status, service_id, day) DO UPDATE
    SET count = c.count + EXCLUDED.count, sum_lon = c.sum_lon + EXCLUDED.sum_lon,
        sum_lat = c.sum_lat + EXCLUDED.sum_lat
""")


def track(s: Session, report_id: int, delta: int) -> None:
    """Add (+1) or remove (-1) a report's current state in the count table (a no-op while hidden)."""
    s.execute(_TRACK, {"report_id": report_id, "delta": delta, "bands": list(BANDS), "sizes": list(BANDS.values())})


_CLUSTERS = text("""
    WITH cells AS (
        SELECT cx, cy, sum(count) AS n, sum(sum_lon) AS sx, sum(sum_lat) AS sy
        FROM report_cell_totals c
        WHERE CAST(:since AS timestamptz) IS NULL
          AND band = :band AND cx BETWEEN :cx0 AND :cx1 AND cy BETWEEN :cy0 AND :cy1
          AND (CAST(:statuses AS text[]) IS NULL OR c.status = ANY(CAST(:statuses AS text[])))
          AND (CAST(:service_ids AS int[]) IS NULL OR c.service_id = ANY(CAST(:service_ids AS int[])))
        GROUP BY cx, cy
        UNION ALL
        SELECT cx, cy, sum(count) AS n, sum(sum_lon) AS sx, sum(sum_lat) AS sy
        FROM report_cell_counts c
        WHERE CAST(:since AS timestamptz) IS NOT NULL
          AND band = :band AND cx BETWEEN :cx0 AND :cx1 AND cy BETWEEN :cy0 AND :cy1
          AND day > date_trunc('day', CAST(:since AS timestamptz) AT TIME ZONE 'UTC')::date
          AND (CAST(:statuses AS text[]) IS NULL OR c.status = ANY(CAST(:statuses AS text[])))
          AND (CAST(:service_ids AS int[]) IS NULL OR c.service_id = ANY(CAST(:service_ids AS int[])))
        GROUP BY cx, cy
        UNION ALL
        -- the part of the day of `since` that lies after it, counted from the reports themselves
        SELECT floor(ST_X(r.location::geometry) / :size)::int, floor(ST_Y(r.location::geometry) / :size)::int,
               count(*), sum(ST_X(r.location::geometry)), sum(ST_Y(r.location::geometry))
        FROM reports r
        WHERE CAST(:since AS timestamptz) IS NOT NULL AND NOT r.hidden
          AND r.requested_at >= CAST(:since AS timestamptz)
          AND r.requested_at < (date_trunc('day', CAST(:since AS timestamptz) AT TIME ZONE 'UTC')
                                + interval '1 day') AT TIME ZONE 'UTC'
          AND r.location && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)::geography
          AND floor(ST_X(r.location::geometry) / :size) BETWEEN :cx0 AND :cx1
          AND floor(ST_Y(r.location::geometry) / :size) BETWEEN :cy0 AND :cy1
          AND (CAST(:statuses AS text[]) IS NULL OR r.status = ANY(CAST(:statuses AS text[])))
          AND (CAST(:service_ids AS int[]) IS NULL OR r.service_id = ANY(CAST(:service_ids AS int[])))
        GROUP BY 1, 2
    ), merged AS (
        SELECT cx, cy, sum(n)::bigint AS n, sum(sx) AS sx, sum(sy) AS sy FROM cells GROUP BY cx, cy HAVING sum(n) > 0
    )
    SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'geometry', ST_AsGeoJSON(ST_MakePoint(sx / n, sy / n), 6)::json,
        'properties', json_build_object('cluster', true, 'count', n, 'cell', json_build_array(:band, cx, cy),
            'cell_bbox', json_build_array(cx * :size, cy * :size, (cx + 1) * :size, (cy + 1) * :size))
    ) ORDER BY cx, cy), '[]'::json))::text
    FROM merged
""")

_POINTS = text("""
    WITH page AS (
        SELECT r.id, json_build_object(
            'type', 'Feature', 'id', r.id,
            'geometry', ST_AsGeoJSON(r.location, 6)::json,
            'properties', json_build_object('public_id', r.public_id, 'service_code', s.code, 'status', r.status,
                'requested_at', to_char(r.requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
                'support_count', r.support_count))::text AS f,
            row_number() OVER (ORDER BY r.id DESC) AS rn
        FROM reports r JOIN services s ON s.id = r.service_id
        WHERE NOT r.hidden
          AND r.location && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)::geography
          AND ST_X(r.location::geometry) BETWEEN :x0 AND :x1 AND ST_Y(r.location::geometry) BETWEEN :y0 AND :y1
          AND (CAST(:since AS timestamptz) IS NULL OR r.requested_at >= CAST(:since AS timestamptz))
          AND (CAST(:before_id AS bigint) IS NULL OR r.id < CAST(:before_id AS bigint))
          AND (CAST(:statuses AS text[]) IS NULL OR r.status = ANY(CAST(:statuses AS text[])))
          AND (CAST(:service_ids AS int[]) IS NULL OR r.service_id = ANY(CAST(:service_ids AS int[])))
        ORDER BY r.id DESC
        LIMIT :limit + 1
    )
    SELECT coalesce(string_agg(f, ',' ORDER BY id DESC) FILTER (WHERE rn <= :limit), ''),
           CASE WHEN count(*) > :limit THEN min(id) FILTER (WHERE rn <= :limit) END
    FROM page
""")


def clusters(
    s: Session,
    bbox: tuple[float, float, float, float],
    band: int,
    *,
    statuses: list[str] | None,
    service_ids: list[int] | None,
    since: datetime | None,
) -> tuple[str, list[float]]:
    """Cluster features for the cells covering the box; returns (GeoJSON text, snapped bbox)."""
    size = BANDS[band]
    cx0, cy0, cx1, cy1 = snap(bbox, band)
    snapped = [cx0 * size, cy0 * size, (cx1 + 1) * size, (cy1 + 1) * size]
    found = cell_clusters(s, band, (cx0, cy0, cx1, cy1), statuses=statuses, service_ids=service_ids, since=since)
    return found, snapped


def cell_clusters(
    s: Session,
    band: int,
    cells: tuple[int, int, int, int],
    *,
    statuses: list[str] | None,
    service_ids: list[int] | None,
    since: datetime | None,
) -> str:
    """A GeoJSON FeatureCollection (text) of one cluster per cell of the range (cx0, cy0, cx1, cy1) with reports."""
    size = BANDS[band]
    cx0, cy0, cx1, cy1 = cells
    snapped = [cx0 * size, cy0 * size, (cx1 + 1) * size, (cy1 + 1) * size]
    params: dict[str, Any] = {
        "band": band,
        "size": size,
        "cx0": cx0,
        "cy0": cy0,
        "cx1": cx1,
        "cy1": cy1,
        "x0": snapped[0],
        "y0": snapped[1],
        "x1": snapped[2],
        "y1": snapped[3],
        "since": since,
        "statuses": statuses,
        "service_ids": service_ids,
    }
    found: str = s.connection().execute(_CLUSTERS, params).scalar_one()
    return found


def points(
    s: Session,
    bbox: tuple[float, float, float, float],
    *,
    statuses: list[str] | None,
    service_ids: list[int] | None,
    since: datetime | None,
    before_id: int | None,
    limit: int,
) -> tuple[str, int | None]:
    """Point features in the box, newest first; returns (comma-joined features, next cursor)."""
    params = {
        "x0": bbox[0],
        "y0": bbox[1],
        "x1": bbox[2],
        "y1": bbox[3],
        "since": since,
        "statuses": statuses,
        "service_ids": service_ids,
        "before_id": before_id,
        "limit": limit,
    }
    features, next_cursor = s.connection().execute(_POINTS, params).one()
    return features, next_cursor
