"""The personal-data page of the staff web UI, in a real headless Chromium against gunicorn: an administrator finds
a person by the e-mail address they gave, sees what is held in words, downloads it as JSON, and erases it only after
a confirmation step; the page's request log names the actions in words and never the person's address."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import Resident as ResidentRecord
from backend.staff import create_api_key, create_staff
from tests.e2e.conftest import CHROMIUM, HTTPS, PASSWORD, TOTP_SECRET, base, shot, signed_in, web_session
from tests.e2e.test_personal_data import ISO, KRAKOW, POWIAT, someone
from tests.support.gunicorn import Gunicorn

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by `make test`")


@pytest.fixture(scope="module")
def accounts(app: Flask, cities: dict) -> dict[str, str]:
    """Kraków admins (two for the browser, one for the test client's session), a viewer, Open311 keys."""
    tag = uuid.uuid4().hex[:6]
    out = {}
    with app.app_context():
        for name, role in (("admin", "admin"), ("form_admin", "admin"), ("lang_admin", "admin"), ("viewer", "viewer")):
            out[name] = f"pdw-{name}-{tag}@krakow.example"
            create_staff(
                email=out[name],
                password=PASSWORD,
                role=role,
                jurisdiction_code=KRAKOW,
                totp_secret=TOTP_SECRET if role == "admin" else None,
            )
        for code in (KRAKOW, POWIAT):
            out[code] = create_api_key(name=f"pdw-{code}", jurisdiction_code=code, scopes=["open311:write"])[1]
    return out


def records_of(db: Session, email: str) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).where(func.lower(ResidentRecord.email) == email.lower())) or 0)


def test_an_admin_finds_sees_downloads_and_after_confirming_erases_a_person(
    app: Flask, browser: Any, server: Gunicorn, accounts: dict, db: Session
) -> None:
    me = someone(app.test_client(), accounts)
    page = signed_in(browser, server, accounts["admin"])
    page.click("header nav >> text=Dane osobowe")  # Kraków's staff read Polish
    page.wait_for_url(re.compile(r".*/admin/personal-data$"))
    page.get_by_label("E-mail").fill(me.email)
    page.click("#find-person button[type=submit]")
    page.wait_for_selector("#held")
    held = page.locator("#held").inner_text()
    assert me.email in held and "Olena Kowalenko" in held and me.phone in held
    for public_id in me.krakow:
        assert public_id in held
    assert me.powiat not in held  # the powiat's request is the powiat's
    assert "Zgłoszone" in held and "Niedziałająca latarnia" in held and "Dziura w jezdni" in held
    assert not re.search(r"\b(street_light|pothole|submitted|android|my_reports)\b", held)  # words, not codes
    shot(page, "personal-data-held")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    assert page.locator("#held-reports td[data-label]").first.is_visible()
    shot(page, "personal-data-held-390")
    page.set_viewport_size({"width": 1440, "height": 900})

    with page.expect_download() as download:
        page.click("#download")
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert download.value.suggested_filename.endswith(".json")
    assert sorted(r["public_id"] for r in document["reports"]) == sorted(me.krakow)
    assert len(document["records"]) == 3 and all(ISO.match(r["created_at"]) for r in document["records"])

    page.click("#erase")  # first a page that asks; going back changes nothing
    page.wait_for_selector("#confirm-erase")
    assert me.email in page.locator("#confirm-erase").inner_text()
    assert "nie można cofnąć" in page.locator("#confirm-erase").inner_text()
    shot(page, "personal-data-confirm")
    page.click("#confirm-erase >> text=Anuluj")
    page.wait_for_url(re.compile(r".*/admin/personal-data$"))
    assert records_of(db, me.email) == 4  # three in Kraków, one in the powiat

    page.get_by_label("E-mail").fill(me.email)
    page.click("#find-person button[type=submit]")
    page.click("#erase")
    page.click("#confirm-erase-button")
    page.wait_for_selector("#erased")
    assert "Usunięto" in page.locator("#erased").inner_text()
    assert records_of(db, me.email) == 1  # the powiat's record is left to the powiat
    log = page.locator("#request-log").inner_text()
    assert "Usunięcie danych osobowych" in log and "Wydanie danych osobowych" in log
    assert me.email.lower() not in log.lower() and "personal_data" not in log
    shot(page, "personal-data-erased")
    page.goto(f"{base(server)}/admin/reports/{me.ids[me.krakow[0]]}")  # staff no longer see who reported it
    text = page.locator("main").inner_text()
    assert me.krakow[0] in text and me.email.lower() not in text.lower() and "Kowalenko" not in text
    page.context.close()


