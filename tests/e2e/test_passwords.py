"""Staff passwords: the rule wherever a password is set, changing one's own (other sessions end, the one in use
stays), and a forgotten one reset through a link received by e-mail (same answer for unknown addresses, the
page's GET changes nothing, the link acts once and expires); the pages in the browser."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from backend.models import AuditEntry, SignedLink, StaffUser, utcnow
from backend.security import digest
from backend.staff import create_staff
from tests.e2e.conftest import HTTPS, base, shot
from tests.integration.test_load_city import run_cli
from tests.support.waiting import eventually

PASSWORD = "correct horse battery staple"
NEW = "Zielony rower stoi pod Wawelem"
LINK = re.compile(r"https?://[^\s\"<>]+/admin/password-reset/new\?token=([A-Za-z0-9_-]+)")


def new_staff(app: Flask, role: str = "dispatcher", **extra: Any) -> str:
    email = f"pw-{role}-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role=role, jurisdiction_code="1261011", **extra)
    return email


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/admin/tokens", json={"email": email, "password": password})


def bearer(client: FlaskClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    res = sign_in(client, email, password)
    assert res.status_code == 201, res.json
    return {"Authorization": f"Bearer {res.json['token']}"}


def audited(app: Flask, email: str) -> list[str]:
    with app.app_context():
        from backend.db import session

        s = session()
        staff_id = s.scalars(select(StaffUser.id).where(func.lower(StaffUser.email) == email)).one()
        actions = list(
            s.scalars(
                select(AuditEntry.action).where(AuditEntry.target_type == "staff", AuditEntry.target_id == staff_id)
            )
        )
        s.rollback()
        return actions


def mails_to(smtp: Any, address: str) -> list[Any]:
    return [m for m in smtp.messages if m["To"] == address]


def reset_mails(smtp: Any, address: str) -> list[Any]:
    """The reset e-mails to `address` (it gets notices of changes to its account, too)."""
    return [m for m in mails_to(smtp, address) if LINK.search(m.get_body(("plain",)).get_content())]


def reset_link(smtp: Any, address: str, count: int = 1) -> str:
    """The token of the newest reset link e-mailed to `address`, once `count` reset e-mails have arrived."""
    eventually(lambda: len(reset_mails(smtp, address)) >= count, timeout=60, what=f"a reset e-mail to {address}")
    found = LINK.search(reset_mails(smtp, address)[-1].get_body(("plain",)).get_content())
    assert found, "no link in the e-mail"
    return found.group(1)


def elsewhere(n: int) -> dict[str, dict[str, str]]:
    """A client address of its own, so that the per-address limits of one test do not meet another's."""
    return {"environ_base": {"REMOTE_ADDR": f"127.0.9.{n}"}}


# -- the rule wherever a password is set ------------------------------------------------------------------------


def test_creating_staff_refuses_a_weak_password_saying_why(app: Flask, cities: dict) -> None:
    from backend.staff import WeakPassword

    email = f"weak-{uuid.uuid4().hex[:8]}@krakow.example"
    for password, why in (("short pw", "too short"), ("zaq12wsxcde3", "most common"), (email, "built on the e-mail")):
        with app.app_context(), pytest.raises(WeakPassword, match=why):
            create_staff(email=email, password=password, role="viewer", jurisdiction_code="1261011")
    cli = run_cli(
        app,
        "create-staff",
        "--email",
        email,
        "--password",
        "hromada-demo",
        "--role",
        "viewer",
        "--jurisdiction",
        "1261011",
    )  # the old demo password: the product's and the city's names
    assert cli.exit_code == 2 and "too easy to guess" in cli.output


