"""Signed links in e-mails (backend/links.py): a resident who reported by e-mail gets "Is it fixed?" and an
unsubscribe link through a real SMTP server. A link opens a page and changes nothing; only the page's POST acts,
and acts once; an expired link, and a link of the old format still sitting in mailboxes, open a page saying it
expired, with a link to the report, and change nothing; a link made for another page, or a forged one, is refused
with a page (404), never a 500."""

from __future__ import annotations

import re
import secrets
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select, update

from backend import links
from backend.db import session, unit_of_work
from backend.models import FeedbackAnswer, FeedbackRequest, Report, Resident, SignedLink, utcnow
from backend.reporting import apply_retention
from backend.security import digest
from backend.staff import create_api_key, create_staff
from tests.e2e.conftest import PASSWORD, base, shot
from tests.e2e.test_notifications import settle
from tests.e2e.test_triage import Desk

SITE = "https://hromada.krakow.example"


@pytest.fixture(scope="module")
def staff(app: Flask, cities: dict) -> dict[str, str]:
    client = app.test_client()
    email = f"links-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    res = client.post("/api/admin/tokens", json={"email": email, "password": PASSWORD})
    assert res.status_code == 201, res.json
    return {"Authorization": f"Bearer {res.json['token']}"}


@dataclass
class Asked:
    """A report filed by e-mail, resolved, and the "Is it fixed?" e-mail its reporter received."""

    public_id: str
    report_id: int
    request_id: int
    resident_id: int
    feedback: list[str]  # the two links' paths: fixed=true, fixed=false
    unsubscribe: str  # the List-Unsubscribe URL's path

    @property
    def token(self) -> str:
        return self.feedback[0].split("token=")[1].split("&")[0]

    @property
    def report_url(self) -> str:
        return f"https://hromada.krakow.example/reports/{self.public_id}"  # the default: the site's page


def asked(app: Flask, client: FlaskClient, staff: dict, smtp: Any) -> Asked:
    with app.app_context():
        key = create_api_key(name="links-311", jurisdiction_code="1261011", scopes=["open311:write"])[1]
    address = f"ewa-{uuid.uuid4().hex[:8]}@example.com"
    res = client.post("/open311/v2/requests.json", data={
        "jurisdiction_id": "1261011", "api_key": key, "service_code": "graffiti", "lat": "50.0612",
        "long": "19.9380", "description": "Napis na murze przy Plantach", "email": address})
    assert res.status_code in (200, 201), res.json
    sr = res.json[0]["service_request_id"]
    with app.app_context():
        report = session().scalars(select(Report).where(Report.public_id == sr)).one()
        rid, resident_id = report.id, report.reporter_id
        session().rollback()
    assert Desk(client, staff, rid).act("status", {"status": "resolved"}).status_code == 200
    with app.app_context():
        from backend.reporting import feedback_requests

        with unit_of_work() as s:
            s.execute(update(FeedbackRequest).where(FeedbackRequest.report_id == rid)
                      .values(due_at=utcnow() - timedelta(minutes=1)))
            request_id = s.scalars(select(FeedbackRequest.id).where(FeedbackRequest.report_id == rid)).one()
        assert feedback_requests.send_due() >= 1

    def question() -> list[Any]:
        return [m for m in smtp.messages if m["To"] == address and "feedback?token=" in m.get_body(
            ("plain",)).get_content()]

    settle(app, lambda: question() != [])
    mail = question()[0]
    text = mail.get_body(("plain",)).get_content()
    found = re.findall(re.escape(SITE) + r"(/api/v1/feedback\?token=\S+)", text)
    assert len(found) == 2 and found[0].endswith("fixed=true") and found[1].endswith("fixed=false")
    unsubscribe = str(mail["List-Unsubscribe"]).strip().strip("<>")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    return Asked(sr, rid, request_id, resident_id, found, unsubscribe.replace(SITE, ""))


def status_of(client: FlaskClient, sr: str) -> str:
    return str(client.get(f"/open311/v2/requests/{sr}.json?jurisdiction_id=1261011").json[0]["status"])


def answers(app: Flask, report_id: int) -> int:
    with app.app_context():
        n = session().scalar(select(func.count()).where(FeedbackAnswer.report_id == report_id))
        session().rollback()
        return int(n or 0)


def opted_out(app: Flask, resident_id: int) -> bool:
    with app.app_context():
        at = session().scalar(select(Resident.email_opt_out_at).where(Resident.id == resident_id))
        session().rollback()
        return at is not None


