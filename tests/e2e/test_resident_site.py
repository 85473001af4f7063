"""The resident website: a municipality's home page, its public map and each report's public page, server-rendered
in Polish, Ukrainian and English from the same use cases as /api/v1; hidden reports are 404, merged ones point to
their master, a staff status change and its public comment show; the e-mails link to the page. In a real Chromium
(gunicorn, tiles from the test tile server, nothing fetched off this machine): the maps draw, "me too" works, every
page passes axe-core and reflows at 320 and 390 px (screenshots at 390 and 1280 px under /tmp/site-shots/)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.staff import create_api_key, create_staff
from tests.conftest import make_app, push_settings
from tests.e2e.conftest import CHROMIUM, PASSWORD, Resident, base, until
from tests.e2e.test_notifications import all_settled, settle
from tests.e2e.test_triage import Desk
from tests.support.gunicorn import Gunicorn
from tests.support.tiles import TileServer

KRAKOW = "/m/krakow"
SHOTS = Path("/tmp/site-shots")
AXE = Path(__file__).resolve().parents[2] / "admin" / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
#: Words of each page in each language (the menu, the map's title, a status), and codes that must never show.
WORDS = {
    "pl": ("Zgłoś problem", "Mapa zgłoszeń", "W realizacji"),
    "uk": ("Повідомити про проблему", "Мапа звернень", "У роботі"),
    "en": ("Report a problem", "Map of reports", "In progress"),
}
#: A code in a page's visible text (status, kind or service codes are snake_case; words never are).
CODES = re.compile(r"\b[a-z]+_[a-z_]+\b")


def visible(html: str) -> str:
    """The text a reader sees (tags and attribute values left out)."""
    return re.sub(r"<[^>]*>", " ", html)


@pytest.fixture(scope="module")
def staff(app: Flask, cities: dict) -> dict[str, str]:
    email = f"site-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    token = app.test_client().post("/api/admin/tokens", json={"email": email, "password": PASSWORD}).json["token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def worked(app: Flask, staff: dict) -> dict[str, Any]:
    """A pothole at the Rynek that staff took in hand with a public comment."""
    client = app.test_client()
    tag = uuid.uuid4().hex[:6]
    made = Resident(client, "pl").report(description=f"Głęboka dziura przy przystanku {tag}")
    done = Desk(client, staff, made["id"]).act(
        "status", {"status": "in_progress", "body": f"Ekipa przyjedzie jutro {tag}."}
    )
    assert done.status_code == 200, done.json
    return {**made, "tag": tag}


def page_text(res: Any) -> str:
    return str(res.get_data(as_text=True))


def test_each_page_answers_in_polish_ukrainian_and_english_with_words_not_codes(
    client: FlaskClient, worked: dict
) -> None:
    for lang, (report_words, map_words, status) in WORDS.items():
        for path in (f"{KRAKOW}/", f"{KRAKOW}/map", f"/reports/{worked['public_id']}"):
            for how in ({"query_string": {"lang": lang}}, {"headers": {"Accept-Language": f"{lang},en;q=0.1"}}):
                res = client.get(path, **how)
                html = page_text(res)
                assert res.status_code == 200, (path, lang, html[:300])
                assert f'<html lang="{lang}">' in html
                assert report_words in html and map_words in html, (path, lang)
                assert not CODES.search(visible(html)), (path, lang, CODES.search(visible(html)))
                if lang != "en":
                    assert "In progress" not in html and "Report a problem" not in html
        report = page_text(client.get(f"/reports/{worked['public_id']}", query_string={"lang": lang}))
        assert status in report  # the status in words
        assert f'href="{KRAKOW}/map?lang={lang}"' in report  # a chosen language stays on the links


def test_the_report_page_shows_the_staff_status_change_and_its_public_comment(
    client: FlaskClient, worked: dict
) -> None:
    html = page_text(client.get(f"/reports/{worked['public_id']}", headers={"Accept-Language": "pl"}))
    status = re.search(r'id="status">([^<]+)<', html)
    assert status and status.group(1) == "W realizacji"
    timeline = html[html.index('id="timeline"') :]
    assert "Zmiana statusu: W realizacji" in timeline and f"Ekipa przyjedzie jutro {worked['tag']}." in timeline
    assert "Głęboka dziura przy przystanku" in html and "Dzielnica: Stare Miasto" in html
    assert 'id="report-map"' in html and f'data-lat="{worked["lat"]}"' in html


def test_a_hidden_report_is_404_and_a_merged_one_points_to_its_master(client: FlaskClient, staff: dict) -> None:
    me = Resident(client, "en")
    hidden, master, merged = (me.report(description=f"Site {name}") for name in ("hidden", "master", "merged"))
    assert client.get(f"/reports/{hidden['public_id']}").status_code == 200
    assert Desk(client, staff, hidden["id"]).act("moderate", {"hidden": True}).status_code == 200
    gone = client.get(f"/reports/{hidden['public_id']}", headers={"Accept-Language": "uk"})
    assert gone.status_code == 404 and "Сторінку не знайдено" in page_text(gone)
    assert "Site hidden" not in page_text(gone)
    assert client.get("/reports/KRK-1999-999999").status_code == 404
    assert Desk(client, staff, merged["id"]).act("merge", {"master_id": master["id"]}).status_code == 200
    html = page_text(client.get(f"/reports/{merged['public_id']}", query_string={"lang": "en"}))
    notice = html[html.index('id="merged"') :]
    assert "merged into another report" in notice
    assert f'href="/reports/{master["public_id"]}?lang=en"' in notice
    assert 'id="me-too"' not in html  # a merged report is supported through its master
    assert client.get(f"/reports/{master['public_id']}").status_code == 200


def test_the_page_shows_no_personal_data(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        key = create_api_key(name="site-311", jurisdiction_code="1261011", scopes=["open311:write"])[1]
    address = f"marta-{uuid.uuid4().hex[:8]}@example.com"
    res = client.post(
        "/open311/v2/requests.json",
        data={
            "jurisdiction_id": "1261011",
            "api_key": key,
            "service_code": "graffiti",
            "lat": "50.0612",
            "long": "19.9380",
            "description": "Napis na murze",
            "email": address,
            "first_name": "Marta",
            "last_name": "Zielińska",
            "phone": "600100200",
        },
    )
    assert res.status_code in (200, 201), res.json
    html = page_text(client.get(f"/reports/{res.json[0]['service_request_id']}"))
    assert "Napis na murze" in html
    for personal in (address, "Marta", "Zielińska", "600100200"):
        assert personal not in html


def test_the_home_page_is_the_municipality_of_the_host_or_the_path(
    migrated: str, redis_url: str, cities: dict, fake_fcm: Any, smtp: Any
) -> None:
    made = make_app(
        migrated, redis_url, **push_settings(fake_fcm, smtp), SITE_HOSTS="powiat.example=1206, krakow.example=1261011"
    )
    client = made.test_client()
    county = page_text(client.get("/", base_url="http://powiat.example"))
    assert '<h1 id="page-title">Powiat krakowski</h1>' in county and 'href="/map"' in county
    city = client.get("/", base_url="http://krakow.example", headers={"Accept-Language": "uk"})
    assert '<h1 id="page-title">Краків</h1>' in page_text(city) and '<html lang="uk">' in page_text(city)
    by_path = page_text(client.get("/m/powiat-krakowski/map", base_url="http://krakow.example"))
    assert "Powiat krakowski" in by_path and 'href="/m/powiat-krakowski/"' in by_path
    choose = client.get("/", base_url="http://hromada.example", headers={"Accept-Language": "pl"})
    assert choose.status_code == 200
    assert 'href="/m/krakow/"' in page_text(choose) and 'href="/m/powiat-krakowski/"' in page_text(choose)
    assert client.get("/m/nowhere/").status_code == 404
    # The map starts at the extent of the municipality of the host, never at a fixed city.
    extents = {
        host: re.search(r'data-extent="([^"]+)"', page_text(client.get("/map", base_url=f"http://{host}")))
        for host in ("powiat.example", "krakow.example")
    }
    assert all(extents.values()) and extents["powiat.example"].group(1) != extents["krakow.example"].group(1)


def test_the_map_refuses_an_unknown_filter_naming_it_in_the_form(client: FlaskClient) -> None:
    res = client.get(f"{KRAKOW}/map", query_string={"status": "lost", "lang": "pl"})
    html = page_text(res)
    assert res.status_code == 422
    alert = re.search(r'role="alert" id="filter-error">([^<]+)<', html)
    assert alert and alert.group(1) == "„lost” nie jest statusem tej mapy. Wybierz jeden z listy."
    assert re.search(r'<select id="status" name="status" aria-invalid="true"', html)
    res = client.get(f"{KRAKOW}/map", query_string={"service": "unicorns"}, headers={"Accept-Language": "uk"})
    assert res.status_code == 422 and "«unicorns» не є послугою цієї мапи" in page_text(res)
    assert re.search(r'<select id="service" name="service" aria-invalid="true"', page_text(res))
    filtered = page_text(client.get(f"{KRAKOW}/map", query_string={"service": "graffiti", "status": "open"}))
    assert '<option value="graffiti" selected>' in filtered


def test_an_email_to_an_open311_reporter_links_to_the_public_page(
    app: Flask, client: FlaskClient, staff: dict, worker: Any, smtp: Any
) -> None:
    with app.app_context():
        key = create_api_key(name="site-mail", jurisdiction_code="1261011", scopes=["open311:write"])[1]
    address = f"jan-{uuid.uuid4().hex[:8]}@example.com"
    res = client.post(
        "/open311/v2/requests.json",
        data={
            "jurisdiction_id": "1261011",
            "api_key": key,
            "service_code": "graffiti",
            "lat": "50.0612",
            "long": "19.9380",
            "description": "Napis na kamienicy",
            "email": address,
        },
    )
    assert res.status_code in (200, 201), res.json
    sr = res.json[0]["service_request_id"]
    with app.app_context():
        from backend.db import session
        from backend.models import Report

        rid = session().scalars(select(Report.id).where(Report.public_id == sr)).one()
        session().rollback()
    Desk(client, staff, rid).act("status", {"status": "acknowledged"})
    settle(app, lambda: all_settled(app, rid, 1) and any(m["To"] == address for m in smtp.messages))
    mail = next(m for m in smtp.messages if m["To"] == address)
    text = mail.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/reports/" + re.escape(sr), text)
    assert link, text
    page = client.get(urlsplit(link.group(0)).path)
    assert page.status_code == 200 and sr in page_text(page) and "Przyjęte" in page_text(page)


# -- in a real browser ---------------------------------------------------------------------------------------------

browser_only = pytest.mark.skipif(
    not CHROMIUM.exists() or not AXE.exists(), reason="Debian's chromium and axe-core come with `make test`"
)


def settled(page: Any) -> None:
    """Wait until the page's maps have drawn their tiles (and the public map its clusters)."""
    for map_id in ("report-map", "public-map"):
        if page.locator(f"#{map_id}").count():
            until(
                page,
                f"document.getElementById('{map_id}').dataset.ready === 'true' && "
                f"document.querySelectorAll('#{map_id} img.leaflet-tile-loaded').length > 0",
            )
    if page.locator("#public-map").count():
        until(
            page,
            "document.getElementById('public-map').dataset.loading === 'false' && "
            "document.querySelectorAll('#public-map .cluster').length > 0",
        )


