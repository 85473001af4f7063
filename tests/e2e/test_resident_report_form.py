"""The resident website's "Report a problem" (/report) and "My reports" (/my-reports), in a real Chromium against
gunicorn, PostGIS and the test tile server (nothing fetched off this machine): a report filed with the device's
location, a required question and a photo (resized in the browser) reaches the city with channel web and has its
public page; by address and keyboard alone; an open report nearby is offered and "me too" supports it instead of a
duplicate; a refused location, a point outside and an unknown address each say what to do; My reports lists what
this browser filed and supports; every step passes axe-core, reflows at 320 px and is photographed at 390 and
1280 px (/tmp/site-shots/); every word is in Polish, Ukrainian and English."""

from __future__ import annotations

import io
import random
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from backend.db import unit_of_work
from backend.i18n import gettext
from backend.models import Address
from backend.staff import create_staff
from mobile_api.site.forms import TEXTS
from tests.conftest import ROOT
from tests.e2e.conftest import CHROMIUM, PASSWORD, Resident, base, until
from tests.e2e.test_resident_site import AXE, SHOTS, axe_violations
from tests.integration.test_load_city import run_cli
from tests.support.gunicorn import Gunicorn
from tests.support.tiles import TileServer

KRAKOW = "/m/krakow"
TEMPLATES = Path(__file__).resolve().parents[2] / "mobile_api" / "templates" / "resident" / "site"

browser_only = pytest.mark.skipif(
    not CHROMIUM.exists() or not AXE.exists(), reason="Debian's chromium and axe-core come with `make test`"
)


def spot() -> dict[str, float]:
    """A point in Stare Miasto of its own, so the open reports nearby are this test's."""
    return {"latitude": 50.056 + random.random() * 0.008, "longitude": 19.931 + random.random() * 0.012}  # noqa: S311


@pytest.fixture(scope="module")
def register(app: Flask, cities: dict) -> Iterator[None]:
    """Kraków's demo address register (Stare Miasto), as `make run` loads it."""
    assert run_cli(app, "load-addresses", "1261011", str(ROOT / "cities" / "krakow" / "addresses.csv")).exit_code == 0
    yield
    with app.app_context(), unit_of_work() as s:
        s.execute(Address.__table__.delete())


@pytest.fixture(scope="module")
def staff(app: Flask, cities: dict) -> dict[str, str]:
    email = f"form-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    token = app.test_client().post("/api/admin/tokens", json={"email": email, "password": PASSWORD}).json["token"]
    return {"Authorization": f"Bearer {token}"}


def photo(width: int = 3000, height: int = 2000) -> dict[str, Any]:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (180, 90, 40)).save(buf, "JPEG", quality=80)
    return {"name": "dziura.jpg", "mimeType": "image/jpeg", "buffer": buf.getvalue()}


def open_form(page: Any, server: Gunicorn, query: str = "") -> None:
    page.goto(f"{base(server)}{KRAKOW}/report{query}")
    until(page, "document.getElementById('report-form').dataset.ready === 'true'")


def text_of(page: Any, selector: str) -> str:
    return str(page.locator(selector).inner_text())


