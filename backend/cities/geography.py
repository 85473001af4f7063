"""Where a point lies, and what the staff UI's filters and maps need: the jurisdiction's services, areas and
departments, and the district outlines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import select

from backend.db import session
from backend.errors import OutsideJurisdiction
from backend.i18n import gettext, pick
from backend.models import Area, Department, Jurisdiction, Service, StaffUser
from geo.boundaries import areas_geojson as _areas_geojson
from geo.locate import Location, locate


@dataclass(frozen=True, slots=True)
class Named:
    """Something residents see by its code and its name in their language (a municipality, a district…)."""

    code: str
    name: str


class Choices(TypedDict):
    """What the staff pages' forms and filters offer (read by the templates)."""

    services: list[Named]
    areas: list[Named]
    departments: list[Named]
    timezone: str
    default_language: str


def choices(staff: StaffUser) -> Choices:
    """(code, name) of the services, areas and departments of the staff member's jurisdiction."""
    s = session()
    j = s.get_one(Jurisdiction, staff.jurisdiction_id)
    lang, fallback = staff.locale, j.default_language

    def named(model: Any, *extra: Any) -> list[Named]:
        rows = s.scalars(select(model).where(model.jurisdiction_id == j.id, *extra).order_by(model.code)).all()
        return [Named(code=r.code, name=pick(r.name, lang, fallback)) for r in rows]

    out: Choices = {
        "services": named(Service, Service.active),
        "areas": named(Area),
        "departments": named(Department, Department.active),
        "timezone": j.timezone,
        "default_language": j.default_language,
    }
    s.rollback()
    return out


def areas_geojson(jurisdiction_id: int, lang: str) -> str:
    s = session()
    j = s.get_one(Jurisdiction, jurisdiction_id)
    out = _areas_geojson(s, jurisdiction_id, lang, j.default_language)
    s.rollback()
    return out


def locate_or_refuse(lon: float, lat: float) -> tuple[Location, Jurisdiction]:
    """Where a point lies; OutsideJurisdiction (422) when no served municipality covers it."""
    s = session()
    loc = locate(s, lon, lat)
    if loc is None:
        raise OutsideJurisdiction(gettext("This location is outside every municipality served here."), field="lat")
    return loc, s.get_one(Jurisdiction, loc.jurisdiction_id)
