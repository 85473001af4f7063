"""Points as the rest of the code uses them: (longitude, latitude) pairs."""

from __future__ import annotations

from typing import Any

from geoalchemy2.shape import to_shape


def lonlat(location: Any) -> tuple[float, float]:
    """(lon, lat) of a stored geography or geometry point."""
    point = to_shape(location)
    return float(point.x), float(point.y)
