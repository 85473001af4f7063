"""Reports near a point: the duplicate search residents see before they report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

_SIMILAR = text("""
    SELECT r.id, ST_Distance(r.location, p.g) AS distance_m
    FROM reports r, (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography AS g) p
    WHERE r.service_id = :service_id
      AND r.status IN ('submitted', 'acknowledged', 'in_progress')
      AND NOT r.hidden AND r.merged_into_id IS NULL
      AND r.requested_at >= :since
      AND r.id <> :exclude_id
      AND ST_DWithin(r.location, p.g, :radius)
    ORDER BY distance_m, r.id
    LIMIT :limit
""")


def similar_open_reports(
    s: Session,
    *,
    service_id: int,
    lon: float,
    lat: float,
    radius_m: float,
    since: datetime,
    exclude_id: int = 0,
    limit: int = 5,
) -> list[tuple[int, float]]:
    """(report id, distance in metres) of open reports of a service within the radius, nearest first."""
    if radius_m <= 0:
        return []
    rows = s.connection().execute(
        _SIMILAR,
        {
            "lon": lon,
            "lat": lat,
            "service_id": service_id,
            "since": since,
            "exclude_id": exclude_id,
            "radius": radius_m,
            "limit": limit,
        },
    )
    return [(r[0], float(r[1])) for r in rows]
