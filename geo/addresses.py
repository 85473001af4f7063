"""Address points: the nearest address to a point (KNN on GiST) and text search (pg_trgm + unaccent)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

NEAREST_WITHIN_M = 100
#: Minimum pg_trgm similarity for an address-only report to be placed.
MATCH_THRESHOLD = 0.45


@dataclass(frozen=True)
class AddressHit:
    id: int
    jurisdiction_id: int
    label: str
    lon: float
    lat: float
    score: float


_NEAREST = text("""
    SELECT a.id, a.jurisdiction_id, a.street || ' ' || a.house_number, ST_X(a.point), ST_Y(a.point),
           ST_Distance(a.point::geography, p.g::geography) AS d
    FROM addresses a, (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g) p
    ORDER BY a.point <-> p.g
    LIMIT 1
""")

_SEARCH = text("""
    SELECT a.id, a.jurisdiction_id, a.street || ' ' || a.house_number, ST_X(a.point), ST_Y(a.point),
           similarity(a.search, q.t) AS score
    FROM addresses a, (SELECT lower(unaccent(:q)) AS t) q
    WHERE a.search % q.t
    ORDER BY (lower(a.house_number) = :number) DESC, score DESC, a.id
    LIMIT 1
""")


def normalise_sql() -> str:
    """The SQL expression that builds the `search` column from street, street_uk and house number."""
    return "lower(unaccent(street || ' ' || house_number || coalesce(' ' || street_uk || ' ' || house_number, '')))"


def nearest(s: Session, lon: float, lat: float, within_m: float = NEAREST_WITHIN_M) -> AddressHit | None:
    """The closest address point within `within_m` metres."""
    row = s.connection().execute(_NEAREST, {"lon": lon, "lat": lat}).first()
    if row is None or row[5] > within_m:
        return None
    return AddressHit(row[0], row[1], row[2], row[3], row[4], float(row[5]))


def search(s: Session, query: str) -> AddressHit | None:
    """The best-matching address for free text ('Florianska 12' finds 'Floriańska 12')."""
    conn = s.connection()
    conn.execute(text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"), {"t": str(MATCH_THRESHOLD)})
    numbers = re.findall(r"\d+\s*[a-zA-Z]?\b", query)
    number = numbers[-1].replace(" ", "").lower() if numbers else ""
    row = conn.execute(_SEARCH, {"q": query, "number": number}).first()
    return None if row is None else AddressHit(row[0], row[1], row[2], row[3], row[4], float(row[5]))


_NEAREST_STREET = text("""
    SELECT lower(unaccent(a.street)), ST_Distance(a.point::geography, p.g::geography)
    FROM addresses a, (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g) p
    ORDER BY a.point <-> p.g
    LIMIT 1
""")


def nearest_street_key(s: Session, lon: float, lat: float, within_m: float = NEAREST_WITHIN_M) -> str | None:
    """The normalised street name (lower, unaccented) of the closest address within `within_m` metres."""
    row = s.connection().execute(_NEAREST_STREET, {"lon": lon, "lat": lat}).first()
    return None if row is None or row[1] > within_m else str(row[0])


def street_key(s: Session, street: str) -> str:
    """A street name normalised the same way (for schedules given per street)."""
    return str(s.connection().execute(text("SELECT lower(unaccent(:s))"), {"s": street.strip()}).scalar_one())