def tab_to(page: Any, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element has the focus (the keyboard reaches it), as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def device_token(page: Any) -> str:
    return str(page.evaluate("JSON.parse(localStorage.getItem('hromada.device')).token"))


def no_sideways_scroll(page: Any, width: int, step: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (step, width)


# -- words ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["pl", "uk"])
def test_every_word_of_the_form_and_my_reports_is_translated(lang: str) -> None:
    path = Path(__file__).resolve().parents[2] / "backend" / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        translated = {m.id for m in read_po(fh, locale=lang) if m.id and m.string}
    used = set(TEXTS.values())
    for name in ("report_form.html", "my_reports.html"):
        found = re.findall(r"""\bt\((?:"([^"]+)"|'([^']+)')""", (TEMPLATES / name).read_text(encoding="utf-8"))
        used |= {double or single for double, single in found}
    assert len(used) > 60
    assert sorted(used - translated) == []
    assert gettext(TEXTS["geo-refused"], lang) != TEXTS["geo-refused"]


def test_the_pages_answer_in_each_language_and_without_javascript_say_so(client: FlaskClient) -> None:
    words = {"pl": "Zgłoś problem", "uk": "Повідомити про проблему", "en": "Report a problem"}
    for lang, title in words.items():
        for path in (f"{KRAKOW}/report", f"{KRAKOW}/my-reports"):
            res = client.get(path, headers={"Accept-Language": lang})
            html = res.get_data(as_text=True)
            assert res.status_code == 200 and f'<html lang="{lang}">' in html and title in html
            assert "<noscript>" in html  # the form and the list need JavaScript; the page says so
            if lang != "en":
                assert "This browser did not share your location" not in html
    form = client.get(f"{KRAKOW}/report", query_string={"lang": "uk"}).get_data(as_text=True)
    assert 'data-report-href="/reports/{id}?lang=uk"' in form  # the confirmation links the page in this language
    assert "Ця форма потребує JavaScript" in form
    # with several municipalities and none named, the visitor first chooses one
    choose = client.get("/report", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/m/krakow/report"' in choose


# -- in a real browser ---------------------------------------------------------------------------------------------


@browser_only
def test_a_report_with_the_device_location_a_required_answer_and_a_photo_reaches_the_city_from_the_web(
    app: Flask, browser: Any, server: Gunicorn, staff: dict, tile_server: TileServer
) -> None:
    client = app.test_client()
    tag = uuid.uuid4().hex[:8]
    here = spot()
    context = browser.new_context(locale="en-GB", geolocation=here, permissions=["geolocation"])
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 900})
    open_form(page, server, "?lang=en")
    page.click("#use-location")
    until(page, "document.getElementById('place').textContent.indexOf('Kraków') >= 0")
    assert "District: " in text_of(page, "#place")
    page.select_option("#service", "pothole")
    until(page, "!!document.getElementById('a-size')")
    assert "How big is the hole?" in text_of(page, "#a-size legend") and "(required)" in text_of(page, "#a-size legend")
    page.fill("#description", f"Deep hole by the kerb {tag}")
    page.click("#send")  # the required question is not answered: refused here, next to the question
    until(page, "!document.getElementById('e-size').hidden")
    assert text_of(page, "#e-size") == "Answer this question."
    assert page.get_attribute("#a-size", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "a-size-0"  # the focus is on the question to answer
    assert page.locator("#done").is_hidden()
    page.check("#a-size-2")
    page.set_input_files("#photos", files=[photo()])
    until(page, "document.getElementById('photos').dataset.ready === '1'")
    page.fill("#contact-email", "resident-at-example.com")
    page.click("#send")  # the API's 422 in words, next to the field
    until(page, "!document.getElementById('contact-email-error').hidden")
    assert text_of(page, "#contact-email-error") == "Not a valid email address."
    assert page.get_attribute("#contact-email", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "contact-email" and page.locator("#done").is_hidden()
    page.fill("#contact-email", f"resident-{tag}@example.com")
    page.click("#send")
    until(page, "!document.getElementById('done').hidden")
    public_id = text_of(page, "#done-id")
    assert re.fullmatch(r"KRK-\d{4}-\d{6}", public_id)
    assert page.get_attribute("#done-link", "href") == f"/reports/{public_id}?lang=en"
    # the city has it, from the web, with the answer and the photo resized in the browser to 2048 px
    detail = client.get(f"/api/v1/reports/{public_id}").json
    staff_view = client.get(f"/api/admin/reports/{detail['id']}", headers=staff).json
    assert staff_view["channel"] == "web" and staff_view["answers"]["size"] == "large"
    assert len(detail["photos"]) == 1
    with urlopen(f"{base(server)}{urlsplit(detail['photos'][0]['url']).path}") as got:  # as the site serves it
        stored = Image.open(io.BytesIO(got.read()))
    assert max(stored.size) == 2048
    # its public page, without the resident's e-mail address
    page.click("#done-link")
    page.wait_for_load_state()
    html = page.content()
    assert public_id in html and f"Deep hole by the kerb {tag}" in html and "Submitted" in html
    assert f"resident-{tag}@example.com" not in html
    # My reports in this browser lists it with its status in words and a link to its page
    page.goto(f"{base(server)}{KRAKOW}/my-reports?lang=en")
    until(page, "document.getElementById('my-reports').dataset.ready === 'true'")
    mine = page.locator("#mine li", has_text=public_id)
    assert mine.count() == 1 and "Submitted" in mine.inner_text() and "Pothole" in mine.inner_text()
    assert mine.locator("a").get_attribute("href") == f"/reports/{public_id}?lang=en"
    context.close()


@browser_only
def test_a_report_by_address_alone_with_the_keyboard_alone(
    app: Flask, browser: Any, server: Gunicorn, tile_server: TileServer, register: None
) -> None:
    tag = uuid.uuid4().hex[:8]
    context = browser.new_context(locale="pl-PL")  # no location shared: the address does it
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 900})
    open_form(page, server)
    tab_to(page, "address")
    page.keyboard.type("ul. Floriańska 3, Kraków")
    page.keyboard.press("Enter")
    until(page, "document.querySelectorAll('#address-results button').length > 0")
    assert text_of(page, "#address-results button >> nth=0").startswith("Floriańska 3")
    tab_to(page, "address-0")
    page.keyboard.press("Enter")
    until(page, "document.getElementById('place').textContent.indexOf('Dzielnica') >= 0")
    tab_to(page, "service-search")
    page.keyboard.type("wyrwa")
    page.keyboard.press("Enter")  # the one match is chosen and the focus moves to the list
    until(page, "document.getElementById('service').value === 'pothole' && !!document.getElementById('a-size-0')")
    tab_to(page, "a-size-0")
    page.keyboard.press("Space")
    tab_to(page, "description")
    page.keyboard.type(f"Wyrwa przed bramą {tag}")
    tab_to(page, "anonymous")
    page.keyboard.press("Space")
    tab_to(page, "send")
    page.keyboard.press("Enter")
    until(page, "!document.getElementById('done').hidden")
    assert page.evaluate("document.activeElement.id") == "done"  # the confirmation is read out next
    public_id = text_of(page, "#done-id")
    detail = app.test_client().get(f"/api/v1/reports/{public_id}").json
    assert detail["address"] == "Floriańska 3" and detail["service_code"] == "pothole"
    assert abs(detail["lat"] - 50.062235) < 1e-5 and abs(detail["lon"] - 19.938797) < 1e-5
    context.close()


@browser_only
def test_an_open_report_nearby_is_offered_and_me_too_supports_it_instead_of_a_duplicate(
    app: Flask, browser: Any, server: Gunicorn, tile_server: TileServer
) -> None:
    client = app.test_client()
    here = spot()
    there = Resident(client, "pl").report(
        service_code="graffiti",
        answers={},
        description="Napis na bramie",
        lat=here["latitude"],
        lon=here["longitude"] + 0.00005,
    )
    context = browser.new_context(locale="uk-UA", geolocation=here, permissions=["geolocation"])
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 900})
    open_form(page, server)
    page.select_option("#service", "graffiti")
    page.click("#use-location")
    until(page, f"!!document.getElementById('near-{there['public_id']}')")
    item = page.locator("#nearby-list li", has=page.locator(f"#near-{there['public_id']}"))
    assert "Напис на брамі" in item.inner_text() or "Napis na bramie" in item.inner_text()
    assert "Чи це одне з них?" in text_of(page, "#nearby-intro")
    item.locator("button").click()
    until(page, "document.getElementById('support-status').textContent.length > 0")
    assert f"Ви підтримуєте звернення {there['public_id']}" in text_of(page, "#support-status")
    assert item.locator("button").is_disabled()
    assert client.get(f"/api/v1/reports/{there['public_id']}").json["support_count"] == 1
    mine = client.get("/api/v1/me/reports", headers={"Authorization": f"Bearer {device_token(page)}"})
    assert mine.status_code == 200 and mine.json["items"] == []  # nothing was filed
    page.goto(f"{base(server)}{KRAKOW}/my-reports")
    until(page, "document.getElementById('my-reports').dataset.ready === 'true'")
    assert there["public_id"] in text_of(page, "#supported")
    assert page.locator("#mine-empty").is_visible() and "ще нічого не надсилали" in text_of(page, "#mine-empty")
    context.close()


