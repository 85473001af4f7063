"""Broadcast audiences with PostGIS: which devices follow a place inside a jurisdiction, areas, a drawn
polygon or a radius — and, the other way round, which broadcasts cover a point.

A device follows the places it saved and the places of the reports it filed (never where it is: nothing is
tracked). A device with no place is reached only through the jurisdiction it chose (jurisdiction-wide). A polygon
or circle that reaches beyond the municipality counts only inside it: places in a neighbour are not its residents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geoalchemy2 import Geography, Geometry
from sqlalchemy import ColumnElement, and_, cast, exists, false, func, literal, or_

from backend.models import Broadcast, Device, DevicePlace, Report


@dataclass(frozen=True)
class Target:
    """An audience: `shape` a GeoJSON (Multi)Polygon, `center` (lon, lat) with `radius_m`."""

    audience: str
    jurisdiction_id: int
    area_ids: tuple[int, ...] = ()
    shape: str | None = None
    center: tuple[float, float] | None = None
    radius_m: float | None = None
    #: Only devices that reported one of these services since `reporters_since` (a survey's audience).
    reporter_service_ids: tuple[int, ...] = ()
    reporters_since: datetime | None = None


def shape_sql(geojson: str) -> Any:
    """A GeoJSON polygon as a valid MULTIPOLYGON in SRID 4326."""
    return func.ST_Multi(
        func.ST_CollectionExtract(func.ST_MakeValid(func.ST_SetSRID(func.ST_GeomFromGeoJSON(geojson), 4326)), 3)
    )


def point_sql(lon: float, lat: float) -> Any:
    return cast(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326), Geography)


def _followed(place: ColumnElement[bool], report: ColumnElement[bool]) -> ColumnElement[bool]:
    return or_(
        exists().where(DevicePlace.device_id == Device.id, place), exists().where(Report.device_id == Device.id, report)
    )


def follows(t: Target) -> ColumnElement[bool]:
    """True for the devices of this audience (a condition on `Device`)."""
    p, r = DevicePlace, Report
    if t.audience == "jurisdiction":
        return or_(
            Device.jurisdiction_id == t.jurisdiction_id,
            _followed(p.jurisdiction_id == t.jurisdiction_id, r.jurisdiction_id == t.jurisdiction_id),
        )
    if t.audience == "areas":
        if not t.area_ids:
            return false()
        ids = list(t.area_ids)
        return _followed(p.area_id.in_(ids), r.area_id.in_(ids))
    if t.audience == "polygon" and t.shape is not None:
        shape = shape_sql(t.shape)
        return _followed(
            and_(p.jurisdiction_id == t.jurisdiction_id, func.ST_Covers(shape, cast(p.location, Geometry))),
            and_(r.jurisdiction_id == t.jurisdiction_id, func.ST_Covers(shape, cast(r.location, Geometry))),
        )
    if t.audience == "radius" and t.center is not None and t.radius_m is not None:
        center = point_sql(*t.center)
        return _followed(
            and_(p.jurisdiction_id == t.jurisdiction_id, func.ST_DWithin(p.location, center, t.radius_m)),
            and_(r.jurisdiction_id == t.jurisdiction_id, func.ST_DWithin(r.location, center, t.radius_m)),
        )
    return false()


def members(t: Target) -> ColumnElement[bool]:
    """The devices of the audience that are not revoked, whatever they follow (a condition on `Device`): also
    who a survey is meant for, so that its invitation and the survey lists agree."""
    condition = and_(Device.revoked_at.is_(None), follows(t))
    if t.reporter_service_ids:
        recent = exists().where(
            Report.device_id == Device.id,
            Report.service_id.in_(list(t.reporter_service_ids)),
            Report.requested_at >= t.reporters_since,
        )
        condition = and_(condition, recent)
    return condition


def audience_devices(t: Target, topic: str) -> ColumnElement[bool]:
    """The devices of the audience that follow the topic and are not revoked."""
    return and_(literal(topic) == func.any(Device.topics), members(t))


def covers(lon: float, lat: float, jurisdiction_id: int, area_id: int | None) -> ColumnElement[bool]:
    """True for the broadcasts whose audience includes this point (a condition on `Broadcast`)."""
    b = Broadcast
    point = point_sql(lon, lat)
    return and_(
        b.jurisdiction_id == jurisdiction_id,
        or_(
            b.audience == "jurisdiction",
            and_(b.audience == "areas", literal(area_id) == func.any(b.area_ids)) if area_id is not None else false(),
            and_(b.audience == "polygon", func.ST_Covers(b.shape, cast(point, Geometry))),
            and_(b.audience == "radius", func.ST_DWithin(b.center, point, b.radius_m)),
        ),
    )
