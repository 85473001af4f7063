"""The public map as cacheable tiles (GET /api/v1/map/tiles/{z}/{x}/{y}) on Kraków: the tiles covering an area add
up exactly to the bbox map's clusters of it, cell by cell; a tile's ETag changes when a report in it changes and
only then (304 otherwise); bad tiles and filters are 422s naming the field."""

from __future__ import annotations

import math
import random
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.staff import create_staff
from tests.e2e.conftest import PASSWORD, Resident, api_headers

KRAKOW = "19.79,49.97,20.22,50.13"
OLD_TOWN = "19.92,50.05,19.96,50.07"
SERVICES = [("pothole", {"size": "small"}), ("graffiti", {}), ("street_light", {"problem": "off"}), ("bench", {})]
FILTERS = [{}, {"status": "open"}, {"status": "closed"}, {"service": "graffiti"},
           {"status": "open", "service": "pothole,bench"}]


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The web-map tile (x, y) holding a point (the OpenStreetMap wiki's slippy-map formulas)."""
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tile_edges(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    n = 2**z
    north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 1) / n))))
    return x / n * 360 - 180, south, (x + 1) / n * 360 - 180, north


def get_tile(client: FlaskClient, z: int, x: int, y: int, etag: str | None = None, **filters: str) -> Any:
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(f"/api/v1/map/tiles/{z}/{x}/{y}", query_string=filters, headers=headers)


def total(res: Any) -> int:
    return sum(f["properties"]["count"] for f in res.json["features"])


@pytest.fixture(scope="module")
def spread(app: Flask, cities: dict) -> None:
    """About 160 reports over Kraków with mixed services, some closed, some rejected, a few hidden."""
    client = app.test_client()
    rng = random.Random(23)
    people = [Resident(client) for _ in range(4)]
    email = f"dispatcher-tiles-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    staff = api_headers(app, email)
    for i in range(160):
        service, answers = SERVICES[i % len(SERVICES)]
        made = people[i % 4].report(service_code=service, answers=answers, lat=rng.uniform(50.02, 50.09),
                                    lon=rng.uniform(19.88, 20.05))
        if i % 3:
            act(client, staff, made["id"], "status", {"status": "rejected", "reason": "invalid"} if i % 3 == 1
                else {"status": "resolved"})
        if i % 29 == 0:
            act(client, staff, made["id"], "moderate", {"hidden": True})


def act(client: FlaskClient, staff: dict[str, str], report_id: int, action: str, body: dict[str, Any]) -> None:
    etag = client.get(f"/api/admin/reports/{report_id}", headers=staff).headers["ETag"]
    res = client.post(f"/api/admin/reports/{report_id}/{action}", json=body, headers={**staff, "If-Match": etag})
    assert res.status_code == 200, res.json


@pytest.mark.parametrize(("zoom", "box"), [(10, KRAKOW), (13, KRAKOW), (15, OLD_TOWN)])
def test_the_tiles_covering_an_area_add_up_to_the_bbox_clusters_cell_by_cell(
        client: FlaskClient, spread: None, zoom: int, box: str) -> None:
    for filters in FILTERS:
        area = client.get("/api/v1/reports", query_string={"bbox": box, "zoom": zoom, **filters})
        assert area.status_code == 200 and area.json["mode"] == "clusters", area.json
        expected = {tuple(f["properties"]["cell"]): f["properties"]["count"] for f in area.json["features"]}
        west, south, east, north = area.json["bbox"]  # the box snapped to whole cells
        (x0, y0), (x1, y1) = tile_of(west, north, zoom), tile_of(east, south, zoom)
        found: dict[tuple[int, ...], int] = {}
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                res = get_tile(client, zoom, x, y, **filters)
                assert res.status_code == 200 and res.mimetype == "application/geo+json", res.json
                assert res.json["tile"] == [zoom, x, y]
                w, s, e, n = tile_edges(zoom, x, y)
                assert res.json["bbox"] == pytest.approx([w, s, e, n], abs=1e-9)
                for f in res.json["features"]:
                    cell = tuple(f["properties"]["cell"])
                    assert cell not in found, f"{cell} in two tiles"
                    cb = f["properties"]["cell_bbox"]
                    centre = ((cb[0] + cb[2]) / 2, (cb[1] + cb[3]) / 2)
                    assert w <= centre[0] < e and s <= centre[1] < n  # the tile holds the cell's centre
                    if west < centre[0] < east and south < centre[1] < north:
                        found[cell] = f["properties"]["count"]
        assert found == expected, (zoom, filters)
        if not filters:
            assert sum(expected.values()) >= 5 and len(expected) >= 5  # not a trivial area