# -- changing one's own password --------------------------------------------------------------------------------


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(app: Flask, client: FlaskClient) -> None:
    email = new_staff(app)
    mine, other = bearer(client, email), bearer(client, email)

    wrong = client.post(
        "/api/admin/me/password", headers=mine, json={"current_password": "not my password at all", "new_password": NEW}
    )
    assert wrong.status_code == 422
    assert wrong.json["message"] == "Obecne hasło jest nieprawidłowe."  # Kraków's staff read Polish
    assert wrong.json["errors"]["json"]["current_password"]

    common = client.post(
        "/api/admin/me/password", headers=mine, json={"current_password": PASSWORD, "new_password": "zaq12wsxcde3"}
    )
    assert common.status_code == 422
    assert "najpopularniejszych haseł" in common.json["message"]

    done = client.post("/api/admin/me/password", headers=mine, json={"current_password": PASSWORD, "new_password": NEW})
    assert done.status_code == 204
    assert client.get("/api/admin/me", headers=mine).status_code == 200  # the token in use stays
    assert client.get("/api/admin/me", headers=other).status_code == 401  # every other one ends
    assert sign_in(client, email).status_code == 401
    assert sign_in(client, email, NEW).status_code == 201
    assert {"staff.password_change_failed", "staff.password_change"} <= set(audited(app, email))


def test_wrong_current_passwords_count_as_failed_sign_ins(app: Flask, client: FlaskClient) -> None:
    email = new_staff(app)
    mine = bearer(client, email)
    answers = [
        client.post(
            "/api/admin/me/password",
            headers=mine,
            **elsewhere(6),
            json={"current_password": f"a wrong guess {i}", "new_password": NEW},
        ).status_code
        for i in range(6)
    ]
    assert answers == [422] * 5 + [429]
    right = client.post(
        "/api/admin/me/password", headers=mine, **elsewhere(6), json={"current_password": PASSWORD, "new_password": NEW}
    )
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0  # even the right one waits now
    signing_in = client.post("/api/admin/tokens", json={"email": email, "password": PASSWORD}, **elsewhere(6))
    assert signing_in.status_code == 429  # the same count as signing in from that address
    assert sign_in(client, email).status_code == 201  # from another address: not held up


def test_a_passphrase_longer_than_72_characters_is_accepted_everywhere(app: Flask, client: FlaskClient) -> None:
    long_phrase = "Zielony rower stoi pod Wawelem, a obok niego czeka tramwaj do Nowej Huty i dalej na Bieńczyce"
    assert len(long_phrase) > 72
    email = new_staff(app)
    mine = bearer(client, email)
    body = {"current_password": PASSWORD, "new_password": long_phrase}
    done = client.post("/api/admin/me/password", headers=mine, json=body)
    assert done.status_code == 204
    assert sign_in(client, email, long_phrase).status_code == 201
    other = f"pw-long-{uuid.uuid4().hex[:8]}@krakow.example"
    args = ["--email", other, "--password", long_phrase, "--role", "viewer", "--jurisdiction", "1261011"]
    cli = run_cli(app, "create-staff", *args)
    assert cli.exit_code == 0, cli.output
    assert sign_in(client, other, long_phrase).status_code == 201


def test_an_api_key_cannot_change_a_password(app: Flask, client: FlaskClient) -> None:
    from backend.staff import create_api_key

    with app.app_context():
        key = create_api_key(name="pw-test", jurisdiction_code="1261011", scopes=["reports:write"])[1]
    res = client.post(
        "/api/admin/me/password", headers={"X-API-Key": key}, json={"current_password": PASSWORD, "new_password": NEW}
    )
    assert res.status_code == 403


# -- a forgotten password, by an e-mailed link --------------------------------------------------------------------


