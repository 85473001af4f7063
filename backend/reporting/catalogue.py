"""The service catalogue of a place, in the resident's language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.cities.geography import Named, locate_or_refuse
from backend.db import session
from backend.errors import DomainError, NotFound
from backend.i18n import choose_language, gettext
from backend.models import Jurisdiction, Service
from backend.reporting.presenters import ServiceView, service_entry


@dataclass(frozen=True, slots=True)
class Catalogue:
    jurisdiction: Named
    language: str
    services: list[ServiceView]


def catalogue(
    *, lon: float | None, lat: float | None, jurisdiction_code: str | None, device_locale: str | None
) -> Catalogue:
    """Active services of the jurisdiction at (lon, lat) or with the given code (with both, the point must lie in
    that jurisdiction; an unknown code is refused either way)."""
    s = session()
    named = None
    if jurisdiction_code:
        named = s.scalars(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)).first()
        if named is None:
            raise NotFound(gettext("Not found."), field="jurisdiction")
    if lon is not None and lat is not None:
        _, jurisdiction = locate_or_refuse(lon, lat)
        if named is not None and named.id != jurisdiction.id:
            raise DomainError(gettext("This place is not in {0}.").format(named.code), field="jurisdiction")
    else:
        assert named is not None  # noqa: S101 - the schema requires one or the other
        jurisdiction = named
    lang = choose_language(device_locale, jurisdiction.languages, jurisdiction.default_language)
    services = s.scalars(
        select(Service)
        .where(Service.jurisdiction_id == jurisdiction.id, Service.active)
        .options(selectinload(Service.questions), selectinload(Service.group))
        .order_by(Service.position)
    ).all()
    return Catalogue(
        jurisdiction=Named(
            jurisdiction.code, jurisdiction.name.get(lang) or jurisdiction.name[jurisdiction.default_language]
        ),
        language=lang,
        services=[service_entry(x, lang, jurisdiction.default_language) for x in services],
    )
