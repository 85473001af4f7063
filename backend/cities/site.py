"""The municipalities the resident website shows: by code (a host of SITE_HOSTS), by slug (a path), or all of
them (the page that lets a visitor choose), each with its languages and the extent its map starts at."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from backend.db import session
from backend.errors import NotFound
from backend.i18n import gettext, pick
from backend.models import Jurisdiction
from geo.extent import jurisdiction_extent


@dataclass(frozen=True, slots=True)
class Municipality:
    """A municipality as its residents' website presents it (no staff-only settings)."""

    code: str
    slug: str
    names: dict[str, str]
    languages: tuple[str, ...]
    default_language: str
    timezone: str
    #: (west, south, east, north) of its boundary; None before its boundary is loaded.
    extent: tuple[float, float, float, float] | None

    def name(self, lang: str) -> str:
        return pick(self.names, lang, self.default_language)


def _municipality(j: Jurisdiction, extent: tuple[float, float, float, float] | None) -> Municipality:
    languages = tuple(j.languages) or (j.default_language,)
    return Municipality(j.code, j.slug, dict(j.name), languages, j.default_language, j.timezone, extent)


def site_municipality(*, code: str | None = None, slug: str | None = None) -> Municipality:
    """The municipality of this code or slug, with its extent; NotFound names `municipality` otherwise."""
    s = session()
    query = select(Jurisdiction).where(Jurisdiction.code == code if code is not None else Jurisdiction.slug == slug)
    j = s.scalars(query).first() if (code or slug) else None
    if j is None:
        s.rollback()
        raise NotFound(gettext("No municipality is served at this address."), field="municipality")
    found = _municipality(j, jurisdiction_extent(s, j.id))
    s.rollback()
    return found


def site_municipalities() -> list[Municipality]:
    """Every municipality served here (without extents), ordered by slug."""
    s = session()
    rows = s.scalars(select(Jurisdiction).order_by(Jurisdiction.slug)).all()
    found = [_municipality(j, None) for j in rows]
    s.rollback()
    return found