def test_a_viewer_has_no_such_page(browser: Any, server: Gunicorn, accounts: dict) -> None:
    page = signed_in(browser, server, accounts["viewer"])
    assert page.locator("header nav >> text=Dane osobowe").count() == 0
    assert page.goto(f"{base(server)}/admin/personal-data").status == 403
    page.context.close()


def test_the_form_names_the_field_at_fault_and_another_municipality_s_person_is_nobody(
    app: Flask, accounts: dict
) -> None:
    client, _ = web_session(app, accounts["form_admin"])
    html = client.get("/admin/personal-data", base_url=HTTPS).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def post(path: str, **form: str) -> Any:
        return client.post(
            path,
            data={"csrf_token": token, **form},
            base_url=HTTPS,
            headers={"Referer": f"{HTTPS}/admin/personal-data"},
        )

    bad = post("/admin/personal-data", phone="call me")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "personal-data-error" not in html  # next to the field, not in a banner
    phone = re.search(r"<input [^>]*name=\"phone\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in phone and 'aria-describedby="pd-phone-error"' in phone
    assert re.search(r'id="pd-phone-error">To nie jest numer telefonu\.<', html)
    assert "aria-invalid" not in re.search(r"<input [^>]*name=\"email\"[^>]*>", html).group(0)
    assert 'value="call me"' in html  # what was typed stays to be corrected
    for path in ("/admin/personal-data", "/admin/personal-data/erase"):
        empty = post(path, email="", phone="")
        html = empty.get_data(as_text=True)
        assert empty.status_code == 422, path
        said = re.search(r'id="personal-data-error">([^<]*)<', html).group(1)
        assert said == "Podaj adres e-mail lub numer telefonu, który podała ta osoba."  # once, for the form
        assert "aria-invalid" not in html and "E-mail:" not in said
    tag = uuid.uuid4().hex[:6]
    powiat_only = f"powiat-{tag}@example.com"
    from tests.e2e.test_personal_data import open311

    open311(app.test_client(), accounts[POWIAT], POWIAT, "50.2", "20.1", "road_sign", email=powiat_only)
    for path, extra in (("/admin/personal-data", {}), ("/admin/personal-data/erase", {"confirmed": "yes"})):
        res = post(path, email=powiat_only, **extra)
        assert res.status_code == 404, path
        assert "W Twojej gminie nie ma danych osoby" in res.get_data(as_text=True)
    with app.app_context():
        from backend.db import session

        assert session().scalar(select(func.count()).where(ResidentRecord.email == powiat_only)) == 1


def test_erasing_a_person_who_also_has_data_with_another_municipality_says_so_in_words(
    app: Flask, accounts: dict
) -> None:
    from tests.e2e.test_personal_data import commuter

    client, _ = web_session(app, accounts["form_admin"])
    html = client.get("/admin/personal-data", base_url=HTTPS).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    me = commuter(app.test_client())  # an app user who reported in Kraków and in the powiat
    confirm = client.post(
        "/admin/personal-data/erase",
        data={"csrf_token": token, "email": f" {me.email} "},
        base_url=HTTPS,
        headers={"Referer": f"{HTTPS}/admin/personal-data"},
    ).get_data(as_text=True)
    # the confirmation says beforehand that only this municipality's part goes (without naming the other one)
    assert 'id="held-elsewhere"' in confirm and "Ta osoba ma dane także w innej gminie" in confirm
    assert "Powiat" not in confirm
    res = client.post(
        "/admin/personal-data/erase",
        data={"csrf_token": token, "email": f" {me.email} ", "confirmed": "yes"},
        base_url=HTTPS,
        headers={"Referer": f"{HTTPS}/admin/personal-data"},
    )
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and 'id="erased-elsewhere"' in page
    assert "Ta osoba ma dane także w innej gminie" in page and "Powiat" not in page and "1206" not in page
    result = page[page.index('id="erased"') : page.index('id="find-person"')]
    assert result.index('id="erased-elsewhere"') < result.index("Usunięto:")  # the notice leads
    assert not re.search(r":\s*0\b", result)  # only what was erased is counted
    assert "rekordy danych kontaktowych" not in result and "powiązania ze zgłoszeniami: 1" in result
    assert me.app.get("/api/v1/me/export").status_code == 200  # the app still works for the powiat's report


def test_a_person_held_only_here_is_not_told_of_another_municipality(app: Flask, accounts: dict) -> None:
    client, _ = web_session(app, accounts["form_admin"])
    html = client.get("/admin/personal-data", base_url=HTTPS).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    me = someone(app.test_client(), accounts)
    confirm = client.post(
        "/admin/personal-data/erase",
        data={"csrf_token": token, "email": me.email},
        base_url=HTTPS,
        headers={"Referer": f"{HTTPS}/admin/personal-data"},
    ).get_data(as_text=True)
    assert 'id="confirm-erase"' in confirm and "innej gminie" not in confirm


def log_rows(html: str) -> list[list[str]]:
    """The request log's rows, as the texts of their cells."""
    section = html[html.index('id="request-log"') :]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in body.split("</tr>") if "<td" in row]