def issue(app: Flask, purpose: str, subject: dict[str, Any], ttl: timedelta) -> str:
    with app.app_context(), unit_of_work() as s:
        return links.issue(s, purpose, subject, ttl)


def test_the_e_mails_links_carry_no_ids_and_the_database_keeps_only_their_digest(
        app: Flask, client: FlaskClient, staff: dict, worker: Any, smtp: Any) -> None:
    a = asked(app, client, staff, smtp)
    unsubscribe = a.unsubscribe.split("token=")[1]
    for token in (a.token, unsubscribe):
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 256 random bits, no ids (the old ones were signed ids)
    with app.app_context():
        rows = session().scalars(select(SignedLink).where(
            SignedLink.nonce_hash.in_([digest(a.token), digest(unsubscribe)]))).all()
        assert sorted(r.purpose for r in rows) == ["feedback", "unsubscribe"]
        assert all(a.token not in str(r.subject) and r.nonce_hash != a.token for r in rows)
        feedback = next(r for r in rows if r.purpose == "feedback")
        days = round((feedback.expires_at - feedback.created_at).total_seconds() / 86400)
        assert days == app.config["HROMADA_SETTINGS"].LINK_FEEDBACK_DAYS == 30
        session().rollback()


def test_a_feedback_link_opens_a_page_and_only_its_post_acts_once(
        app: Flask, client: FlaskClient, staff: dict, worker: Any, smtp: Any) -> None:
    a = asked(app, client, staff, smtp)
    for _ in range(2):  # a mail scanner and then the resident open the link: nothing changes
        page = client.get(a.feedback[1])
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert 'lang="pl"' in html and "Czy to naprawiono?" in html  # the e-mail's language
        assert 'value="false" checked' in html and '<label for="comment">' in html
    assert status_of(client, a.public_id) == "closed"
    assert answers(app, a.report_id) == 0

    done = client.post("/api/v1/feedback", data={"token": a.token, "fixed": "false", "satisfaction": "2",
                                                 "comment": "Napis nadal jest"})
    assert done.status_code == 200
    assert "Zgłoszenie zostało ponownie otwarte" in done.get_data(as_text=True)
    assert status_of(client, a.public_id) == "open"  # "not fixed" reopened it
    assert answers(app, a.report_id) == 1

    again = client.post("/api/v1/feedback", data={"token": a.token, "fixed": "true", "satisfaction": "5"})
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "Ten link został już użyty" in html and a.report_url in html
    assert answers(app, a.report_id) == 1 and status_of(client, a.public_id) == "open"  # acted once
    opened = client.get(a.feedback[0])  # the used link, opened again: says so, no form
    assert opened.status_code == 409 and "<form" not in opened.get_data(as_text=True)


def test_a_character_that_is_not_allowed_on_a_link_page_gives_its_page_in_the_links_language(
        app: Flask, client: FlaskClient, staff: dict, worker: Any, smtp: Any) -> None:
    a = asked(app, client, staff, smtp)
    english = {"Accept-Language": "en"}  # the e-mail's language (Polish) wins over the browser's
    refused = client.post("/api/v1/feedback", headers=english, data={
        "token": a.token, "fixed": "false", "satisfaction": "2", "comment": "Napis\x00 nadal jest"})
    assert refused.status_code == 422 and refused.mimetype == "text/html"
    html = refused.get_data(as_text=True)
    assert 'lang="pl"' in html and "Formularz zawiera niedozwolony znak. Usuń go i wyślij ponownie." in html
    # the form again, as it was filled in, without the refused character
    assert ">Napis nadal jest</textarea>" in html and 'value="2" checked' in html and 'value="false" checked' in html
    assert answers(app, a.report_id) == 0 and status_of(client, a.public_id) == "closed"
    for path in (a.feedback[0] + "&fixed=%00", a.unsubscribe + "&x=a%0Bb"):
        page = client.get(path, headers=english)
        assert page.status_code == 422 and page.mimetype == "text/html", path
        assert 'lang="pl"' in page.get_data(as_text=True)
        assert "Formularz lub adres zawiera niedozwolony znak." in page.get_data(as_text=True)
    forged = client.post("/api/v1/feedback", headers={"Accept-Language": "uk"},
                         data={"token": "x\x00", "fixed": "true"})
    assert forged.status_code == 422 and "Форма або адреса містить недозволений символ." in forged.get_data(
        as_text=True)
    done = client.post("/api/v1/feedback", data={"token": a.token, "fixed": "false", "comment": "Napis nadal jest"})
    assert done.status_code == 200 and answers(app, a.report_id) == 1  # the corrected form acts


