"""Every map's base layer comes from the one tile setting (MAP_TILE_URL): in a real Chromium the staff maps load
their tiles from the test tile server on 127.0.0.1 and show its attribution, the pages' policies allow exactly that
origin, and a page that asks anything of another machine fails its test."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask

from backend.staff import create_staff
from tests.conftest import make_app
from tests.e2e.conftest import CHROMIUM, PASSWORD, Resident, base, shot, signed_in, until
from tests.support.gunicorn import Gunicorn
from tests.support.tiles import TileServer

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by `make test`")


@pytest.fixture(scope="module")
def staff(app: Flask, cities: dict) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    out = {}
    with app.app_context():
        for role in ("dispatcher", "manager"):
            out[role] = f"{role}-tiles-{tag}@krakow.example"
            create_staff(email=out[role], password=PASSWORD, role=role, jurisdiction_code="1261011")
    return out


def tiles_shown(page: Any, map_id: str) -> list[str]:
    """The addresses of the base-map tiles the map has drawn."""
    return list(page.evaluate(
        f"Array.from(document.querySelectorAll('#{map_id} img.leaflet-tile-loaded')).map(i => i.src)"))


def assert_base_layer(page: Any, map_id: str, tiles: TileServer) -> None:
    until(page, f"document.getElementById('{map_id}').dataset.ready === 'true' && "
                f"document.querySelectorAll('#{map_id} img.leaflet-tile-loaded').length > 0")
    shown = tiles_shown(page, map_id)
    assert shown and all(src.startswith(tiles.origin + "/") for src in shown), shown
    served = {f"{tiles.origin}/{z}/{x}/{y}.png" for z, x, y in tiles.served()}
    assert set(shown) <= served  # drawn from what the tile server answered
    zooms = {int(src.split("/")[3]) for src in shown}
    assert all(9 <= z <= 19 for z in zooms), zooms  # the municipality's extent, not the world
    attribution = page.locator(f"#{map_id} .leaflet-control-attribution")
    assert attribution.is_visible() and tiles.ATTRIBUTION in attribution.inner_text()


def test_the_queue_map_draws_its_tiles_from_the_tile_setting_with_the_attribution(
        app: Flask, browser: Any, server: Gunicorn, staff: dict, tile_server: TileServer) -> None:
    Resident(app.test_client()).report(description="Latarnia na mapie", lat=50.0614, lon=19.9372)
    page = signed_in(browser, server, staff["dispatcher"])
    policy = page.request.get(f"{base(server)}/admin/queue").headers["content-security-policy"]
    assert f"img-src 'self' data: blob: {tile_server.origin};" in policy
    assert_base_layer(page, "map", tile_server)
    until(page, "document.getElementById('map').dataset.loading === 'false' && "
                "document.querySelectorAll('#map .leaflet-marker-icon, #map canvas').length > 0")
    shot(page, "queue-map-tiles")
    page.context.close()


def test_the_broadcast_composer_map_draws_its_tiles_from_the_tile_setting(
        browser: Any, server: Gunicorn, staff: dict, tile_server: TileServer) -> None:
    page = signed_in(browser, server, staff["manager"], "/admin/broadcasts")
    assert_base_layer(page, "compose-map", tile_server)
    page.fill("#lat", "50.0550")
    page.fill("#lon", "19.9300")
    page.fill("#radius", "300")
    page.dispatch_event("#radius", "change")
    until(page, "document.querySelectorAll('#compose-map path.leaflet-interactive, #compose-map canvas').length > 0")
    shot(page, "broadcast-map-tiles")
    page.context.close()


def test_a_page_asking_another_machine_is_refused_and_recorded(browser: Any, server: Gunicorn) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base(server)}/admin/login")
    with pytest.raises(Exception, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto("https://tile.openstreetmap.org/0/0/0.png")
    assert browser.offsite == ["https://tile.openstreetmap.org/0/0/0.png"]
    browser.offsite.clear()  # recorded as it should be: this test itself asked for it
    context.close()


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
    ("https://{s}.tile.example.org:8443/osm/{z}/{x}/{y}.png", "https://*.tile.example.org:8443"),
    ("/tiles/{z}/{x}/{y}.png", None),
    ("", None),
])
def test_every_page_policy_allows_images_from_the_tile_origin_alone(
        migrated: str, redis_url: str, cities: dict, url: str, allowed: str | None) -> None:
    made = make_app(migrated, redis_url, MAP_TILE_URL=url)
    client = made.test_client()
    staff_page = client.get("/admin/login").headers["Content-Security-Policy"]
    resident_page = client.get("/api/v1/feedback?token=bogus&fixed=yes").headers["Content-Security-Policy"]
    for policy in (staff_page, resident_page):
        img = next(d for d in policy.split("; ") if d.startswith("img-src"))
        assert (allowed in img.split()) if allowed else "://" not in img, policy
        assert "openstreetmap" not in img
    assert f'data-tile-url="{url}"' in client.get("/admin/login").get_data(as_text=True)
