"""Which jurisdiction and area a point lies in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Location:
    jurisdiction_id: int
    jurisdiction_code: str
    area_id: int
    area_code: str


# ST_Covers counts the boundary as inside, so a point on a shared edge matches both sides;
# the ORDER BY makes the choice deterministic (lowest jurisdiction code, then area code).
_LOCATE = text("""
    SELECT j.id, j.code, a.id, a.code
    FROM area_pieces p
    JOIN areas a ON a.id = p.area_id
    JOIN jurisdictions j ON j.id = a.jurisdiction_id
    WHERE ST_Covers(p.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
    ORDER BY j.code, a.code
    LIMIT 1
""")

_LOCATE_MANY = text("""
    SELECT pt.i, hit.jid, hit.jcode, hit.aid, hit.acode
    FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY AS pt(lon, lat, i)
    LEFT JOIN LATERAL (
        SELECT j.id AS jid, j.code AS jcode, a.id AS aid, a.code AS acode
        FROM area_pieces p
        JOIN areas a ON a.id = p.area_id
        JOIN jurisdictions j ON j.id = a.jurisdiction_id
        WHERE ST_Covers(p.geom, ST_SetSRID(ST_MakePoint(pt.lon, pt.lat), 4326))
        ORDER BY j.code, a.code
        LIMIT 1
    ) hit ON true
    ORDER BY pt.i
""")


def locate(s: Session, lon: float, lat: float) -> Location | None:
    """The jurisdiction and area covering (lon, lat), or None outside every jurisdiction."""
    row = s.connection().execute(_LOCATE, {"lon": lon, "lat": lat}).first()
    return Location(*row) if row else None


def locate_many(s: Session, points: Sequence[tuple[float, float]]) -> list[Location | None]:
    """`locate` for many (lon, lat) points in one statement, in input order."""
    rows = s.execute(_LOCATE_MANY, {"lons": [p[0] for p in points], "lats": [p[1] for p in points]})
    return [Location(r[1], r[2], r[3], r[4]) if r[1] is not None else None for r in rows]