def test_the_request_log_shows_one_line_per_request_and_the_latest_20(app: Flask, accounts: dict) -> None:
    client, _ = web_session(app, accounts["form_admin"])
    html = client.get("/admin/personal-data", base_url=HTTPS).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    me = someone(app.test_client(), accounts)  # three contact records in Kraków

    def find() -> str:
        res = client.post(
            "/admin/personal-data",
            data={"csrf_token": token, "email": me.email},
            base_url=HTTPS,
            headers={"Referer": f"{HTTPS}/admin/personal-data"},
        )
        assert res.status_code == 200
        return res.get_data(as_text=True)

    rows = log_rows(find())
    said = [accounts["form_admin"], "Wydanie danych osobowych", "3", str(len(me.krakow))]
    assert rows[0][1:] == said  # one line for the search of three contact records, in words
    for _ in range(20):
        html = find()
    rows = log_rows(html)
    assert len(rows) == 20 and all(r[1:] == said for r in rows)  # the latest 20, each request on its own line
    assert not re.search(r"#\d", html[html.index('id="request-log"') :])  # no record numbers


def test_switching_the_language_on_the_confirmation_and_the_result_lands_on_the_search_page(
    app: Flask, browser: Any, server: Gunicorn, accounts: dict
) -> None:
    me = someone(app.test_client(), accounts)
    page = signed_in(browser, server, accounts["lang_admin"], then="/admin/personal-data")
    try:
        page.get_by_label("E-mail").fill(me.email)
        page.click("#find-person button[type=submit]")
        page.click("#erase")
        page.wait_for_selector("#confirm-erase")
        with page.expect_navigation():
            page.click(".languages button[value=uk]")
        assert re.search(r"/admin/personal-data\?switched=1$", page.url) and me.tag not in page.url
        assert page.locator("h1").inner_text() == "Персональні дані"
        assert "Знайдіть особу ще раз" in page.locator("#find-again").inner_text()
        shot(page, "personal-data-confirm-switched")

        page.get_by_label("Електронна пошта").fill(me.email)
        page.click("#find-person button[type=submit]")
        page.click("#erase")
        page.click("#confirm-erase-button")
        page.wait_for_selector("#erased")
        assert "Видалено:" in page.locator("#erased").inner_text()
        with page.expect_navigation():
            page.click(".languages button[value=en]")
        assert re.search(r"/admin/personal-data\?switched=1$", page.url) and me.tag not in page.url
        assert "Find the person again" in page.locator("#find-again").inner_text()
        assert page.locator("h1").inner_text() == "Personal data"
    finally:
        page.context.close()
