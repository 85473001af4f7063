"""Before anything is filed: the register's addresses for what a resident types, and what a point is (its
municipality, district and nearest address), in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cities.geography import Named
from backend.db import session
from backend.errors import NotFound
from backend.i18n import gettext, pick
from backend.models import Area, Jurisdiction
from geo import addresses
from geo.locate import locate, locate_many


@dataclass(frozen=True, slots=True)
class AddressCandidate:
    """An address of the register: its words in the reader's language, its point and where it lies."""

    label: str
    street: str
    house_number: str
    postcode: str | None
    lat: float
    lon: float
    jurisdiction: Named
    area: Named | None


@dataclass(frozen=True, slots=True)
class AddressCandidates:
    items: list[AddressCandidate]
    #: What to do next when nothing matched (else None).
    message: str | None


@dataclass(frozen=True, slots=True)
class NearestAddress:
    label: str
    street: str
    house_number: str
    postcode: str | None
    lat: float
    lon: float
    distance_m: float


@dataclass(frozen=True, slots=True)
class Municipality:
    code: str
    name: str
    default_language: str
    languages: list[str]


@dataclass(frozen=True, slots=True)
class Whereabouts:
    """What a point is: inside a served municipality (its district and nearest address) or not (and what to do)."""

    inside: bool
    jurisdiction: Municipality | None
    area: Named | None
    address: NearestAddress | None
    message: str | None


def _named(obj: Jurisdiction | Area, lang: str, fallback: str) -> Named:
    return Named(obj.code, pick(obj.name, lang, fallback))


def _where(s: Session, points: list[tuple[float, float]], lang: str) -> list[tuple[Named, Named | None] | None]:
    """The municipality and district of each (lon, lat), named in `lang`."""
    found = locate_many(s, points) if points else []
    jurisdictions = {j.id: j for j in s.scalars(select(Jurisdiction))}
    area_ids = {loc.area_id for loc in found if loc is not None}
    areas = {a.id: a for a in s.scalars(select(Area).where(Area.id.in_(area_ids)))} if area_ids else {}
    out: list[tuple[Named, Named | None] | None] = []
    for loc in found:
        if loc is None:
            out.append(None)
            continue
        j = jurisdictions[loc.jurisdiction_id]
        area = areas.get(loc.area_id)
        out.append(
            (_named(j, lang, j.default_language), None if area is None else _named(area, lang, j.default_language))
        )
    return out


def address_candidates(query: str, *, jurisdiction_code: str | None, lang: str, limit: int) -> AddressCandidates:
    """Addresses of the register for typed text ('ul. Floriańska 12, 31-019 Kraków', 'вул. Флоріанська 12'),
    best first, in `lang` where the register has it; within one municipality when its code is given."""
    s = session()
    jurisdiction_ids = None
    if jurisdiction_code:
        j = s.scalars(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)).first()
        if j is None:
            s.rollback()
            raise NotFound(gettext("Not found."), field="jurisdiction")
        jurisdiction_ids = [j.id]
    parts = addresses.parse_query(s, query)
    found = addresses.candidates(s, parts, jurisdiction_ids=jurisdiction_ids, limit=limit)
    places = _where(s, [(c.lon, c.lat) for c in found], lang)
    items = []
    for c, place in zip(found, places, strict=True):
        if place is None:  # an address point outside every district: not a place a report can be filed
            continue
        street = c.street_uk if lang == "uk" and c.street_uk else c.street
        items.append(
            AddressCandidate(c.label_in(lang), street, c.house_number, c.postcode, c.lat, c.lon, place[0], place[1])
        )
    s.rollback()
    message = None
    if not items and (parts.street or parts.postcode):
        message = gettext("No address matches. Check the street and house number, or choose the place on the map.")
    elif not items:
        message = gettext("Type a street name, and the house number if you know it.")
    return AddressCandidates(items, message)


def whereabouts(lon: float, lat: float, lang: str) -> Whereabouts:
    """The municipality and district at a point and its nearest address (within 100 m); outside every served
    municipality a clear answer saying which ones are served and what to do."""
    s = session()
    loc = locate(s, lon, lat)
    if loc is None:
        served = ", ".join(
            pick(j.name, lang, j.default_language) for j in s.scalars(select(Jurisdiction).order_by(Jurisdiction.code))
        )
        s.rollback()
        message = gettext(
            "This place is outside the municipalities served here ({names}). Choose a place inside one of them, "
            "or report the problem to the municipality where it is.",
            names=served,
        )
        return Whereabouts(False, None, None, None, message)
    j = s.get_one(Jurisdiction, loc.jurisdiction_id)
    area = s.get(Area, loc.area_id)
    near = addresses.nearest_address(s, lon, lat)
    s.rollback()
    municipality = Municipality(j.code, pick(j.name, lang, j.default_language), j.default_language, list(j.languages))
    address = None
    if near is not None:
        street = near.street_uk if lang == "uk" and near.street_uk else near.street
        address = NearestAddress(
            near.label_in(lang), street, near.house_number, near.postcode, near.lat, near.lon, round(near.score, 1)
        )
    return Whereabouts(
        True, municipality, None if area is None else _named(area, lang, j.default_language), address, None
    )