def test_reset_by_e_mailed_link_acts_once_and_unknown_addresses_get_the_same_answer(
    app: Flask, client: FlaskClient, worker: Any, smtp: Any
) -> None:
    email = new_staff(app)
    session_before = bearer(client, email)
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@krakow.example"

    known_answer = client.post("/api/admin/password-reset", json={"email": email.upper()}, **elsewhere(1))
    unknown_answer = client.post("/api/admin/password-reset", json={"email": unknown}, **elsewhere(1))
    assert known_answer.status_code == unknown_answer.status_code == 202
    assert known_answer.get_data() == unknown_answer.get_data()

    token = reset_link(smtp, email)
    mail = reset_mails(smtp, email)[-1]
    assert mail["Subject"] == "Ustaw nowe hasło do Hromady"  # Kraków's staff read Polish
    assert "60 minut" in mail.get_body(("plain",)).get_content()
    assert f"/admin/password-reset/new?token={token}" in mail.get_body(("html",)).get_content()
    time.sleep(2)  # the unknown address's event was handled by now, too: it sent nothing
    assert mails_to(smtp, unknown) == []

    page = client.get(f"/admin/password-reset/new?token={token}", base_url=HTTPS)
    assert page.status_code == 200 and email in page.get_data(as_text=True)
    assert client.get("/api/admin/me", headers=session_before).status_code == 200  # the GET changed nothing
    assert sign_in(client, email).status_code == 201

    weak = client.post("/api/admin/password-reset/confirm", json={"token": token, "new_password": "short"})
    assert weak.status_code == 422 and "too short" in weak.json["message"]
    done = client.post("/api/admin/password-reset/confirm", json={"token": token, "new_password": NEW})
    assert done.status_code == 204  # the refused password left the link usable
    assert client.get("/api/admin/me", headers=session_before).status_code == 401  # every session ended
    assert sign_in(client, email).status_code == 401
    assert sign_in(client, email, NEW).status_code == 201

    again = client.post("/api/admin/password-reset/confirm", json={"token": token, "new_password": PASSWORD + "!"})
    assert again.status_code == 409
    assert client.get(f"/admin/password-reset/new?token={token}", base_url=HTTPS).status_code == 409
    assert sign_in(client, email, NEW).status_code == 201
    assert {"staff.password_reset_sent", "staff.password_reset"} <= set(audited(app, email))


def test_an_expired_or_forged_reset_link_changes_nothing(
    app: Flask, client: FlaskClient, worker: Any, smtp: Any
) -> None:
    email = new_staff(app)
    assert client.post("/api/admin/password-reset", json={"email": email}, **elsewhere(2)).status_code == 202
    token = reset_link(smtp, email)
    with app.app_context():
        from backend.db import unit_of_work

        with unit_of_work() as s:  # an hour and a minute later
            s.execute(
                update(SignedLink)
                .where(SignedLink.nonce_hash == digest(token))
                .values(expires_at=utcnow() - timedelta(minutes=1))
            )
    page = client.get(f"/admin/password-reset/new?token={token}", base_url=HTTPS)
    assert page.status_code == 410 and "wygasł" in page.get_data(as_text=True)  # Polish: the link has expired
    assert (
        client.post("/api/admin/password-reset/confirm", json={"token": token, "new_password": NEW}).status_code == 410
    )
    assert (
        client.post("/api/admin/password-reset/confirm", json={"token": "A" * 43, "new_password": NEW}).status_code
        == 404
    )
    assert sign_in(client, email).status_code == 201  # the password is as it was


def test_reset_requests_are_limited_per_client_address(app: Flask, client: FlaskClient) -> None:
    answers = [
        client.post("/api/admin/password-reset", json={"email": f"x{i}@krakow.example"}, **elsewhere(3)).status_code
        for i in range(6)
    ]
    assert answers == [202] * 5 + [429]
    assert (
        client.post("/api/admin/password-reset", json={"email": "y@krakow.example"}, **elsewhere(4)).status_code == 202
    )  # another address is not held up


# -- the pages, in the browser ----------------------------------------------------------------------------------------


