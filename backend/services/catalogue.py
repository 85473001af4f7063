"""The service catalogue of a place, in the resident's language."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.db import session
from backend.errors import NotFound, OutsideJurisdiction
from backend.i18n import choose_language, gettext
from backend.models import Jurisdiction, Service
from backend.services.views import service_entry
from geo.locate import Location, locate


def locate_or_refuse(lon: float, lat: float) -> tuple[Location, Jurisdiction]:
    """Where a point lies; OutsideJurisdiction (422) when no served municipality covers it."""
    s = session()
    loc = locate(s, lon, lat)
    if loc is None:
        raise OutsideJurisdiction(gettext("This location is outside every municipality served here."), field="lat")
    return loc, s.get_one(Jurisdiction, loc.jurisdiction_id)


def catalogue(
    *, lon: float | None, lat: float | None, jurisdiction_code: str | None, device_locale: str | None
) -> dict[str, Any]:
    """Active services of the jurisdiction at (lon, lat) or with the given code."""
    s = session()
    if jurisdiction_code:
        jurisdiction = s.scalars(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)).first()
        if jurisdiction is None:
            raise NotFound(gettext("Not found."), field="jurisdiction")
    else:
        assert lon is not None and lat is not None  # noqa: S101 - the schema requires one or the other
        _, jurisdiction = locate_or_refuse(lon, lat)
    lang = choose_language(device_locale, jurisdiction.languages, jurisdiction.default_language)
    services = s.scalars(
        select(Service)
        .where(Service.jurisdiction_id == jurisdiction.id, Service.active)
        .options(selectinload(Service.questions), selectinload(Service.group))
        .order_by(Service.position)
    ).all()
    return {
        "jurisdiction": {
            "code": jurisdiction.code,
            "name": jurisdiction.name.get(lang) or jurisdiction.name[jurisdiction.default_language],
        },
        "language": lang,
        "services": [service_entry(x, lang, jurisdiction.default_language) for x in services],
    }
