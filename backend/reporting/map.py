"""The public map of reports: clusters above street zoom, points (paginated) at street zoom."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from backend.db import session
from backend.errors import DomainError
from backend.i18n import gettext
from backend.models import OPEN_STATUSES, STATUSES, Service
from geo import grid

STATUS_GROUPS = {"open": list(OPEN_STATUSES), "closed": [s for s in STATUSES if s not in OPEN_STATUSES]}


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError as exc:
        raise DomainError(gettext("bbox is minLon,minLat,maxLon,maxLat."), field="bbox") from exc
    if len(values) != 4 or any(v != v for v in values):
        raise DomainError(gettext("bbox is minLon,minLat,maxLon,maxLat."), field="bbox")
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise DomainError(gettext("bbox is minLon,minLat,maxLon,maxLat."), field="bbox")
    return min_lon, min_lat, max_lon, max_lat


def parse_statuses(text: str | None) -> list[str] | None:
    if not text:
        return None
    out: list[str] = []
    for item in text.split(","):
        item = item.strip()
        if item in STATUS_GROUPS:
            out += STATUS_GROUPS[item]
        elif item in STATUSES:
            out.append(item)
        else:
            raise DomainError(gettext("Unknown status {status}.", status=item), field="status")
    return sorted(set(out))


def default_zoom(bbox: tuple[float, float, float, float]) -> int:
    width = bbox[2] - bbox[0]
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
    """A GeoJSON FeatureCollection (as text) for the map."""
    box = parse_bbox(bbox)
    statuses = parse_statuses(status)
    service_ids = None
    if service:
        codes = [c.strip() for c in service.split(",") if c.strip()]
        s = session()
        service_ids = list(s.scalars(select(Service.id).where(Service.code.in_(codes))))
        s.rollback()
        if not service_ids:
            raise DomainError(gettext("Unknown service {code}.", code=service), field="service")
    zoom = default_zoom(box) if zoom is None else zoom
    band = grid.band_for_zoom(zoom)
    s = session()
    try:
        if band is not None:
            collection, snapped = grid.clusters(s, box, band, statuses=statuses, service_ids=service_ids, since=since)
            extra: dict[str, Any] = {"bbox": snapped, "zoom": zoom, "mode": "clusters", "next_cursor": None}
            return collection[:-1] + "," + json.dumps(extra)[1:]
        features, next_cursor = grid.points(
            s, box, statuses=statuses, service_ids=service_ids, since=since, before_id=cursor, limit=limit
        )
    finally:
        s.rollback()
    extra = {"bbox": list(box), "zoom": zoom, "mode": "points", "next_cursor": next_cursor}
    return '{"type":"FeatureCollection","features":[' + features + "]," + json.dumps(extra)[1:]
