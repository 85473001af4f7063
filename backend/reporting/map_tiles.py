"""The public map as cacheable tiles: the clusters of one web-map tile (z/x/y) with an ETag that changes only
when the counts of a cell in that tile changed (geo/tiles.py), so a browser or proxy asks again cheaply and one
new report does not send the whole city's map again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from backend.db import session
from backend.reporting.map import parse_statuses, service_ids_of
from geo import grid, tiles

MAX_TILE_ZOOM = tiles.MAX_ZOOM
#: Part of every tile's ETag: raised when the tiles' GeoJSON changes shape, so that no cache keeps the old one.
TILE_FORMAT = 1
EMPTY = '{"type":"FeatureCollection","features":[]}'


@dataclass(frozen=True)
class MapTile:
    """A tile's ETag and its GeoJSON text (None: the caller's copy, named by that ETag, is current)."""

    etag: str
    body: str | None


def map_tile(
    z: int, x: int, y: int, *, status: str | None, service: str | None, current: Callable[[str], bool]
) -> MapTile:
    """The clusters of the cells whose centres lie in the tile, filtered as the bbox map is (statuses or open /
    closed, service codes); `current(etag)` says whether the caller already holds that version."""
    statuses = parse_statuses(status)
    service_ids = service_ids_of(service)
    band = tiles.band_for_zoom(z)
    cell_range = tiles.cells(z, x, y, band)
    s = session()
    try:
        # The version is read before the clusters: an answer may be newer than its ETag (asked again once), never
        # older.
        counted, version = tiles.version(s, band, cell_range) if cell_range else (0, 0)
        key = json.dumps([TILE_FORMAT, z, x, y, counted, version, statuses, sorted(service_ids or [])])
        etag = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        if current(etag):
            return MapTile(etag, None)
        body = EMPTY
        if cell_range:
            body = grid.cell_clusters(s, band, cell_range, statuses=statuses, service_ids=service_ids, since=None)
    finally:
        s.rollback()
    extra = {"tile": [z, x, y], "bbox": list(tiles.bounds(z, x, y)), "zoom": z, "mode": "clusters"}
    return MapTile(etag, body[:-1] + "," + json.dumps(extra)[1:])
