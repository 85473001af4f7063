"""The one tile-source setting: OpenStreetMap's tiles with their attribution by default, the origin every page's
policy allows computed from it, and a setting no map could use stops the start with a message naming it."""

from __future__ import annotations

import pytest

from backend import basemap
from backend.settings import Settings

KEY = {"SECRET_KEY": "Kq3vN8xW2mZ7pL4tR9bY6cF1hJ5sD0gA", "HROMADA_ENV": "development"}


def test_the_default_is_openstreetmap_with_its_required_attribution() -> None:
    s = Settings.from_env(KEY)
    assert s.MAP_TILE_URL == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert 'href="https://www.openstreetmap.org/copyright"' in s.MAP_TILE_ATTRIBUTION
    assert "OpenStreetMap" in s.MAP_TILE_ATTRIBUTION and s.MAP_MAX_ZOOM == 19
    assert s.problems() == []
    assert basemap.origin(s.MAP_TILE_URL) == "https://tile.openstreetmap.org"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tiles.city.example/{z}/{x}/{y}.png", "https://tiles.city.example"),
        ("http://127.0.0.1:8081/{z}/{x}/{y}.png", "http://127.0.0.1:8081"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png?key=abc", "https://*.tile.example.org"),
        ("/tiles/{z}/{x}/{y}.png", ""),
        ("", ""),
    ],
)
def test_a_usable_tile_url_starts_and_gives_its_origin(url: str, origin: str) -> None:
    s = Settings.from_env({**KEY, "MAP_TILE_URL": url})
    assert s.problems() == []
    assert basemap.origin(url) == origin
    assert basemap.img_sources(url) == (f"'self' {origin}" if origin else "'self'")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MAP_TILE_URL": "https://tiles.city.example/tiles.png"}, "MAP_TILE_URL must contain {z}"),
        ({"MAP_TILE_URL": "ftp://tiles.city.example/{z}/{x}/{y}.png"}, "MAP_TILE_URL must be an http(s) URL"),
        ({"MAP_TILE_URL": "//tiles.city.example/{z}/{x}/{y}.png"}, "MAP_TILE_URL must be an http(s) URL"),
        ({"MAP_TILE_URL": "https://tiles.{s}.example/{z}/{x}/{y}.png"}, "MAP_TILE_URL must be an http(s) URL"),
        ({"MAP_TILE_URL": "https://a b/{z}/{x}/{y}.png"}, "MAP_TILE_URL must be an http(s) URL"),
        ({"MAP_TILE_URL": "javascript:alert(1)//{z}{x}{y}"}, "MAP_TILE_URL must be an http(s) URL"),
        ({"MAP_MAX_ZOOM": "30"}, "MAP_MAX_ZOOM must be between 1 and 22"),
        ({"MAP_DATA_TILE_MAX_AGE": "-1"}, "MAP_DATA_TILE_MAX_AGE must be 0 or more"),
    ],
)
def test_a_tile_setting_no_map_could_use_stops_the_start_naming_it(env: dict[str, str], named: str) -> None:
    found = Settings.from_env({**KEY, **env}).problems()
    assert len(found) == 1 and found[0].startswith(named), found