def test_a_new_report_changes_the_etag_of_only_the_tiles_that_hold_it(
        app: Flask, client: FlaskClient, spread: None) -> None:
    # The middle of a street-zoom tile in Podgórze: at every zoom checked, further from the tile's edges than half
    # a grid cell, so the cell the report falls in has its centre in the same tile.
    x16, y16 = tile_of(19.951, 50.041, 16)
    west, south, east, north = tile_edges(16, x16, y16)
    lon, lat = (west + east) / 2, (south + north) / 2
    half_cell = {10: 0.01, 13: 0.0025, 16: 0.000625}
    checked = []
    for z, half in half_cell.items():
        x, y = tile_of(lon, lat, z)
        w, s, e, n = tile_edges(z, x, y)
        assert min(lon - w, e - lon, lat - s, n - lat) > half, z
        checked += [(z, x + dx, y + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    holding = {(z, *tile_of(lon, lat, z)) for z in half_cell}
    far = tile_of(20.0378, 50.0720, 13)  # Nowa Huta
    checked.append((13, *far))

    def ask(etags: dict[Any, str] | None = None, **filters: str) -> dict[Any, Any]:
        return {t: get_tile(client, *t, etag=(etags or {}).get(t), **filters) for t in checked}

    before = ask()
    before_open = ask(status="open")
    for t, res in before.items():
        assert res.status_code == 200 and res.headers["ETag"], t
        assert res.headers["Cache-Control"] == "public, max-age=30"
    etags = {t: res.headers["ETag"] for t, res in before.items()}
    again = ask(etags)
    assert all(res.status_code == 304 and not res.data and res.headers["ETag"] == etags[t] for t, res in again.items())

    made = Resident(client).report(lat=lat, lon=lon)
    after = ask(etags)
    changed = {t for t, res in after.items() if res.status_code == 200}
    assert changed == holding
    assert all(after[t].status_code == 304 for t in set(checked) - holding)
    for t in holding:
        assert after[t].headers["ETag"] != etags[t] and total(after[t]) == total(before[t]) + 1, t

    email = f"dispatcher-etag-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    staff = api_headers(app, email)
    open_etags = {t: res.headers["ETag"] for t, res in ask(status="open").items()}
    act(client, staff, made["id"], "status", {"status": "rejected", "reason": "invalid"})
    rejected = ask(open_etags, status="open")
    assert {t for t, res in rejected.items() if res.status_code == 200} == holding
    assert all(total(rejected[t]) == total(before_open[t]) for t in holding)  # no longer open

    etags = {t: res.headers["ETag"] for t, res in ask().items()}
    act(client, staff, made["id"], "moderate", {"hidden": True})
    hidden = ask(etags)
    assert {t for t, res in hidden.items() if res.status_code == 200} == holding
    assert all(total(hidden[t]) == total(before[t]) for t in holding)  # a hidden report is on no tile


def test_a_recount_of_the_map_asks_every_tile_again_with_the_same_clusters(
        app: Flask, client: FlaskClient, spread: None) -> None:
    from backend.db import database
    from backend.reporting import counts

    tiles = [(13, *tile_of(19.9373, 50.0617, 13)), (10, *tile_of(19.9373, 50.0617, 10))]
    before = {t: get_tile(client, *t) for t in tiles}
    assert all(total(res) > 0 for res in before.values())
    with app.app_context(), database().engine.begin() as conn:
        counts.rebuild(conn)
    for t, res in before.items():
        after = get_tile(client, *t, etag=res.headers["ETag"])
        assert after.status_code == 200 and after.headers["ETag"] != res.headers["ETag"]
        assert after.json["features"] == res.json["features"]


def test_an_import_of_past_requests_changes_the_tiles_that_hold_them(
        app: Flask, client: FlaskClient, spread: None, tmp_path: Path) -> None:
    from tests.integration.test_load_city import run_cli

    x, y = tile_of(19.9100, 50.0700, 14)  # Krowodrza
    west, south, east, north = tile_edges(14, x, y)
    lon, lat = (west + east) / 2, (south + north) / 2
    holding, far = (14, x, y), (14, *tile_of(20.0378, 50.0720, 14))
    before = {t: get_tile(client, *t) for t in (holding, far)}
    path = tmp_path / "requests.csv"
    tag = uuid.uuid4().hex[:8]
    path.write_text("id,type,opened,due,closed,lat,lon\n" + "".join(
        f"tiles-{tag}-{i},pothole,2025-04-0{i + 1} 09:00:00,2025-04-0{i + 4} 09:00:00,,{lat},{lon}\n"
        for i in range(3)))
    imported = run_cli(app, "import-requests", "1261011", str(path))
    assert imported.exit_code == 0 and "imported 3" in imported.output, imported.output
    after = {t: get_tile(client, *t, etag=res.headers["ETag"]) for t, res in before.items()}
    assert after[far].status_code == 304
    assert after[holding].status_code == 200 and total(after[holding]) == total(before[holding]) + 3


@pytest.mark.parametrize(("path", "query", "field"), [
    ("23/0/0", {}, ("path", "z")),
    ("-1/0/0", {}, ("path", "z")),
    ("ten/0/0", {}, ("path", "z")),
    ("2/4/0", {}, ("path", "x")),
    ("2/0/4", {}, ("path", "y")),
    ("0/0/1", {}, ("path", "y")),
    ("13/4549/-2", {}, ("path", "y")),
    ("13/4549/2777", {"status": "lost"}, ("query", "status")),
    ("13/4549/2777", {"service": "teleport"}, ("query", "service")),
])
def test_a_tile_out_of_range_or_a_bad_filter_is_a_422_naming_it(
        client: FlaskClient, cities: dict, path: str, query: dict, field: tuple[str, str]) -> None:
    res = client.get(f"/api/v1/map/tiles/{path}", query_string=query)
    assert res.status_code == 422, res.json
    location, name = field
    assert name in res.json["errors"][location], res.json
    uk = client.get(f"/api/v1/map/tiles/{path}", query_string=query, headers={"Accept-Language": "uk"})
    said = str(uk.json["errors"][location][name])
    assert any("\u0400" <= ch <= "\u04ff" for ch in said), said  # in the reader's language


def test_the_tiles_are_in_the_resident_openapi_document(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").json
    op = doc["paths"]["/api/v1/map/tiles/{z}/{x}/{y}"]["get"]
    names = {(p["in"], p["name"]) for p in op["parameters"]}
    assert {("path", "z"), ("path", "x"), ("path", "y"), ("query", "status"), ("query", "service")} <= names
    assert {"200", "304", "422"} <= set(op["responses"])
    assert "application/geo+json" in op["responses"]["200"]["content"]
    assert "/api/v1/reports" in doc["paths"]  # the bbox map stays for the apps
