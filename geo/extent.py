"""The extent of a municipality: the box its boundary (else its districts) covers, for a map's first view."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

_EXTENT = text("""
    SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
    FROM (SELECT coalesce(
        (SELECT ST_Extent(boundary)::geometry FROM jurisdictions WHERE id = :jid AND boundary IS NOT NULL),
        (SELECT ST_Extent(boundary)::geometry FROM areas WHERE jurisdiction_id = :jid)) AS e) AS x
""")


def jurisdiction_extent(s: Session, jurisdiction_id: int) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the municipality, or None when it has no boundary yet."""
    row = s.connection().execute(_EXTENT, {"jid": jurisdiction_id}).one()
    if row[0] is None:
        return None
    return float(row[0]), float(row[1]), float(row[2]), float(row[3])