def test_the_password_pages_in_the_browser(app: Flask, server: Any, browser: Any, worker: Any, smtp: Any) -> None:
    email = new_staff(app, full_name="Olena Kowalenko")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{base(server)}/admin/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/queue.*"))

    page.click("#password-link")  # "Change password" in the header
    page.fill("input[name=current_password]", PASSWORD)
    page.fill("input[name=new_password]", "olena.kowalenko.krakow")
    page.fill("input[name=new_password_again]", "olena.kowalenko.krakow")
    page.click("#password-change button[type=submit]")
    assert "built on the e-mail address" in page.inner_text("#password-error") or "adresie e-mail" in page.inner_text(
        "#password-error"
    )
    page.fill("input[name=current_password]", PASSWORD)
    page.fill("input[name=new_password]", NEW)
    page.fill("input[name=new_password_again]", NEW)
    page.click("#password-change button[type=submit]")
    assert page.is_visible("#password-changed")
    shot(page, "password-change")
    page.click("#signout")

    page.click("#forgot-password")  # on the sign-in page
    page.fill("input[name=email]", email)
    page.click("#password-forgot button[type=submit]")
    assert page.is_visible("#reset-sent")
    shot(page, "password-forgot")

    token = reset_link(smtp, email)
    page.goto(f"{base(server)}/admin/password-reset/new?token={token}")
    page.fill("input[name=new_password]", PASSWORD + " again")
    page.fill("input[name=new_password_again]", PASSWORD + " agian")
    page.click("#password-reset button[type=submit]")
    assert page.is_visible("#password-error")  # the two differ
    page.fill("input[name=new_password]", "Kasztany spadają na Plantach")
    page.fill("input[name=new_password_again]", "Kasztany spadają na Plantach")
    page.click("#password-reset button[type=submit]")
    assert page.is_visible("#password-set")
    shot(page, "password-reset")

    page.click("#password-set ~ p a")  # "Sign in"
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "Kasztany spadają na Plantach")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/queue.*"))
    context.close()


def test_the_reset_page_refuses_too_many_requests_in_words(app: Flask) -> None:
    web = app.test_client()
    html = web.get("/admin/password-reset", base_url=HTTPS, **elsewhere(5)).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    answers = [
        web.post(
            "/admin/password-reset",
            base_url=HTTPS,
            data={"email": f"z{i}@krakow.example", "csrf_token": csrf},
            headers={"Referer": f"{HTTPS}/admin/password-reset"},
            **elsewhere(5),
        )
        for i in range(6)
    ]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert all("wysłaliśmy" in a.get_data(as_text=True) for a in answers[:5])  # the same answer, in Polish
    refused = answers[5].get_data(as_text=True)
    assert re.search(r"Zbyt wiele próśb; spróbuj ponownie za \d+ min\.", refused)  # in words, with the wait
    assert 'name="email"' in refused  # the form again, to try later
    assert "przez 60 min" in answers[0].get_data(as_text=True)  # the link's validity from the setting
    assert int(answers[5].headers["Retry-After"]) > 0


def test_the_reset_link_keeps_its_token_out_of_the_path_the_access_log_records(
    app: Flask, client: FlaskClient, worker: Any, smtp: Any
) -> None:
    email = new_staff(app)
    assert client.post("/api/admin/password-reset", json={"email": email}, **elsewhere(6)).status_code == 202
    token = reset_link(smtp, email)
    link = re.search(r"https?://[^\s\"<>]+", reset_mails(smtp, email)[-1].get_body(("plain",)).get_content())
    assert link and "/admin/password-reset" in link.group(0)
    parts = urlsplit(link.group(0))
    assert token not in parts.path and parse_qs(parts.query) == {"token": [token]}
    assert client.get(f"/admin/password-reset/{token}", base_url=HTTPS).status_code == 404  # no token in a path

    web = app.test_client()
    url = f"/admin/password-reset/new?token={token}"
    html = web.get(url, base_url=HTTPS).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    form = {"new_password": NEW, "new_password_again": NEW, "csrf_token": csrf}
    done = web.post(url, base_url=HTTPS, data=form, headers={"Referer": f"{HTTPS}{url}"}, follow_redirects=True)
    assert done.status_code == 200 and 'id="password-set"' in done.get_data(as_text=True)
    assert "token" not in done.request.url  # a reload of the answer sends nothing again
    assert sign_in(client, email, NEW).status_code == 201
    assert web.get("/admin/password-reset", base_url=HTTPS).status_code == 200  # the "forgot" form is where it was


