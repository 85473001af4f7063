"""The public map of reports: clusters above street zoom, points (paginated) at street zoom."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from backend.db import session
from backend.errors import BadQuery
from backend.i18n import gettext
from backend.models import OPEN_STATUSES, STATUSES, Service
from geo import grid

STATUS_GROUPS = {"open": list(OPEN_STATUSES), "closed": [s for s in STATUSES if s not in OPEN_STATUSES]}


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError as exc:
        raise BadQuery(gettext("bbox is minLon,minLat,maxLon,maxLat."), field="bbox") from exc
    if len(values) != 4 or any(v != v for v in values):
        raise BadQuery(gettext("bbox is minLon,minLat,maxLon,maxLat."), field="bbox")
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise BadQuery(gettext("bbox is minLon,minLat,maxLon,maxLat."), field="bbox")
    return min_lon, min_lat, max_lon, max_lat


def parse_statuses(text: str | None) -> list[str] | None:
    if not text:
        return None
    out: list[str] = []
    for item in filter(None, (part.strip() for part in text.split(","))):  # empty items ignored, as for services
        if item in STATUS_GROUPS:
            out += STATUS_GROUPS[item]
        elif item in STATUSES:
            out.append(item)
        else:
            allowed = ", ".join(dict.fromkeys([*STATUS_GROUPS, *STATUSES]))
            raise BadQuery(gettext("Unknown status: {0}. Allowed: {1}.").format(item, allowed), field="status")
    return sorted(set(out)) or None


def service_ids_of(service: str | None) -> list[int] | None:
    """The ids of the services of these codes (in any municipality), refusing a code no municipality has."""
    codes = sorted({c.strip() for c in (service or "").split(",") if c.strip()})
    if not codes:
        return None
    s = session()
    rows = s.execute(select(Service.id, Service.code).where(Service.code.in_(codes))).all()
    s.rollback()
    unknown = [c for c in codes if c not in {code for _, code in rows}]
    if unknown:
        raise BadQuery(gettext("Unknown service: {0}.").format(", ".join(unknown)), field="service")
    return [sid for sid, _ in rows]


def refuse_oversized(box: tuple[float, float, float, float], zoom: int) -> None:
    """At zoom 13 and above a box of more grid cells than any screen shows is not a map view: 422."""
    band = grid.band_for_zoom(zoom)
    finest = max(grid.BANDS) if band is None else band
    if finest > 1 and grid.cell_count(box, finest) > grid.MAX_CELLS:
        raise BadQuery(
            gettext("This bbox is too large for zoom {zoom}: zoom out or send a smaller box.", zoom=zoom), field="bbox"
        )


def default_zoom(bbox: tuple[float, float, float, float]) -> int:
    width = max(bbox[2] - bbox[0], bbox[3] - bbox[1])
    return grid.STREET_ZOOM if width <= 0.02 else 14 if width <= 0.08 else 12 if width <= 0.3 else 10


def reports_map(
    *,
    bbox: str,
    zoom: int | None,
    status: str | None,
    service: str | None,
    since: datetime | None,
    cursor: int | None,
    limit: int,
) -> str:
    """A GeoJSON FeatureCollection (as text) for the map. The box is clamped to the extent of the areas served
    (no report lies outside it); at zoom 13 and above a box far larger than a screen is refused."""
    box = parse_bbox(bbox)
    statuses = parse_statuses(status)
    service_ids = service_ids_of(service)
    zoom = default_zoom(box) if zoom is None else zoom
    refuse_oversized(box, zoom)
    band = grid.band_for_zoom(zoom)
    s = session()
    try:
        served = grid.clamp_to_served(s, box)
        if served is None:
            extra: dict[str, Any] = {"bbox": list(box), "zoom": zoom, "mode": "points" if band is None else "clusters"}
            return json.dumps({"type": "FeatureCollection", "features": [], **extra, "next_cursor": None})
        if band is not None:
            collection, snapped = grid.clusters(
                s, served, band, statuses=statuses, service_ids=service_ids, since=since
            )
            extra = {"bbox": snapped, "zoom": zoom, "mode": "clusters", "next_cursor": None}
            return collection[:-1] + "," + json.dumps(extra)[1:]
        features, next_cursor = grid.points(
            s, served, statuses=statuses, service_ids=service_ids, since=since, before_id=cursor, limit=limit
        )
    finally:
        s.rollback()
    extra = {"bbox": list(served), "zoom": zoom, "mode": "points", "next_cursor": next_cursor}
    return '{"type":"FeatureCollection","features":[' + features + "]," + json.dumps(extra)[1:]
