"""The waste-collection calendar: import a municipality's schedule, answer the coming collections at a place."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypedDict, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, or_, select

from backend.cities.geography import locate_or_refuse
from backend.db import session, unit_of_work
from backend.errors import DomainError, NotFound
from backend.i18n import gettext
from backend.models import WASTE_FRACTIONS, Area, Jurisdiction, WasteCollection, utcnow
from geo.addresses import nearest_street_key, street_key
from push.waste_reminders import FRACTION_NAMES

COLUMNS = ("area", "street", "date", "fraction")


class CollectionRow(TypedDict):
    """A line of the schedule as it is inserted into waste_collections."""

    jurisdiction_id: int
    area_id: int | None
    street: str | None
    street_key: str | None
    day: date
    fraction: str


@dataclass(frozen=True, slots=True)
class Collection:
    date: date
    fraction: str
    #: The fraction's name in the resident's language.
    name: str


@dataclass(frozen=True, slots=True)
class WasteSchedule:
    """The coming collections at a place."""

    jurisdiction: str
    area: str
    items: list[Collection]


def load_schedule(jurisdiction_code: str, path: Path) -> int:
    """Replace the municipality's schedule with a CSV (area,street,date,fraction; one of area or street per
    line). The whole file is checked first: one bad line and nothing changes (the error names the line)."""
    with unit_of_work() as s:
        jurisdiction = s.scalars(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)).first()
        if jurisdiction is None:
            raise NotFound(gettext("Unknown municipality."), field="jurisdiction")
        areas = dict(s.execute(select(Area.code, Area.id).where(Area.jurisdiction_id == jurisdiction.id)).all())
        rows: list[CollectionRow] = []
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise DomainError(f"{path.name}: missing columns {', '.join(missing)}", field="path")
            for n, line in enumerate(reader, start=2):
                area, street = (line.get("area") or "").strip(), (line.get("street") or "").strip()
                if bool(area) == bool(street):
                    raise DomainError(f"{path.name} line {n}: give an area or a street (one of them)", field="path")
                if area and area not in areas:
                    raise DomainError(f"{path.name} line {n}: unknown area {area!r}", field="path")
                try:
                    day = date.fromisoformat((line.get("date") or "").strip())
                except ValueError as exc:
                    raise DomainError(f"{path.name} line {n}: the date must be YYYY-MM-DD", field="path") from exc
                fraction = (line.get("fraction") or "").strip()
                if fraction not in WASTE_FRACTIONS:
                    raise DomainError(
                        f"{path.name} line {n}: the fraction must be one of {', '.join(WASTE_FRACTIONS)}", field="path"
                    )
                rows.append(
                    {
                        "jurisdiction_id": jurisdiction.id,
                        "area_id": areas.get(area) if area else None,
                        "street": street or None,
                        "street_key": street_key(s, street) if street else None,
                        "day": day,
                        "fraction": fraction,
                    }
                )
        s.execute(delete(WasteCollection).where(WasteCollection.jurisdiction_id == jurisdiction.id))
        if rows:
            s.execute(cast(Table, WasteCollection.__table__).insert(), rows)
    return len(rows)


def schedule_at(lon: float, lat: float, days: int, lang: str) -> WasteSchedule:
    """The coming collections (today included, local time) for the area and the street of a place."""
    loc, jurisdiction = locate_or_refuse(lon, lat)
    s = session()
    street = nearest_street_key(s, lon, lat)
    today = datetime.now(ZoneInfo(jurisdiction.timezone)).date() if jurisdiction.timezone else utcnow().date()
    c = WasteCollection
    where = [c.area_id == loc.area_id]
    if street is not None:
        where.append(c.street_key == street)
    rows = s.execute(
        select(c.day, c.fraction)
        .where(c.jurisdiction_id == jurisdiction.id, or_(*where), c.day >= today, c.day < today + timedelta(days=days))
        .distinct()
        .order_by(c.day, c.fraction)
    ).all()
    s.rollback()
    return WasteSchedule(
        jurisdiction=jurisdiction.code,
        area=loc.area_code,
        items=[
            Collection(date=day, fraction=fraction, name=gettext(FRACTION_NAMES[fraction], lang))
            for day, fraction in rows
        ],
    )
