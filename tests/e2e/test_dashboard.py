"""The managers' dashboard in a real headless Chromium against gunicorn and the test database: a spring of
generated Kraków requests (March–May 2025) imported with `hromada import-requests`, the demo catalogue computed.
Each page is saved as a screenshot under test-artifacts/."""

from __future__ import annotations

import csv
import random
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import text

from backend.staff import create_staff
from tests.conftest import ROOT
from tests.e2e.conftest import CHROMIUM, HTTPS, PASSWORD, api_headers, base, shot, signed_in, until, web_session
from tests.e2e.test_base_map import assert_base_layer
from tests.integration.test_load_city import run_cli
from tests.support.tiles import TileServer

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by `make test`")
WARSAW = ZoneInfo("Europe/Warsaw")
SERVICES = ("pothole", "street_light", "overflowing_bin", "graffiti")


@pytest.fixture(scope="module")
def spring(app: Flask, cities: dict, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """~900 requests in Kraków's districts, March–May 2025, with due and close times; graffiti only 3 times in
    district II in April (a small cell). Imported, the demo catalogue loaded and computed for those months."""
    rng = random.Random(2025)
    with app.app_context():
        from backend.db import session

        points = session().execute(text(
            "SELECT a.code, ST_X(g.geom), ST_Y(g.geom) FROM areas a JOIN jurisdictions j ON j.id = a.jurisdiction_id, "
            "ST_Dump(ST_GeneratePoints(a.boundary, 60, 7)) g WHERE j.code = '1261011' ORDER BY a.code, 2, 3")).all()
        session().rollback()
    rows = []
    for i, (area, lon, lat) in enumerate(points):
        service = SERVICES[i % 3]  # graffiti only as the small cell below
        opened = datetime(2025, 3, 1, 8, tzinfo=WARSAW) + timedelta(hours=rng.randrange(0, 92 * 24))
        due = opened + timedelta(hours=72)
        closed = opened + timedelta(hours=rng.choice((5, 30, 70, 100, 200))) if rng.random() < 0.85 else None
        rows.append({"area": area, "id": f"spring-{i}", "type": service, "opened": opened, "due": due,
                     "closed": closed, "lat": lat, "lon": lon})
    ii = [(lon, lat) for area, lon, lat in points if area == "II"]
    for k in range(3):
        opened = datetime(2025, 4, 10 + k, 9, tzinfo=WARSAW)
        rows.append({"area": "II", "id": f"spring-g{k}", "type": "graffiti", "opened": opened,
                     "due": opened + timedelta(hours=72), "closed": opened + timedelta(hours=24),
                     "lat": ii[k][1], "lon": ii[k][0]})
    path = tmp_path_factory.mktemp("spring") / "requests.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "type", "opened", "due", "closed", "lat", "lon"])
        for r in rows:
            writer.writerow([r["id"], r["type"], r["opened"].strftime("%Y-%m-%d %H:%M:%S"),
                             r["due"].strftime("%Y-%m-%d %H:%M:%S"),
                             r["closed"].strftime("%Y-%m-%d %H:%M:%S") if r["closed"] else "", r["lat"], r["lon"]])
    imported = run_cli(app, "import-requests", "1261011", str(path))
    assert imported.exit_code == 0 and f"imported {len(rows)}" in imported.output, imported.output
    catalogue = ROOT / "cities" / "krakow" / "indicators.yaml"
    assert run_cli(app, "load-indicators", "1261011", str(catalogue)).exit_code == 0
    computed = run_cli(app, "compute-indicators", "1261011", "--from", "2025-01", "--to", "2025-06")
    assert computed.exit_code == 0, computed.output
    email = f"manager-dash-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="manager", jurisdiction_code="1261011")
    return {"rows": rows, "manager": email, "api": api_headers(app, email)}


def api_value(app: Flask, headers: dict[str, str], **query: Any) -> dict[str, Any] | None:
    got = app.test_client().get("/api/admin/indicator-values", query_string=query, headers=headers)
    assert got.status_code == 200
    return got.json["items"][0] if got.json["items"] else None


def test_the_overview_shows_the_catalogue_with_the_api_s_traffic_lights(
        app: Flask, browser: Any, server: Any, spring: dict) -> None:
    page = signed_in(browser, server, spring["manager"], "/admin/indicators?period=2025-04")
    until(page, "document.querySelectorAll('canvas.sparkline[data-drawn=true]').length > 0")
    rows = page.locator("#overview tbody tr[data-code]")
    codes = set(rows.evaluate_all("rs => rs.map(r => r.dataset.code)"))
    assert {"sla-on-time", "resolve-median-h", "reports-per-1000", "satisfaction-overall", "nps"} <= codes
    compared = 0
    for row in rows.evaluate_all("rs => rs.map(r => [r.dataset.code, r.dataset.provenance, "
                                 "r.querySelector('.light').dataset.status, "
                                 "(r.querySelector('.number') || {}).dataset])"):
        code, provenance, light, number = row
        expected = api_value(app, spring["api"], indicator=code, period="2025-04" if code not in (
            "satisfaction-overall", "satisfaction-top2", "nps") else "2025-Q2", area="total", service="total",
            provenance=provenance)
        assert light == (expected["status"] if expected else "nodata"), code
        if expected and not expected["suppressed"]:
            headline = expected["weighted_value"] if expected["weighted_value"] is not None else expected["value"]
            assert float(number["value"]) == pytest.approx(headline), code
            compared += 1
    assert compared >= 6
    shot(page, "dashboard-overview")
    page.select_option("select[name=area]", "II")
    page.click("#overview-filters button[type=submit]")
    page.wait_for_url("**area=II**")
    assert page.locator("h1").inner_text().endswith("2025-04")
    shot(page, "dashboard-overview-district")
    page.context.close()


def test_a_district_chosen_on_the_map_filters_the_breakdown_by_service(
        app: Flask, browser: Any, server: Any, spring: dict, tile_server: TileServer) -> None:
    page = signed_in(browser, server, spring["manager"], "/admin/indicators/sla-on-time?period=2025-04")
    until(page, "document.getElementById('indicator-map').dataset.ready === 'true'")
    assert_base_layer(page, "indicator-map", tile_server)  # the choropleth over the one tile source
    until(page, "document.getElementById('trend').dataset.drawn === 'true'")
    assert page.locator("#services-title").get_attribute("data-area") == ""
    page.locator("path.area-III").dispatch_event("click")
    until(page, "document.getElementById('services-title').dataset.area === 'III'")
    shown = dict(page.locator("#services-table tbody tr[data-service]").evaluate_all(
        "rs => rs.map(r => [r.dataset.service, (r.querySelector('.number') || {dataset: {}}).dataset.value || null])"))
    assert set(shown) >= {"pothole", "street_light", "overflowing_bin"}
    for service, value in shown.items():
        expected = api_value(app, spring["api"], indicator="sla-on-time", period="2025-04", area="III",
                             service=service)
        assert expected is not None
        assert (value is None) == expected["suppressed"]
        if value is not None:
            assert float(value) == pytest.approx(expected["value"])
    shot(page, "dashboard-indicator-district-III")
    page.context.close()


def test_a_drill_down_lists_exactly_the_reports_counted_in_the_value(
        app: Flask, browser: Any, server: Any, spring: dict) -> None:
    now = datetime.now(UTC)
    april = [r for r in spring["rows"] if r["type"] == "pothole" and r["area"] == "III"
             and r["opened"].month == 4]
    counted = {r["id"] for r in april if r["closed"] is not None or r["due"] <= now}  # the README's rule
    expected = api_value(app, spring["api"], indicator="sla-on-time", period="2025-04", area="III", service="pothole")
    assert expected["n"] == len(counted) >= 5
    page = signed_in(browser, server, spring["manager"],
                     "/admin/indicators/sla-on-time?period=2025-04&service=pothole")
    page.locator("#districts tr[data-area=III] a.drill").click()
    page.wait_for_url("**/values?**")
    ids = page.locator("#drill tbody tr").evaluate_all("rs => rs.map(r => r.dataset.id)")
    with app.app_context():
        from backend.db import session

        refs = dict(session().execute(text("SELECT id::text, import_ref FROM reports WHERE id = ANY(:ids)"),
                                      {"ids": [int(i) for i in ids]}).all())
        session().rollback()
    assert sorted(refs.values()) == sorted(counted)
    assert page.locator("#drill-total").get_attribute("data-total") == str(expected["n"])
    on_time = page.locator("#drill tbody tr").evaluate_all("rs => rs.filter(r => r.dataset.x === '1.0').length")
    assert on_time == round(expected["numerator"])
    shot(page, "dashboard-drill-down")
    page.locator("#drill tbody tr a").first.click()  # a counted report opens in the staff UI
    page.wait_for_url("**/admin/reports/**")
    page.context.close()


def test_a_small_cell_shows_no_number(app: Flask, browser: Any, server: Any, spring: dict) -> None:
    expected = api_value(app, spring["api"], indicator="sla-on-time", period="2025-04", area="II", service="graffiti")
    assert expected["n"] == 3 and expected["suppressed"] and expected["value"] is None
    page = signed_in(browser, server, spring["manager"],
                     "/admin/indicators/sla-on-time?period=2025-04&service=graffiti")
    cell = page.locator("#districts tr[data-area=II] td.value")
    assert cell.locator(".suppressed").count() == 1 and cell.locator(".number").count() == 0
    assert "n=3" in cell.inner_text() and "%" not in cell.inner_text()
    until(page, "document.getElementById('indicator-map').dataset.ready === 'true'")
    shot(page, "dashboard-small-cell")
    page.context.close()


def test_the_xlsx_export_holds_the_api_s_values_and_the_definitions(
        app: Flask, browser: Any, server: Any, spring: dict, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    page = signed_in(browser, server, spring["manager"], "/admin/indicators?period=2025-04&area=IV")
    with page.expect_download() as info:
        page.click("#export-xlsx")
    file = tmp_path / "overview.xlsx"
    info.value.save_as(str(file))
    book = load_workbook(file)
    assert book.sheetnames[:2] == ["Values", "Definitions"] or len(book.sheetnames) == 2
    values = list(book.worksheets[0].iter_rows(values_only=True))
    head, lines = values[0], values[1:]
    assert len(head) == 15 and len(lines) >= 14
    checked = 0
    for line in lines:
        code, period, provenance = line[1], line[4], line[5]
        expected = api_value(app, spring["api"], indicator=code, period=period, area="IV", service="total",
                             provenance=provenance)
        got_value, got_n = line[6], line[10]
        if expected is None:
            assert got_value is None and got_n is None
            continue
        assert got_n == expected["n"]
        if expected["value"] is None:
            assert got_value is None  # a suppressed cell: no number in the file either
        else:  # the spreadsheet keeps 15 significant digits
            assert got_value == pytest.approx(expected["value"], rel=1e-14)
        checked += got_value is not None
    assert checked >= 5
    definitions = list(book.worksheets[1].iter_rows(values_only=True))
    assert {row[0] for row in definitions[1:]} >= {"sla-on-time", "nps", "satisfaction-overall"}
    assert any(row[3] == "survey_mean(dimension:overall)" for row in definitions[1:])
    page.context.close()


def test_the_dashboard_speaks_ukrainian_and_refuses_dispatchers(app: Flask, browser: Any, server: Any,
                                                              spring: dict) -> None:
    page = signed_in(browser, server, spring["manager"], "/admin/indicators?period=2025-04")
    page.click("button[name=lang][value=uk]")
    page.wait_for_load_state()
    assert "Якість послуг" in page.locator("h1").inner_text()
    shot(page, "dashboard-overview-uk")
    page.click("button[name=lang][value=pl]")
    page.context.close()
    email = f"dispatcher-dash-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    other = signed_in(browser, server, email, "/admin/queue")
    assert other.locator("header.top nav a", has_text="Wskaźniki").count() == 0  # no link to it
    for path in ("/admin/indicators", "/admin/indicators/overview.json", "/admin/indicators/sla-on-time",
                 "/admin/indicators/export.xlsx"):
        assert other.request.get(f"{base(server)}{path}").status == 403, path
    other.context.close()


def test_bad_choices_on_the_dashboard_are_4xx_never_5xx(app: Flask, spring: dict) -> None:
    c, _ = web_session(app, spring["manager"])
    for path, expected in (("/admin/indicators/%00x", 404), ("/admin/indicators/nope", 404),
                           ("/admin/indicators/sla-on-time?period=2025-13", 422),
                           ("/admin/indicators/sla-on-time?area=ZZ", 422),
                           ("/admin/indicators/sla-on-time/values", 422),
                           ("/admin/indicators/sla-on-time/values?period=2025-04&service=%00", 422),
                           ("/admin/indicators/nps/values?period=2025-Q2&provenance=evil", 422),
                           ("/admin/indicators/overview.json?period=99999", 422),
                           ("/admin/indicators/export.pdf", 404)):
        assert c.get(path, base_url=HTTPS).status_code == expected, path
    shown = c.get("/admin/indicators?period=garbage", base_url=HTTPS)
    assert shown.status_code == 422 and "role=\"alert\"" in shown.get_data(as_text=True)  # the page says why


def _selected(html: str, name: str) -> str:
    """The chosen option of a filter's select on a page ('' for the first, empty, choice)."""
    select = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S)
    assert select, name
    chosen = re.search(r'<option (?:value="([^"]*)" )?selected>([^<]*)<', select.group(1))
    return (chosen.group(1) if chosen.group(1) is not None else chosen.group(2)) if chosen else ""


@pytest.mark.parametrize(("refused", "message"), [("area=XIX", "XIX"), ("service=teleport", "teleport"),
                                                  ("group=nope", "nope")])
def test_an_unknown_dashboard_choice_is_422_keeping_the_period_chosen(
        app: Flask, spring: dict, refused: str, message: str) -> None:
    c, _ = web_session(app, spring["manager"])
    also = "" if refused.startswith("area") else "&area=IV"
    res = c.get(f"/admin/indicators?period=2025-04&{refused}{also}", base_url=HTTPS)
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    alert = re.search(r'<p class="error" role="alert">([^<]*)</p>', html)
    assert alert and message in alert.group(1)
    assert "· 2025-04</h1>" in html and _selected(html, "period") == "2025-04"  # not silently this month
    if also:
        assert _selected(html, "area") == "IV"  # the other valid choice stands
    export = re.search(r'id="export-csv" href="([^"]*)"', html)
    assert export and "period=2025-04" in export.group(1) and refused not in export.group(1)  # what is shown


def test_an_indicator_page_with_an_unknown_area_stays_on_the_dashboard_saying_why(
        app: Flask, spring: dict) -> None:
    c, _ = web_session(app, spring["manager"])
    res = c.get("/admin/indicators/sla-on-time?period=2025-04&area=ZZ", base_url=HTTPS)
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    alert = re.search(r'<p class="error" role="alert">([^<]*)</p>', html)
    assert alert and "ZZ" in alert.group(1)
    assert 'id="indicator-filters"' in html and 'href="/admin/indicators?period=2025-04"' in html  # the way back
    chart = re.search(r'id="trend"[^>]*data-url="([^"]*)"', html)
    assert _selected(html, "period") == "2025-04" and chart and "area=ZZ" not in chart.group(1)