@browser_only
def test_a_refused_location_a_point_outside_and_an_unknown_address_each_say_what_to_do(
    browser: Any, server: Gunicorn, tile_server: TileServer
) -> None:
    context = browser.new_context(locale="en-GB")  # the location is not shared
    page = context.new_page()
    open_form(page, server, "?lang=en")
    page.click("#use-location")
    until(page, "document.getElementById('geo-status').textContent.indexOf('did not share') >= 0")
    assert "move the pin" in text_of(page, "#geo-status") and "type the address" in text_of(page, "#geo-status")
    page.fill("#address", "Nowhere Street 999")
    page.click("#find-address")
    until(page, "document.getElementById('address-status').classList.contains('error')")
    assert text_of(page, "#address-status")  # the register's words on what to do next
    page.click("#send")  # nothing chosen: the place and the service are asked for, next to their fields
    assert "Choose the place first" in text_of(page, "#where-error")
    assert text_of(page, "#service-error") == "Choose what the problem is."
    context.close()
    far = browser.new_context(
        locale="en-GB", geolocation={"latitude": 52.2297, "longitude": 21.0122}, permissions=["geolocation"]
    )
    page = far.new_page()
    open_form(page, server, "?lang=en")
    page.click("#use-location")
    until(page, "!document.getElementById('where-error').hidden")
    assert "outside the municipalities served here" in text_of(page, "#where-error")
    assert "Move the pin into Kraków" in text_of(page, "#where-error")
    far.close()