def axe_violations(page: Any) -> list[Any]:
    page.evaluate(AXE.read_text(encoding="utf-8"))  # not a <script>: the page's CSP would refuse it
    return list(
        page.evaluate(
            "axe.run(document).then(r => r.violations.map(v => [v.id, v.impact, "
            "v.nodes.map(n => n.target.join(' ')).slice(0, 3)]))"
        )
    )


@browser_only
def test_every_page_in_ukrainian_passes_axe_reflows_at_320_and_390_px_and_is_photographed(
    app: Flask, browser: Any, server: Gunicorn, worked: dict, staff: dict, tile_server: TileServer
) -> None:
    client = app.test_client()
    master = Resident(client, "uk").report(description="Сміття біля зупинки", lat=50.0640, lon=19.9400)
    merged = Resident(client, "uk").report(description="Купа сміття біля зупинки", lat=50.0641, lon=19.9401)
    assert Desk(client, staff, merged["id"]).act("merge", {"master_id": master["id"]}).status_code == 200
    pages = {
        "home": f"{KRAKOW}/",
        "map": f"{KRAKOW}/map",
        "report": f"/reports/{worked['public_id']}",
        "merged": f"/reports/{merged['public_id']}",
        "choose": "/",
        "not-found": "/reports/KRK-1999-000001",
    }
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="uk-UA", extra_http_headers={"Accept-Language": "uk"})
    page = context.new_page()
    for name, path in pages.items():
        for width in (320, 390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            answer = page.goto(f"{base(server)}{path}")
            assert answer is not None and answer.status == (404 if name == "not-found" else 200), name
            assert page.evaluate("document.documentElement.lang") == "uk"
            settled(page)
            if width < 1000:  # no sideways scrolling on a phone (WCAG 1.4.10)
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
            if width != 320:
                page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        assert axe_violations(page) == [], name
    context.close()


@browser_only
def test_the_public_map_draws_the_data_tiles_clusters_and_a_cluster_zooms_in(
    browser: Any, server: Gunicorn, worked: dict, tile_server: TileServer
) -> None:
    context = browser.new_context(locale="pl-PL")
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/map/tiles/" in r.url else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base(server)}{KRAKOW}/map?status=open")
    settled(page)
    assert asked and all("status=open" in url for url in asked)
    counts = page.evaluate("Array.from(document.querySelectorAll('#public-map .cluster')).map(e => +e.textContent)")
    assert sum(counts) >= 1
    zoom = page.evaluate("document.querySelector('#public-map .leaflet-tile-loaded').src.split('/')[3]")
    cluster = page.locator("#public-map .cluster").first
    label = cluster.get_attribute("title") or ""
    assert label.startswith("Zgłoszenia tutaj:")  # in the browser's language
    cluster.focus()
    page.keyboard.press("Enter")  # the keyboard zooms in as a click does
    until(
        page,
        f"Array.from(document.querySelectorAll('#public-map img.leaflet-tile-loaded'))"
        f".some(i => +i.src.split('/')[3] > {zoom})",
    )
    context.close()


@browser_only
def test_me_too_from_the_report_page_supports_the_report_once(
    app: Flask, browser: Any, server: Gunicorn, tile_server: TileServer
) -> None:
    client = app.test_client()
    made = Resident(client, "pl").report(description="Wyrwa w chodniku", lat=50.0600, lon=19.9420)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base(server)}/reports/{made['public_id']}?lang=en")
    button = page.locator("#me-too")
    assert button.is_visible() and page.locator("#support-count").inner_text() == "0"
    button.focus()
    page.keyboard.press("Enter")
    until(page, "document.getElementById('support-count').textContent === '1'")
    assert button.is_disabled() and button.inner_text() == "You support this report"
    assert client.get(f"/api/v1/reports/{made['public_id']}").json["support_count"] == 1
    page.reload()  # this browser remembers its device: the page says it supports the report already
    until(page, "document.getElementById('me-too').disabled === true")
    assert page.locator("#support-count").inner_text() == "1"
    context.close()
