"""A report's staff page as a person reads and uses it, in a real headless Chromium against gunicorn: times in the
city's time, refusals next to the field they are about (in words, the form kept), reply templates with the report's
details, every text field with its visible label, and the timeline's first entry as one phrase."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from backend.staff import create_staff
from backend.vocabulary import label
from tests.e2e.conftest import CHROMIUM, PASSWORD, Resident, api_headers, shot, signed_in
from tests.support.gunicorn import Gunicorn

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by `make test`")

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture(scope="module")
def dispatcher(app: Flask, cities: dict) -> str:
    email = f"dispatcher-page-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    return email


def _local(iso: str, seconds: bool = False) -> str:
    return datetime.fromisoformat(iso).astimezone(WARSAW).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def _in_language(page: Any, language: str) -> None:
    page.locator(f"form.languages button[value={language}], button[name=lang][value={language}]").first.click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == language


def test_every_time_on_the_report_page_is_the_citys_time(app: Flask, browser: Any, server: Gunicorn,
                                                          dispatcher: str) -> None:
    client = app.test_client()
    made = Resident(client).report(description="Dziura w jezdni przy Rynku")
    headers = api_headers(app, dispatcher)
    path = f"/api/admin/reports/{made['id']}"
    etag = client.get(path, headers=headers).headers["ETag"]
    assert client.post(f"{path}/status", json={"status": "acknowledged"},
                       headers={**headers, "If-Match": etag}).status_code == 200
    detail = client.get(path, headers=headers).json
    assert detail["sla_due_at"]
    page = signed_in(browser, server, dispatcher, then=f"/admin/reports/{made['id']}")
    assert page.locator("dl.facts dd").nth(5).inner_text() == _local(detail["sla_due_at"])  # "Due"
    shown = page.locator("#timeline time").all_inner_texts()
    assert shown == [_local(e["at"]) for e in detail["timeline"]]
    newest = page.locator("section.audit tbody tr td:first-child").first.inner_text()  # the status change
    written = datetime.strptime(newest, "%Y-%m-%d %H:%M:%S").replace(tzinfo=WARSAW)
    assert abs((written - datetime.fromisoformat(detail["timeline"][-1]["at"])).total_seconds()) < 60
    shot(page, "report-city-time")
    page.context.close()


def test_a_rejection_without_a_reason_says_so_beside_the_reason_in_words_and_keeps_the_form(
        app: Flask, browser: Any, server: Gunicorn, dispatcher: str) -> None:
    made = Resident(app.test_client()).report(description="Śmieci pod blokiem")
    page = signed_in(browser, server, dispatcher, then=f"/admin/reports/{made['id']}")
    _in_language(page, "pl")
    form = page.locator("form[data-action=status]")
    form.locator("select[name=status]").select_option("rejected")
    form.locator("input[name=body]").fill("Sprawdzimy to jeszcze raz.")
    form.locator("button[type=submit]").click()
    problem = page.locator("form[data-action=status] .field-error")
    problem.wait_for(state="visible")
    text = problem.inner_text()
    for reason in ("invalid", "duplicate", "not_our_responsibility"):
        assert reason not in text, text
        assert label(reason, "pl", "reject_reason") in text, text
    form = page.locator("form[data-action=status]")
    reason = form.locator("select[name=reason]")
    assert reason.get_attribute("aria-invalid") == "true"
    assert reason.get_attribute("aria-describedby") == problem.get_attribute("id")
    below = reason.bounding_box()
    box = problem.bounding_box()
    assert box["y"] >= below["y"] - 1 and box["y"] - (below["y"] + below["height"]) < 40  # right by the field
    assert form.locator("select[name=status]").input_value() == "rejected"  # the chosen status stays
    assert form.locator("input[name=body]").input_value() == "Sprawdzimy to jeszcze raz."
    assert page.locator("#report-panel > .stale").count() == 0  # not at the top of the panel
    assert page.locator("#status").get_attribute("data-status") == "submitted"
    shot(page, "report-reject-no-reason")
    form.locator("select[name=reason]").select_option("duplicate")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#report-panel .message")
    assert page.locator("#status").get_attribute("data-status") == "rejected"
    page.context.close()


def test_the_reply_templates_show_and_send_this_reports_details(app: Flask, browser: Any, server: Gunicorn,
                                                                  dispatcher: str) -> None:
    made = Resident(app.test_client()).report(description="Zepsuta ławka")
    page = signed_in(browser, server, dispatcher, then=f"/admin/reports/{made['id']}")
    menu = page.locator("form[data-action=template_reply] select[name=template_status] option").all_inner_texts()
    assert menu and all("{" not in words for words in menu), menu
    assert any(made["public_id"] in words for words in menu), menu
    form = page.locator("form[data-action=template_reply]")
    form.locator("select[name=template_status]").select_option("in_progress")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#report-panel .message")
    timeline = page.locator("#timeline").inner_text()
    assert made["public_id"] in timeline and "{" not in timeline
    page.context.close()


def test_an_unknown_corrected_address_says_to_check_it_and_keeps_what_was_typed(
        app: Flask, browser: Any, server: Gunicorn, dispatcher: str) -> None:
    made = Resident(app.test_client()).report(description="Przewrócony kosz")
    page = signed_in(browser, server, dispatcher, then=f"/admin/reports/{made['id']}")
    for language in ("pl", "uk", "en"):
        _in_language(page, language)
        form = page.locator("form[data-action=move]")
        form.locator("input[name=address]").fill("Nieistniejąca 999")
        form.locator("button[type=submit]").click()
        problem = page.locator("form[data-action=move] .field-error")
        problem.wait_for(state="visible")
        text = problem.inner_text()
        assert "lat" not in text and "lon" not in text, text  # the form has no such fields
        assert {"pl": "Sprawdź nazwę ulicy", "uk": "Перевірте назву вулиці", "en": "Check the street"}[language] in text
        address = page.locator("form[data-action=move] input[name=address]")
        assert address.input_value() == "Nieistniejąca 999"
        assert address.get_attribute("aria-invalid") == "true"
    shot(page, "report-move-unknown")
    page.context.close()


def test_every_text_field_has_a_visible_label_and_the_first_entry_reads_as_one_phrase(
        app: Flask, browser: Any, server: Gunicorn, dispatcher: str) -> None:
    made = Resident(app.test_client()).report(description="Nie działa sygnalizacja")
    page = signed_in(browser, server, dispatcher, then=f"/admin/reports/{made['id']}")
    page.set_viewport_size({"width": 1280, "height": 900})
    for language in ("pl", "uk"):
        _in_language(page, language)
        for field in ("form[data-action=status] input[name=body]", "form[data-action=reply] textarea",
                      "form[data-action=note] textarea", "form[data-action=move] input[name=address]",
                      "form[data-action=moderate] input[name=description]"):
            words = page.locator(field).evaluate(
                "e => Array.from(e.labels).map(l => l.innerText.trim()).filter(Boolean)")
            assert words, (language, field)
            owner = page.locator(field).evaluate_handle("e => e.labels[0]").as_element()
            assert owner is not None and owner.is_visible()
            assert owner.evaluate("l => l.scrollWidth <= l.clientWidth + 1")  # the whole label can be read
        first = page.locator("#timeline li").first.inner_text()
        assert "→" not in first, first
        assert label("submitted", language, "report_status") in first
        shot(page, f"report-labels-{language}")
    page.context.close()