def test_the_reset_limit_per_e_mail_counts_the_api_and_the_web_form_together(app: Flask, client: FlaskClient) -> None:
    email = f"shared-{uuid.uuid4().hex[:8]}@krakow.example"  # 3 an hour per e-mail
    web = app.test_client()
    html = web.get("/admin/password-reset", base_url=HTTPS, **elsewhere(8)).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]

    def by_web() -> int:
        return web.post(
            "/admin/password-reset",
            base_url=HTTPS,
            data={"email": email, "csrf_token": csrf},
            headers={"Referer": f"{HTTPS}/admin/password-reset"},
            **elsewhere(8),
        ).status_code

    def by_api() -> int:
        return client.post("/api/admin/password-reset", json={"email": email}, **elsewhere(7)).status_code

    assert [by_api(), by_api(), by_web(), by_web()] == [202, 202, 200, 429]
    assert by_api() == 429


# -- the person is told about changes to their password ---------------------------------------------------------


def notices(smtp: Any, address: str) -> list[str]:
    """The texts of the notices of account changes e-mailed to `address` (Kraków's staff read Polish)."""
    return [
        m.get_body(("plain",)).get_content()
        for m in mails_to(smtp, address)
        if m["Subject"] == "Zmiana na Twoim koncie pracownika w Hromadzie"
    ]


def test_a_changed_or_reset_password_is_told_to_its_owner_by_e_mail(
    app: Flask, client: FlaskClient, worker: Any, smtp: Any
) -> None:
    email = new_staff(app, full_name="Olena Kowalenko")
    headers = bearer(client, email)
    changed = client.post(
        "/api/admin/me/password", json={"current_password": PASSWORD, "new_password": NEW}, headers=headers
    )
    assert changed.status_code == 204
    eventually(lambda: len(notices(smtp, email)) == 1, timeout=60, what="a notice of the password change")
    text = notices(smtp, email)[0]
    assert "Dzień dobry, Olena Kowalenko," in text
    assert "Hasło do Twojego konta pracownika w Hromadzie zostało zmienione." in text
    assert email in text and "natychmiast powiadom administratora" in text

    assert client.post("/api/admin/password-reset", json={"email": email}, **elsewhere(9)).status_code == 202
    token = reset_link(smtp, email)
    assert len(notices(smtp, email)) == 1  # asking for a link changes nothing yet
    done = client.post("/api/admin/password-reset/confirm", json={"token": token, "new_password": PASSWORD})
    assert done.status_code == 204
    eventually(lambda: len(notices(smtp, email)) == 2, timeout=60, what="a notice of the reset")
    assert "ustawione na nowo przez link do resetu hasła" in notices(smtp, email)[1]
    wrong = client.post(
        "/api/admin/me/password",
        json={"current_password": "not it", "new_password": NEW},
        headers=bearer(client, email),
    )
    assert wrong.status_code == 422
    time.sleep(2)
    assert len(notices(smtp, email)) == 2  # a refused change is no change


def test_without_a_mail_server_no_notice_is_written(
    app: Flask, migrated: str, redis_url: str, worker: Any, smtp: Any
) -> None:
    from tests.conftest import make_app

    quiet = make_app(migrated, redis_url, MAIL_SERVER="")
    email = new_staff(quiet)
    headers = bearer(quiet.test_client(), email)
    changed = quiet.test_client().post(
        "/api/admin/me/password", json={"current_password": PASSWORD, "new_password": NEW}, headers=headers
    )
    assert changed.status_code == 204
    with quiet.app_context():
        from backend.db import session
        from backend.models import OutboxEvent

        s = session()
        staff_id = s.scalars(select(StaffUser.id).where(StaffUser.email == email)).one()
        written = s.scalars(
            select(OutboxEvent).where(
                OutboxEvent.event_type == "staff.credential_changed",
                OutboxEvent.payload["staff_id"].as_integer() == staff_id,
            )
        ).all()
        s.rollback()
    assert written == []
    time.sleep(2)
    assert notices(smtp, email) == []