def test_an_expired_link_shows_the_expired_page_with_the_report_and_changes_nothing(
        app: Flask, client: FlaskClient, staff: dict, worker: Any, smtp: Any) -> None:
    a = asked(app, client, staff, smtp)
    with app.app_context(), unit_of_work() as s:  # a month and a day later
        s.execute(update(SignedLink).where(SignedLink.nonce_hash == digest(a.token))
                  .values(expires_at=utcnow() - timedelta(days=1)))
    before = status_of(client, a.public_id)
    for res in (client.get(a.feedback[1]),
                client.post("/api/v1/feedback", data={"token": a.token, "fixed": "false", "satisfaction": "1"})):
        assert res.status_code == 410
        html = res.get_data(as_text=True)
        assert "Ten link wygasł" in html and f'href="{a.report_url}"' in html and "<form" not in html
    assert status_of(client, a.public_id) == before and answers(app, a.report_id) == 0

    short = issue(app, links.UNSUBSCRIBE, {"resident_id": a.resident_id, "lang": "uk"}, timedelta(seconds=-1))
    for res in (client.get(f"/api/v1/email/unsubscribe?token={short}"),
                client.post(f"/api/v1/email/unsubscribe?token={short}", data="List-Unsubscribe=One-Click")):
        assert res.status_code == 410 and "Термін дії цього посилання минув" in res.get_data(as_text=True)
    assert not opted_out(app, a.resident_id)


def test_an_old_format_link_from_a_mailbox_says_it_expired_links_the_report_and_changes_nothing(
        app: Flask, client: FlaskClient, staff: dict, worker: Any, smtp: Any) -> None:
    a = asked(app, client, staff, smtp)
    secret = app.config["SECRET_KEY"]
    old_feedback = URLSafeSerializer(secret, salt="feedback-answer").dumps([a.request_id, a.resident_id])
    old_unsubscribe = URLSafeSerializer(secret, salt="email-unsubscribe").dumps(a.resident_id)
    before = status_of(client, a.public_id)
    page = client.get(f"/api/v1/feedback?token={old_feedback}&fixed=false", headers={"Accept-Language": "en"})
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert "This link has expired" in html and f'href="{a.report_url}"' in html and "<form" not in html
    posted = client.post("/api/v1/feedback", data={"token": old_feedback, "fixed": "false", "satisfaction": "1"})
    assert posted.status_code == 410 and a.report_url in posted.get_data(as_text=True)
    assert status_of(client, a.public_id) == before and answers(app, a.report_id) == 0

    for res in (client.get(f"/api/v1/email/unsubscribe?token={old_unsubscribe}"),
                client.post(f"/api/v1/email/unsubscribe?token={old_unsubscribe}", data="List-Unsubscribe=One-Click")):
        assert res.status_code == 410 and "<form" not in res.get_data(as_text=True)
    assert not opted_out(app, a.resident_id)
    # An old link signed with an earlier secret key still says "expired", without naming any report.
    other = URLSafeSerializer("an earlier key", salt="feedback-answer").dumps([a.request_id, a.resident_id])
    res = client.get(f"/api/v1/feedback?token={other}")
    assert res.status_code == 410 and a.report_url not in res.get_data(as_text=True)


def test_a_link_of_another_purpose_or_a_forged_one_is_refused_with_a_page(
        app: Flask, client: FlaskClient, staff: dict, worker: Any, smtp: Any) -> None:
    a = asked(app, client, staff, smtp)
    unsubscribe = a.unsubscribe.split("token=")[1]
    reset = issue(app, links.PASSWORD_RESET, {"staff_id": 1}, timedelta(hours=1))
    before = status_of(client, a.public_id)
    for token in (unsubscribe, reset):  # real links, made for other pages
        assert client.get(f"/api/v1/feedback?token={token}").status_code == 404
        assert client.post("/api/v1/feedback", data={"token": token, "fixed": "false"}).status_code == 404
    for token in (a.token, reset):
        assert client.get(f"/api/v1/email/unsubscribe?token={token}").status_code == 404
        assert client.post(f"/api/v1/email/unsubscribe?token={token}").status_code == 404
    assert status_of(client, a.public_id) == before and answers(app, a.report_id) == 0
    assert not opted_out(app, a.resident_id)
    for forged in (secrets.token_urlsafe(32), a.token[:-1] + ("A" if a.token[-1] != "A" else "B"), "x" * 500,
                   "%00", "' OR 1=1 --", "a" * 20):
        res = client.post("/api/v1/feedback", data={"token": forged, "fixed": "true"})
        assert res.status_code == 404, (forged, res.status_code)
        page = client.get("/api/v1/feedback", query_string={"token": forged}, headers={"Accept-Language": "pl"})
        assert page.status_code == 404 and "Ten link jest nieprawidłowy" in page.get_data(as_text=True)
        assert client.post("/api/v1/email/unsubscribe", query_string={"token": forged}).status_code == 404
    assert client.get("/api/v1/feedback?token=" + "x" * 501).status_code == 422  # too long: refused as input