def check_step(page: Any, width: int, name: str) -> str:
    """A step of the form as the resident sees it: in Ukrainian, no sideways scrolling on a phone (WCAG 1.4.10),
    no axe-core violation (checked at 390 px), photographed at 390 and 1280 px."""
    assert page.evaluate("document.documentElement.lang") == "uk"
    if width < 1000:
        no_sideways_scroll(page, width, name)
    if width != 320:
        page.screenshot(path=str(SHOTS / f"form-{name}-{width}.png"), full_page=True)
    if width == 390:
        assert axe_violations(page) == [], name
    return name


def walk_the_form(page: Any, server: Gunicorn, width: int) -> list[str]:
    """Every step: My reports empty, the form, a place and a service chosen (questions, nearby reports, addresses
    found), the required answer refused, the confirmation, My reports with the report."""
    steps = []
    page.goto(f"{base(server)}{KRAKOW}/my-reports")
    until(page, "document.getElementById('my-reports').dataset.ready === 'true'")
    steps.append(check_step(page, width, "my-reports-empty"))
    open_form(page, server)
    until(page, "document.querySelectorAll('#pick-map img.leaflet-tile-loaded').length > 0")
    steps.append(check_step(page, width, "form"))
    page.click("#use-location")
    page.select_option("#service", "pothole")
    until(page, "document.querySelectorAll('#nearby-list li').length > 0 && !!document.getElementById('a-size')")
    page.fill("#address", "вул. Флоріанська 3")
    page.click("#find-address")
    until(page, "document.querySelectorAll('#address-results button').length > 0")
    steps.append(check_step(page, width, "chosen"))
    page.click("#send")
    until(page, "!document.getElementById('e-size').hidden")
    assert text_of(page, "#e-size") == "Дайте відповідь на це запитання."
    steps.append(check_step(page, width, "errors"))
    page.check("#a-size-0")
    page.click("#send")
    until(page, "!document.getElementById('done').hidden")
    steps.append(check_step(page, width, "done"))
    page.goto(f"{base(server)}{KRAKOW}/my-reports")
    until(page, "document.getElementById('my-reports').dataset.ready === 'true'")
    assert page.locator("#mine li").count() == 1
    steps.append(check_step(page, width, "my-reports"))
    return steps


@browser_only
def test_every_step_in_ukrainian_passes_axe_reflows_at_320_px_and_is_photographed(
    app: Flask, browser: Any, server: Gunicorn, tile_server: TileServer, register: None
) -> None:
    here = spot()
    Resident(app.test_client(), "uk").report(
        service_code="pothole",
        answers={"size": "small"},
        description="Вибоїна",
        lat=here["latitude"],
        lon=here["longitude"],
    )
    SHOTS.mkdir(exist_ok=True)
    for width in (320, 390, 1280):
        context = browser.new_context(
            locale="uk-UA", geolocation=here, permissions=["geolocation"], extra_http_headers={"Accept-Language": "uk"}
        )
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 900})
        steps = walk_the_form(page, server, width)
        assert steps == ["my-reports-empty", "form", "chosen", "errors", "done", "my-reports"]
        context.close()