def test_a_reset_for_an_e_mail_no_keyboard_types_gets_the_answer_every_address_gets(
    app: Flask, client: FlaskClient
) -> None:
    unknown = client.post("/api/admin/password-reset", json={"email": "nobody@krakow.example"}, **elsewhere(20))
    for odd in ("a\x00b@krakow.example", "a\x1bb@krakow.example", "a\ud800b@krakow.example"):
        res = client.post("/api/admin/password-reset", json={"email": odd}, **elsewhere(20))
        assert res.status_code == unknown.status_code == 202 and res.get_data() == unknown.get_data()
    web = app.test_client()
    html = web.get("/admin/password-reset", base_url=HTTPS, **elsewhere(21)).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    pages = [
        web.post(
            "/admin/password-reset",
            base_url=HTTPS,
            data={"email": email, "csrf_token": csrf},
            headers={"Referer": f"{HTTPS}/admin/password-reset"},
            **elsewhere(21),
        )
        for email in ("nobody@krakow.example", "a\x00b@krakow.example")
    ]
    assert [p.status_code for p in pages] == [200, 200]
    assert pages[0].get_data(as_text=True) == pages[1].get_data(as_text=True)


def test_a_password_no_keyboard_types_is_refused_saying_why(app: Flask, client: FlaskClient) -> None:
    email = new_staff(app)
    mine = bearer(client, email)
    for odd in (NEW + "\x00", NEW + "\ud800"):
        body = {"current_password": PASSWORD, "new_password": odd}
        res = client.post("/api/admin/me/password", headers=mine, json=body)
        assert res.status_code == 422 and "nie da się wpisać z klawiatury" in res.json["message"]
    wrong = client.post(
        "/api/admin/me/password", headers=mine, json={"current_password": "x\ud800", "new_password": NEW}
    )
    assert wrong.status_code == 422 and wrong.json["errors"]["json"]["current_password"]
    assert sign_in(client, email).status_code == 201  # nothing changed


def test_a_changed_password_page_can_be_reloaded_without_sending_it_again_and_leads_on(app: Flask) -> None:
    from tests.e2e.conftest import PASSWORD, web_session

    email = new_staff(app)
    web, token = web_session(app, email)
    page = web.get("/admin/account/password", base_url=HTTPS).get_data(as_text=True)
    assert re.search(r'<form [^>]*id="password-change"[^>]*novalidate', page)  # the server's words, not the browser's
    form = {"current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW, "csrf_token": token}
    sent = web.post(
        "/admin/account/password", data=form, base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/account/password"}
    )
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/admin/account/password")
    done = web.get("/admin/account/password", base_url=HTTPS).get_data(as_text=True)
    assert 'id="password-changed"' in done and 'id="password-onward"' in done and 'name="new_password"' not in done
    reloaded = web.get("/admin/account/password", base_url=HTTPS).get_data(as_text=True)
    assert 'id="password-changed"' not in reloaded  # said once; a reload is the empty form


def test_the_reset_links_page_speaks_the_accounts_language_unless_the_person_switches(
    app: Flask, client: FlaskClient, worker: Any, smtp: Any
) -> None:
    from backend.staff import set_locale
    from tests.e2e.test_second_factor import staff_id_of

    email = new_staff(app)
    with app.app_context():
        set_locale(staff_id_of(app, email), "uk")
    assert client.post("/api/admin/password-reset", json={"email": email}, **elsewhere(7)).status_code == 202
    url = f"/admin/password-reset/new?token={reset_link(smtp, email)}"
    web = app.test_client()
    html = web.get(url, base_url=HTTPS, headers={"Accept-Language": "pl"}).get_data(as_text=True)
    assert '<html lang="uk">' in html and 'action="/admin/language"' in html
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    web.post(
        "/admin/language",
        data={"lang": "en", "back": url, "csrf_token": csrf},
        base_url=HTTPS,
        headers={"Referer": f"{HTTPS}{url}"},
    )
    assert '<html lang="en">' in web.get(url, base_url=HTTPS).get_data(as_text=True)