def test_unsubscribe_through_the_e_mail_acts_once_and_one_click_keeps_working(
        app: Flask, client: FlaskClient, staff: dict, worker: Any, smtp: Any) -> None:
    a = asked(app, client, staff, smtp)
    page = client.get(a.unsubscribe)
    assert page.status_code == 200 and '<button type="submit">' in page.get_data(as_text=True)
    assert not opted_out(app, a.resident_id)  # a GET changes nothing
    done = client.post(a.unsubscribe, data="List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded")  # RFC 8058, as a mail client sends it
    assert done.status_code == 200
    assert "Nie będziesz już otrzymywać wiadomości" in done.get_data(as_text=True)
    assert opted_out(app, a.resident_id)
    again = client.post(a.unsubscribe, data="List-Unsubscribe=One-Click")
    assert again.status_code == 200
    assert "Ten link już wypisał Cię z e-maili" in again.get_data(as_text=True)
    assert "Ten link już wypisał Cię z e-maili" in client.get(a.unsubscribe).get_data(as_text=True)
    with app.app_context():
        row = session().scalars(select(SignedLink).where(
            SignedLink.nonce_hash == digest(a.unsubscribe.split("token=")[1]))).one()
        assert row.used_at is not None
        session().rollback()


def test_two_answers_at_once_through_one_link_act_once(app: Flask, cities: dict, migrated: str) -> None:
    """consume() locks the link's row: of two transactions racing on one link, one acts, the other is told."""
    token = issue(app, links.FEEDBACK, {"request_id": 0}, timedelta(minutes=5))
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def use() -> None:
        with app.app_context():
            barrier.wait()
            try:
                with unit_of_work() as s:
                    links.consume(s, links.FEEDBACK, token)
                outcomes.append("acted")
            except links.LinkUsed:
                outcomes.append("used")

    threads = [threading.Thread(target=use) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["acted", "used"]


def test_links_expired_long_ago_are_purged_by_the_retention_run(app: Flask, cities: dict) -> None:
    old = issue(app, links.UNSUBSCRIBE, {"resident_id": 0}, timedelta(days=-91))
    recent = issue(app, links.UNSUBSCRIBE, {"resident_id": 0}, timedelta(days=-1))
    with app.app_context():
        apply_retention(app.config["HROMADA_SETTINGS"].RETENTION_MONTHS)
        kept = set(session().scalars(select(SignedLink.nonce_hash).where(
            SignedLink.nonce_hash.in_([digest(old), digest(recent)]))))
        session().rollback()
    assert kept == {digest(recent)}  # the recent one still says "expired"; the old one is gone


def test_the_feedback_page_works_on_a_phone_in_a_real_browser(
        app: Flask, client: FlaskClient, staff: dict, worker: Any, smtp: Any, server: Any, browser: Any) -> None:
    a = asked(app, client, staff, smtp)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="uk-UA")
    page = context.new_page()
    page.goto(base(server) + a.feedback[0])
    assert page.evaluate("document.documentElement.lang") == "pl"  # the e-mail's language, not the browser's
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    unlabelled = page.evaluate("""[...document.querySelectorAll('input:not([type=hidden]), textarea')]
        .filter(e => !e.labels || e.labels.length === 0).length""")
    assert unlabelled == 0
    assert page.is_checked("input[name=fixed][value=true]")
    page.check("input[name=satisfaction][value='4']")
    page.fill("#comment", "Dziękuję")
    shot(page, "resident-feedback-390")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "Dziękujemy za odpowiedź." in page.content()
    assert answers(app, a.report_id) == 1
    page.goto(base(server) + a.feedback[0])  # the e-mail's link, opened again: it says it was used, no form
    assert "Twoja odpowiedź została już zapisana" in page.content() and "<form" not in page.content()
    context.close()
