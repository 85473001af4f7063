"""Address points: the nearest address to a point (KNN on GiST) and text search (pg_trgm + unaccent)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from geo.address_text import AddressText, parse

NEAREST_WITHIN_M = 100
#: Minimum pg_trgm word similarity of the typed street for an address-only report to be placed.
MATCH_THRESHOLD = 0.6
#: ... and for an address to be offered as a candidate (the resident chooses among them).
CANDIDATE_THRESHOLD = 0.5


@dataclass(frozen=True)
class AddressHit:
    id: int
    jurisdiction_id: int
    label: str
    lon: float
    lat: float
    score: float


@dataclass(frozen=True)
class Candidate:
    """An address of the register offered for typed text."""

    id: int
    jurisdiction_id: int
    street: str
    street_uk: str | None
    house_number: str
    postcode: str | None
    lon: float
    lat: float
    score: float

    @property
    def label(self) -> str:
        """Street and house number as the register writes them (in Polish for a Polish register)."""
        return f"{self.street} {self.house_number}"

    def label_in(self, lang: str) -> str:
        """Street and house number in `lang` where the register has it ("uk": `street_uk`)."""
        return f"{self.street_uk} {self.house_number}" if lang == "uk" and self.street_uk else self.label


def _candidate(row: Any) -> Candidate:
    """A candidate from a row of id, jurisdiction, street, street_uk, house number, postcode, lon, lat, score."""
    return Candidate(row[0], row[1], row[2], row[3], row[4], row[5], float(row[6]), float(row[7]), float(row[8]))


_NORMALISE = text("""
    SELECT lower(unaccent(:q)),
           ARRAY(SELECT DISTINCT lower(unaccent(n.value)) FROM jurisdictions j, jsonb_each_text(j.name) n)
""")

_MUNICIPALITIES_NAMED = text("""
    SELECT DISTINCT j.id FROM jurisdictions j, jsonb_each_text(j.name) n
    WHERE lower(unaccent(n.value)) = ANY(:names)
""")

_WORD_THRESHOLD = text("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)")

#: The order of candidates of equal street similarity: the number typed, numbers beginning with it, the
#: postcode typed, then street and house number in natural order.
_ORDER = """
    lower(a.house_number) = :number DESC,
    (:number <> '' AND lower(a.house_number) LIKE :number_prefix) DESC,
    replace(coalesce(a.postcode, ''), '-', '') = :postcode DESC,
    a.street, substring(a.house_number FROM '^[0-9]{1,9}')::int NULLS LAST, a.house_number, a.id
"""

_CANDIDATES = text(f"""
    SELECT a.id, a.jurisdiction_id, a.street, a.street_uk, a.house_number, a.postcode, ST_X(a.point), ST_Y(a.point),
           word_similarity(:street, a.search) AS score
    FROM addresses a
    WHERE :street <% a.search
      AND (CAST(:jids AS int[]) IS NULL OR a.jurisdiction_id = ANY(CAST(:jids AS int[])))
    ORDER BY score DESC, {_ORDER}
    LIMIT :limit
""")  # noqa: S608 - constant SQL

_BY_POSTCODE = text(f"""
    SELECT a.id, a.jurisdiction_id, a.street, a.street_uk, a.house_number, a.postcode, ST_X(a.point), ST_Y(a.point),
           1.0 AS score
    FROM addresses a
    WHERE replace(a.postcode, '-', '') = :postcode
      AND (CAST(:jids AS int[]) IS NULL OR a.jurisdiction_id = ANY(CAST(:jids AS int[])))
    ORDER BY {_ORDER}
    LIMIT :limit
""")  # noqa: S608 - constant SQL

_NEAREST = text("""
    SELECT a.id, a.jurisdiction_id, a.street, a.street_uk, a.house_number, a.postcode, ST_X(a.point), ST_Y(a.point),
           ST_Distance(a.point::geography, p.g::geography) AS d
    FROM addresses a, (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g) p
    ORDER BY a.point <-> p.g
    LIMIT 1
""")


def normalise_sql() -> str:
    """The SQL expression that builds the `search` column from street, street_uk and house number."""
    return "lower(unaccent(street || ' ' || house_number || coalesce(' ' || street_uk || ' ' || house_number, '')))"


def nearest_address(s: Session, lon: float, lat: float, within_m: float = NEAREST_WITHIN_M) -> Candidate | None:
    """The closest address point within `within_m` metres; `score` is its distance in metres."""
    row = s.connection().execute(_NEAREST, {"lon": lon, "lat": lat}).first()
    if row is None or row[8] > within_m:
        return None
    return _candidate(row)


def nearest(s: Session, lon: float, lat: float, within_m: float = NEAREST_WITHIN_M) -> AddressHit | None:
    """The closest address point within `within_m` metres."""
    c = nearest_address(s, lon, lat, within_m)
    return None if c is None else AddressHit(c.id, c.jurisdiction_id, c.label, c.lon, c.lat, c.score)


def parse_query(s: Session, query: str) -> AddressText:
    """The parts of typed text, normalised as the register is (lower + unaccent), with the names of the
    municipalities served (in every language) recognised and set apart."""
    row = s.connection().execute(_NORMALISE, {"q": query}).one()
    return parse(row[0], row[1] or ())


def candidates(
    s: Session,
    parts: AddressText,
    *,
    jurisdiction_ids: list[int] | None = None,
    limit: int = 10,
    threshold: float = CANDIDATE_THRESHOLD,
) -> list[Candidate]:
    """Addresses matching typed text, best first: the closest street (pg_trgm word similarity, served by the
    trigram index), on it the house number typed (then the numbers it begins), then the postcode typed. With a
    postcode and no street: that postcode's addresses. A municipality named in the text limits the search to it."""
    if parts.municipalities:
        named = list(s.connection().execute(_MUNICIPALITIES_NAMED, {"names": list(parts.municipalities)}).scalars())
        jurisdiction_ids = [j for j in named if jurisdiction_ids is None or j in jurisdiction_ids]
    if not parts.street and not parts.postcode:
        return []
    params = {
        "street": parts.street,
        "number": parts.number,
        "number_prefix": parts.number + "%",  # digits, letters and "/" only (see address_text)
        "postcode": parts.postcode or "",
        "jids": jurisdiction_ids,
        "limit": limit,
    }
    conn = s.connection()
    if parts.street:
        conn.execute(_WORD_THRESHOLD, {"t": str(threshold)})
        rows = conn.execute(_CANDIDATES.bindparams(bindparam("jids", type_=ARRAY(Integer))), params)
    else:
        rows = conn.execute(_BY_POSTCODE.bindparams(bindparam("jids", type_=ARRAY(Integer))), params)
    return [_candidate(r) for r in rows]


def search(s: Session, query: str) -> AddressHit | None:
    """The best-matching address for free text ('Florianska 12', 'ul. Floriańska 12, 31-019 Kraków' and
    'Флоріанська 12' all find 'Floriańska 12'), if it matches well enough to place a report on it."""
    found = candidates(s, parse_query(s, query), limit=1, threshold=MATCH_THRESHOLD)
    if not found:
        return None
    c = found[0]
    return AddressHit(c.id, c.jurisdiction_id, c.label, c.lon, c.lat, c.score)


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
