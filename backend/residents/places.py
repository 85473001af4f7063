"""Places a device follows (home, work…): saved by the resident, used for broadcasts and waste reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from geoalchemy2.shape import to_shape
from sqlalchemy import delete, func, select

from backend.cities.geography import Named, locate_or_refuse
from backend.db import session, unit_of_work
from backend.errors import Conflict, NotFound
from backend.i18n import gettext, pick
from backend.models import Area, Device, DevicePlace, Jurisdiction
from geo.addresses import nearest_street_key

MAX_PLACES = 5


@dataclass(frozen=True, slots=True)
class PlaceView:
    id: int
    label: str
    lat: float
    lon: float
    jurisdiction: Named
    area: Named | None
    created_at: datetime


def _view(place: DevicePlace, area: Area | None, jurisdiction: Jurisdiction, lang: str) -> PlaceView:
    point = to_shape(place.location)
    fallback = jurisdiction.default_language
    return PlaceView(
        id=place.id,
        label=place.label,
        lat=float(point.y),
        lon=float(point.x),
        jurisdiction=Named(jurisdiction.code, pick(jurisdiction.name, lang, fallback)),
        area=None if area is None else Named(area.code, pick(area.name, lang, fallback)),
        created_at=place.created_at,
    )


def places(device: Device) -> list[PlaceView]:
    s = session()
    rows = s.execute(
        select(DevicePlace, Area, Jurisdiction)
        .outerjoin(Area, Area.id == DevicePlace.area_id)
        .join(Jurisdiction, Jurisdiction.id == DevicePlace.jurisdiction_id)
        .where(DevicePlace.device_id == device.id)
        .order_by(DevicePlace.id)
    ).all()
    out = [_view(p, a, j, device.locale) for p, a, j in rows]
    s.rollback()
    return out


def add_place(device: Device, label: str, lon: float, lat: float) -> PlaceView:
    """Save a place (at most MAX_PLACES); the device's municipality becomes the place's if it had none."""
    loc, jurisdiction = locate_or_refuse(lon, lat)
    with unit_of_work() as s:
        me = s.get_one(Device, device.id, with_for_update=True)
        count = s.execute(select(func.count()).where(DevicePlace.device_id == me.id)).scalar_one()
        if count >= MAX_PLACES:
            raise Conflict(gettext("A device can follow at most {n} places.", n=MAX_PLACES), field="label")
        place = DevicePlace(
            device_id=me.id,
            label=label.strip(),
            jurisdiction_id=loc.jurisdiction_id,
            area_id=loc.area_id,
            location=f"SRID=4326;POINT({lon} {lat})",
            street_key=nearest_street_key(s, lon, lat),
        )
        s.add(place)
        if me.jurisdiction_id is None:
            me.jurisdiction_id = loc.jurisdiction_id
        s.flush()
        s.refresh(place)
        area = s.get(Area, loc.area_id)
        view = _view(place, area, jurisdiction, me.locale)
    return view


def remove_place(device: Device, place_id: int) -> None:
    if not 0 < place_id < 2**31:  # no such id can exist (and the database would refuse to compare it)
        raise NotFound(gettext("Not found."))
    with unit_of_work() as s:
        gone = s.execute(
            delete(DevicePlace)
            .where(DevicePlace.id == place_id, DevicePlace.device_id == device.id)
            .returning(DevicePlace.id)
        ).first()
        if gone is None:
            raise NotFound(gettext("Not found."))
