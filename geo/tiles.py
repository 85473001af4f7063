"""The public map as web-map tiles (z/x/y, Web Mercator as every web map numbers them): each grid cell of the map's
count tables belongs to exactly one tile of a zoom, the one that holds the cell's centre, so clusters summed over
the tiles equal the clusters of a box over the same cells.

A tile's version is the sum of the versions of the cells it holds (`report_cell_versions`: each change to a cell's
counts adds one, in the same transaction as the change; rows are never deleted). One report's change thus changes
the version of the one tile per zoom that holds its cell and of no other tile.
"""

from __future__ import annotations

import math

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import grid

MAX_ZOOM = 22


def tile_west(x: int, z: int) -> float:
    """The longitude of a tile column's western edge (of the column after the last: 180)."""
    return x / (1 << z) * 360.0 - 180.0


def tile_north(y: int, z: int) -> float:
    """The latitude of a tile row's northern edge (of the row after the last: the southern edge of the map)."""
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / (1 << z)))))


def bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a tile."""
    return tile_west(x, z), tile_north(y + 1, z), tile_west(x + 1, z), tile_north(y, z)


def _first_centre_at_or_after(edge: float, size: float) -> int:
    """The least cell index whose centre ((i + 0.5) * size) is at or after `edge`."""
    i = math.ceil(edge / size - 0.5)
    while (i + 0.5) * size < edge:
        i += 1
    while (i - 0.5) * size >= edge:
        i -= 1
    return i


def cells(z: int, x: int, y: int, band: int) -> tuple[int, int, int, int] | None:
    """The cell range (cx0, cy0, cx1, cy1) of the band whose centres lie in the tile (west and south edges
    included, east and north excluded), or None when no centre does."""
    size = grid.BANDS[band]
    west, south, east, north = bounds(z, x, y)
    cx0, cx1 = _first_centre_at_or_after(west, size), _first_centre_at_or_after(east, size) - 1
    cy0, cy1 = _first_centre_at_or_after(south, size), _first_centre_at_or_after(north, size) - 1
    if cx0 > cx1 or cy0 > cy1:
        return None
    return cx0, cy0, cx1, cy1


def band_for_zoom(z: int) -> int:
    """The band whose cells a tile of this zoom clusters: the map's band, the finest at street zoom and closer."""
    band = grid.band_for_zoom(z)
    return max(grid.BANDS) if band is None else band


_VERSION = text("""
    SELECT count(*), coalesce(sum(version), 0)::bigint FROM report_cell_versions
    WHERE band = :band AND cx BETWEEN :cx0 AND :cx1 AND cy BETWEEN :cy0 AND :cy1
""")


def version(s: Session, band: int, cell_range: tuple[int, int, int, int]) -> tuple[int, int]:
    """The version of the cells of a range: (how many cells ever counted, the sum of their versions)."""
    cx0, cy0, cx1, cy1 = cell_range
    found = s.connection().execute(_VERSION, {"band": band, "cx0": cx0, "cy0": cy0, "cx1": cx1, "cy1": cy1}).one()
    return int(found[0]), int(found[1])
