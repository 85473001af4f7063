"""Every map's base layer: one tile source (MAP_TILE_URL, MAP_TILE_ATTRIBUTION, MAP_MAX_ZOOM).

Pages carry it as data attributes of their `<body>` (`data-tile-url`, `data-tile-attribution`,
`data-tile-max-zoom`), which one base-layer function in the pages' script reads; every page's
Content-Security-Policy allows images from the tile source's origin (and from no other).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

MAX_ZOOM = 22
#: A tile server's host[:port], whose first label may be {s} (the tile source's subdomains).
_TILE_HOST = re.compile(r"(?:\{s\}\.)?[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?")


def origin(url: str) -> str:
    """The origin tiles load from, as a Content-Security-Policy source (`https://*.tiles.example.org` for a {s}
    subdomain); empty when the tiles come from this site (a path) or there is no base layer."""
    parts = urlsplit(url)
    if not parts.scheme:
        return ""
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def img_sources(url: str) -> str:
    """What a page's `img-src` allows for the tiles: 'self' and the tile origin when it is another site."""
    tiles = origin(url)
    return f"'self' {tiles}" if tiles else "'self'"


def page_config(url: str, attribution: str, max_zoom: int) -> dict[str, Any]:
    """What a page's `<body>` tells its base-layer function."""
    return {"url": url, "attribution": attribution, "max_zoom": max_zoom}


def problems(url: str, max_zoom: int, data_tile_max_age: int) -> list[str]:
    """Why these map settings cannot run (empty: they can), in words an operator can act on."""
    found = []
    parts = urlsplit(url)
    if url and not all(p in url for p in ("{z}", "{x}", "{y}")):
        found.append(f"MAP_TILE_URL must contain {{z}}, {{x}} and {{y}} (it is {url!r})")
    elif url and not (
        (parts.scheme in ("http", "https") and _TILE_HOST.fullmatch(parts.netloc))
        or (not parts.scheme and not parts.netloc and url.startswith("/") and not url.startswith("//"))
    ):
        found.append(
            "MAP_TILE_URL must be an http(s) URL such as https://tiles.example.org/{z}/{x}/{y}.png ({s} only as the "
            f"first part of the host name) or a path on this site such as /tiles/{{z}}/{{x}}/{{y}}.png (it is {url!r})"
        )
    if not 1 <= max_zoom <= MAX_ZOOM:
        found.append(f"MAP_MAX_ZOOM must be between 1 and {MAX_ZOOM} (it is {max_zoom})")
    if data_tile_max_age < 0:
        found.append(f"MAP_DATA_TILE_MAX_AGE must be 0 or more seconds (it is {data_tile_max_age})")
    return found
