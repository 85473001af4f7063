"""Correcting where a report is: a new point (its address from the register when none is given) or an address
alone (placed by the register), inside the report's own municipality; the area, the map counts, the public
timeline and the notification of the reporter and supporters follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from geoalchemy2 import WKTElement
from sqlalchemy.orm import Session

from backend.errors import DomainError
from backend.i18n import gettext
from backend.models import Report, ReportEvent
from backend.outbox import add_event
from backend.reporting import counts
from backend.reporting.presenters import location_of
from geo import addresses
from geo.locate import locate

#: As long as a report's address may be (`Report.address`).
MAX_ADDRESS = 300


@dataclass(frozen=True, slots=True)
class Place:
    lon: float
    lat: float
    address: str | None
    area_id: int


def place_in(s: Session, report: Report, lon: float | None, lat: float | None, address: str | None) -> Place:
    """Where the report goes: the point given (with the address given, else the nearest one of the register), or
    the register's best match for the address; refused (422, naming the field) outside the report's municipality."""
    address = (address or "").strip() or None
    if address is not None and len(address) > MAX_ADDRESS:
        raise DomainError(gettext("Longer than maximum length {0}.").format(MAX_ADDRESS), field="address")
    if lon is None or lat is None:
        if lon is not None or lat is not None:
            raise DomainError(gettext("Send lat and lon together."), field="lon" if lon is None else "lat")
        hit = addresses.search(s, address) if address else None
        if hit is None:
            field = "address" if address else "lat"
            raise DomainError(
                gettext("No known address matches; send the location (lat, lon)."), field=field, code="AddressNotFound"
            )
        lon, lat, address, field = hit.lon, hit.lat, hit.label, "address"
    else:
        field = "lat"
        if address is None:
            hit = addresses.nearest(s, lon, lat)
            address = hit.label if hit is not None else None
    where = locate(s, lon, lat)
    if where is None or where.jurisdiction_id != report.jurisdiction_id:
        raise DomainError(gettext("This place is outside the report's municipality."), field=field)
    return Place(lon=lon, lat=lat, address=address, area_id=where.area_id)


def _state(report: Report) -> dict[str, Any]:
    lon, lat = location_of(report)
    return {"lat": lat, "lon": lon, "address": report.address, "area_id": report.area_id}


def relocate(s: Session, report: Report, place: Place, *, staff_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Move the report to `place` in the caller's transaction; (before, after) for the audit log. Nothing is told
    when the place is the one the report already has."""
    before = _state(report)
    after = {"lat": place.lat, "lon": place.lon, "address": place.address, "area_id": place.area_id}
    if after == before:
        return before, after
    with counts.recount(s, report):
        report.location = WKTElement(f"POINT({place.lon} {place.lat})", srid=4326)  # type: ignore[assignment]
        report.address, report.area_id = place.address, place.area_id
    s.add(
        ReportEvent(
            report_id=report.id,
            kind="moved",
            public=True,
            actor_staff_id=staff_id,
            data={"from": before, "to": after, "address": place.address},
        )
    )
    add_event(s, "report.moved", {"report_id": report.id, "address": place.address})
    return before, after
