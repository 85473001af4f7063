"""The second factor (TOTP): required for admins, optional for other staff, in the API and the web UI; codes are
accepted once; recovery codes work once; an admin's first sign-in enrols; an admin can reset a colleague's
factor (audited); API keys are unaffected."""

from __future__ import annotations

import base64
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import AuditEntry, StaffUser
from backend.staff import create_api_key, create_staff
from tests.e2e.conftest import CHROMIUM, PASSWORD, TOTP_SECRET, base, shot, totp_code
from tests.support.gunicorn import Gunicorn


def person(app: Flask, role: str, *, enrolled: bool = False, jurisdiction: str = "1261011") -> str:
    email = f"tf-{role}-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role=role, jurisdiction_code=jurisdiction,
                     totp_secret=TOTP_SECRET if enrolled else None)
    return email


def sign_in(client: FlaskClient, email: str, totp: str | None = None, password: str = PASSWORD) -> Any:
    body = {"email": email, "password": password}
    if totp is not None:
        body["totp"] = totp
    return client.post("/api/admin/tokens", json=body)


def wrong_code(secret: str = TOTP_SECRET) -> str:
    """A 6-digit code that is none of the codes accepted now."""
    totp, now = pyotp.TOTP(secret), int(time.time()) // 30
    near = {totp.generate_otp(step) for step in range(now - 2, now + 3)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c not in near)


def staff_row(db: Session, email: str) -> StaffUser:
    db.expire_all()
    return db.scalars(select(StaffUser).where(StaffUser.email == email)).one()


def test_an_admin_needs_a_code_each_accepted_once_and_a_wrong_one_is_a_failed_sign_in(
        app: Flask, cities: dict, client: FlaskClient, db: Session) -> None:
    email = person(app, "admin", enrolled=True)
    bare = sign_in(client, email)
    assert bare.status_code == 401 and bare.json["code"] == "totp_required" and "token" not in bare.json
    assert bare.json["message"]
    wrong = sign_in(client, email, wrong_code())
    assert wrong.status_code == 401 and "token" not in wrong.json
    assert staff_row(db, email).failed_logins == 1  # counted like a wrong password
    assert sign_in(client, email, totp="abc").status_code == 401
    code = totp_code(email)
    ok = sign_in(client, email, code)
    assert ok.status_code == 201 and ok.json["token"].startswith("hs_") and ok.json["role"] == "admin"
    assert "recovery_codes" not in ok.json
    assert staff_row(db, email).failed_logins == 0
    replayed = sign_in(client, email, code)  # the same code again, within its 30 seconds
    assert replayed.status_code == 401 and "token" not in replayed.json
    # A wrong password with the right code is still a wrong password (the code is not even looked at).
    assert sign_in(client, email, totp_code(email), password=PASSWORD + "x").status_code == 401


def test_one_code_sent_in_parallel_sign_ins_is_accepted_once(app: Flask, cities: dict) -> None:
    from concurrent.futures import ThreadPoolExecutor

    email = person(app, "admin", enrolled=True)
    code = totp_code(email)
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _: sign_in(app.test_client(), email, code).status_code, range(4)))
    assert statuses.count(201) == 1 and set(statuses) <= {201, 401, 429}, statuses


def test_an_admins_first_sign_in_enrols_and_recovery_codes_work_once(
        app: Flask, cities: dict, client: FlaskClient, db: Session) -> None:
    email = person(app, "admin")
    first = sign_in(client, email)
    assert first.status_code == 401 and first.json["code"] == "totp_enrolment_required"
    secret = first.json["secret"]
    assert first.json["otpauth_uri"].startswith("otpauth://totp/") and f"secret={secret}" in first.json["otpauth_uri"]
    assert first.json["qr_svg"].startswith("data:image/svg+xml")
    assert sign_in(client, email).json["secret"] == secret  # the same pending secret until it is confirmed
    assert staff_row(db, email).totp_confirmed_at is None
    confirmed = sign_in(client, email, totp_code(email, secret))
    assert confirmed.status_code == 201, confirmed.json
    codes = confirmed.json["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    row = staff_row(db, email)
    assert row.totp_confirmed_at is not None and secret not in (row.totp_secret or "")  # encrypted at rest
    assert not set(codes) & set(row.totp_recovery_hashes)  # only digests are stored
    assert sign_in(client, email).json["code"] == "totp_required"  # no longer enrolling
    by_recovery = sign_in(client, email, codes[0].upper())
    assert by_recovery.status_code == 201 and "recovery_codes" not in by_recovery.json
    assert sign_in(client, email, codes[0]).status_code == 401  # used up
    assert len(staff_row(db, email).totp_recovery_hashes) == 9


def test_other_staff_sign_in_with_a_password_until_they_turn_the_factor_on(
        app: Flask, cities: dict, client: FlaskClient) -> None:
    email = person(app, "dispatcher")
    res = sign_in(client, email)
    assert res.status_code == 201
    headers = {"Authorization": f"Bearer {res.json['token']}"}
    assert client.get("/api/admin/me/second-factor", headers=headers).json == {
        "on": False, "required": False, "recovery_codes_left": 0}
    started = client.post("/api/admin/me/second-factor", headers=headers)
    assert started.status_code == 201 and started.json["qr_svg"].startswith("data:image/svg+xml")
    secret = started.json["secret"]
    assert sign_in(client, email).status_code == 201  # not on until confirmed
    bad = client.post("/api/admin/me/second-factor/confirm", json={"totp": wrong_code(secret)}, headers=headers)
    assert bad.status_code == 422 and "totp" in bad.json["errors"]["json"]
    done = client.post("/api/admin/me/second-factor/confirm", json={"totp": totp_code(email, secret)},
                       headers=headers)
    assert done.status_code == 200 and len(done.json["recovery_codes"]) == 10
    assert client.post("/api/admin/me/second-factor", headers=headers).status_code == 409  # already on
    assert sign_in(client, email).json["code"] == "totp_required"
    assert sign_in(client, email, totp_code(email, secret)).status_code == 201
    renewed = client.post("/api/admin/me/second-factor/recovery-codes",
                          json={"totp": totp_code(email, secret), "password": PASSWORD}, headers=headers)
    assert renewed.status_code == 200 and not set(renewed.json["recovery_codes"]) & set(done.json["recovery_codes"])
    assert sign_in(client, email, done.json["recovery_codes"][0]).status_code == 401  # the old codes are void
    off = client.post("/api/admin/me/second-factor/off", json={"totp": totp_code(email, secret), "password": PASSWORD},
                      headers=headers)
    assert off.status_code == 204
    assert sign_in(client, email).status_code == 201  # the password alone again


def test_an_admin_cannot_turn_the_factor_off(app: Flask, cities: dict, client: FlaskClient) -> None:
    email = person(app, "admin", enrolled=True)
    headers = {"Authorization": f"Bearer {sign_in(client, email, totp_code(email)).json['token']}"}
    assert client.get("/api/admin/me/second-factor", headers=headers).json["required"] is True
    off = client.post("/api/admin/me/second-factor/off", json={"totp": totp_code(email), "password": PASSWORD},
                      headers=headers)
    assert off.status_code == 409 and off.json["message"]
    assert sign_in(client, email).json["code"] == "totp_required"


def test_an_admin_resets_a_colleagues_factor_audited_in_the_own_municipality_only(
        app: Flask, cities: dict, client: FlaskClient, db: Session) -> None:
    admin = person(app, "admin", enrolled=True)
    colleague = person(app, "admin", enrolled=True)
    dispatcher = person(app, "dispatcher")
    foreign = person(app, "admin", enrolled=True, jurisdiction="1206")
    headers = {"Authorization": f"Bearer {sign_in(client, admin, totp_code(admin)).json['token']}"}
    target = staff_row(db, colleague).id
    theirs = {"Authorization": f"Bearer {sign_in(client, colleague, totp_code(colleague)).json['token']}"}
    assert client.get("/api/admin/me", headers=theirs).status_code == 200
    res = client.post(f"/api/admin/staff/{target}/second-factor/reset", headers=headers)
    assert res.status_code == 204
    assert client.get("/api/admin/me", headers=theirs).status_code == 401  # the lost phone's session ends too
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "staff.second_factor_reset",
                                                AuditEntry.target_id == target)).one()
    assert entry.staff_id == staff_row(db, admin).id and entry.before == {"on": True}
    assert entry.after == {"on": False, "sessions_ended": 1}
    again = sign_in(client, colleague)  # enrols again at the next sign-in
    assert again.status_code == 401 and again.json["code"] == "totp_enrolment_required"
    assert again.json["secret"] != TOTP_SECRET
    foreign_id = staff_row(db, foreign).id
    assert client.post(f"/api/admin/staff/{foreign_id}/second-factor/reset", headers=headers).status_code == 404
    assert sign_in(client, foreign).json["code"] == "totp_required"  # untouched
    own = client.post(f"/api/admin/staff/{staff_row(db, admin).id}/second-factor/reset", headers=headers)
    assert own.status_code == 409 and own.json["message"]  # not one's own: a stolen session cannot re-enrol
    mine = {"Authorization": f"Bearer {sign_in(client, dispatcher).json['token']}"}
    assert client.post(f"/api/admin/staff/{target}/second-factor/reset", headers=mine).status_code == 403


def test_api_keys_need_no_second_factor(app: Flask, cities: dict, client: FlaskClient) -> None:
    with app.app_context():
        _, key = create_api_key(name=f"tf-{uuid.uuid4().hex[:6]}", jurisdiction_code="1261011",
                                scopes=["reports:read"])
    assert client.get("/api/admin/reports?limit=1", headers={"X-API-Key": key}).status_code == 200


def test_create_staff_enrols_a_known_secret_and_the_demo_admin_gets_one_on_an_existing_account(
        app: Flask, cities: dict, client: FlaskClient) -> None:
    from tests.integration.test_load_city import run_cli

    email = person(app, "admin")  # made before the second factor existed: no factor yet
    demo = "HROMADADEMOKRAKOWTRAMWAJOBWARZAN"
    args = ["create-staff", "--email", email, "--password", PASSWORD, "--role", "admin", "--jurisdiction",
            "1261011", "--if-missing", "--totp-secret", demo]
    assert run_cli(app, *args).exit_code == 0
    assert sign_in(client, email).json["code"] == "totp_required"  # enrolled and confirmed, not enrolling
    assert sign_in(client, email, totp_code(email, demo)).status_code == 201
    short = run_cli(app, *args[:2], f"x-{email}", *args[3:-1], "TOOSHORT")
    assert short.exit_code != 0 and "base32" in short.output
    reset = run_cli(app, "reset-second-factor", email.upper())  # the operator's way back in
    assert reset.exit_code == 0, reset.output
    assert sign_in(client, email).json["code"] == "totp_enrolment_required"
    assert run_cli(app, "reset-second-factor", f"nobody-{email}").exit_code == 2


# -- the web UI ----------------------------------------------------------------------------------------------


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by `make test`")
def test_an_admins_first_sign_in_in_the_browser_enrols_then_asks_for_a_code(
        app: Flask, browser: Any, server: Gunicorn) -> None:
    email = person(app, "admin")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{base(server)}/admin/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/login/code$"))
    cookie = next(c for c in context.cookies() if c["name"] == "hromada_staff")
    assert "token" not in _session_keys(cookie["value"])  # no staff token before the second factor
    assert "/admin/login" in page.goto(f"{base(server)}/admin/queue").url
    page.goto(f"{base(server)}/admin/login/code")
    qr = page.locator("figure.qr img")
    assert qr.get_attribute("src").startswith("data:image/svg+xml") and len(qr.get_attribute("alt")) > 20
    assert page.locator("label input[name=totp]").count() == 1  # a labelled field
    secret = page.locator("#totp-secret").inner_text().replace(" ", "").strip()  # shown in groups of four
    assert page.locator("#otpauth-link").get_attribute("href").startswith("otpauth://totp/")
    shot(page, "second-factor-enrol")
    page.fill("input[name=totp]", wrong_code(secret))
    page.click("button[type=submit]")
    assert page.locator("p.error[role=alert]").is_visible()
    page.fill("input[name=totp]", totp_code(email, secret))
    page.click("button[type=submit]")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    shot(page, "second-factor-recovery-codes")
    page.reload()  # a reload shows the same codes again, no "Refused"
    assert page.locator("#recovery-codes li").all_inner_texts() == codes
    page.click("#codes-saved")
    page.wait_for_url(re.compile(r".*/admin/queue.*"))
    page.click("#signout")
    page.wait_for_url(re.compile(r".*/admin/login.*"))
    page.fill("input[name=email]", email)  # next time: the code step, where a recovery code works too
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/login/code$"))
    assert page.locator("figure.qr").count() == 0
    shot(page, "second-factor-code")
    page.fill("input[name=totp]", codes[0].strip())
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/queue.*"))
    context.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by `make test`")
def test_a_dispatcher_turns_the_factor_on_in_the_account_page_and_an_admin_resets_it(
        app: Flask, browser: Any, server: Gunicorn, db: Session) -> None:
    from tests.e2e.conftest import signed_in

    email = person(app, "dispatcher")
    page = signed_in(browser, server, email, "/admin/account")
    assert page.locator("#start").is_visible()  # off: a button to set it up
    page.click("#start")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "").strip()
    page.locator("#confirm input[name=totp]").fill(totp_code(email, secret))
    page.locator("#confirm button").click()
    assert page.locator("#recovery-codes li").count() == 10
    page.click("#codes-saved")
    page.wait_for_url(re.compile(r".*/admin/account$"))
    assert page.locator("#renew").is_visible() and page.locator("#off").is_visible()  # on: renew codes, turn off
    shot(page, "account-second-factor")
    page.context.close()
    assert staff_row(db, email).totp_confirmed_at is not None
    admin = person(app, "admin", enrolled=True)
    page = signed_in(browser, server, admin, "/admin/manage")
    row = page.locator("#staff tr", has_text=email)
    reset = "form[action$='/second-factor-reset'] button"
    row.locator(reset).click()
    page.wait_for_load_state()
    assert staff_row(db, email).totp_confirmed_at is not None  # first a question
    page.click("#confirm-reset-button")
    page.wait_for_load_state()
    assert email in page.inner_text("#manage-notice")
    assert page.locator("#staff tr", has_text=email).locator(reset).count() == 0
    assert staff_row(db, email).totp_confirmed_at is None
    page.context.close()


def _session_keys(cookie: str) -> set[str]:
    """The keys of the (signed, not encrypted) session cookie's payload."""
    import json
    import zlib

    payload = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return set(json.loads(zlib.decompress(raw) if cookie.startswith(".") else raw))


def _session_json(cookie: str) -> str:
    import zlib

    payload = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if cookie.startswith(".") else raw).decode()


def code_step(app: Flask, email: str) -> tuple[FlaskClient, str]:
    """A test client past the web sign-in's password, on the code's page, and the page's CSRF token."""
    from tests.e2e.conftest import HTTPS

    c = app.test_client()
    html = c.get("/admin/login", base_url=HTTPS).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    signin = c.post("/admin/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf},
                    base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/login"})
    assert signin.status_code == 302 and signin.headers["Location"].endswith("/admin/login/code")
    html = c.get("/admin/login/code", base_url=HTTPS).get_data(as_text=True)
    return c, re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post_code(c: FlaskClient, csrf: str, code: str) -> Any:
    from tests.e2e.conftest import HTTPS

    return c.post("/admin/login/code", data={"totp": code, "csrf_token": csrf}, base_url=HTTPS,
                  headers={"Referer": f"{HTTPS}/admin/login/code"})


def failed_logins(app: Flask, email: str) -> int:
    """The account's failed sign-ins (in an app context of its own: the web client's requests need theirs)."""
    from backend.db import session

    with app.app_context():
        count = staff_row(session(), email).failed_logins
        session().rollback()
        return count


@pytest.mark.parametrize("code", ["١٢٣٤٥٦", "１２３４５６", "12\x003456", "²²²²²²"])
def test_digits_of_other_scripts_are_a_wrong_code_counted_as_a_failed_sign_in(
        app: Flask, cities: dict, client: FlaskClient, code: str) -> None:
    email = person(app, "admin", enrolled=True)
    res = sign_in(client, email, code)
    assert res.status_code == 401 and "token" not in res.json and res.json["message"]
    assert failed_logins(app, email) == 1
    c, csrf = code_step(app, email)
    page = post_code(c, csrf, code)
    assert page.status_code == 401 and 'role="alert"' in page.get_data(as_text=True)  # the form, with why
    assert failed_logins(app, email) == 2
    assert post_code(c, csrf, totp_code(email)).status_code == 302  # then the right code signs in
    dispatcher = person(app, "dispatcher")
    headers = {"Authorization": f"Bearer {sign_in(client, dispatcher).json['token']}"}
    assert client.post("/api/admin/me/second-factor", headers=headers).status_code == 201
    confirm = client.post("/api/admin/me/second-factor/confirm", json={"totp": code}, headers=headers)
    assert confirm.status_code == 422 and confirm.json["errors"]["json"]["totp"]


def test_an_empty_code_in_the_web_sign_in_shows_the_code_form_again(app: Flask, cities: dict) -> None:
    email = person(app, "admin", enrolled=True)
    c, csrf = code_step(app, email)
    page = post_code(c, csrf, "  ")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'name="totp"' in html and 'role="alert"' in html
    assert post_code(c, csrf, totp_code(email)).status_code == 302


# -- guessing codes: counted per account, wherever they come from ---------------------------------------------


HTTPS = "https://localhost"


def _from(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _addresses() -> Any:
    """Fresh client addresses, one per call (the failures of one address and e-mail are counted apart)."""
    prefix = uuid.uuid4().bytes
    return (f"10.{prefix[0]}.{prefix[1]}.{i}" for i in range(1, 255))


def audited(db: Session, email: str, action: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action,
                                                    AuditEntry.target_id == staff_row(db, email).id)
                                              .order_by(AuditEntry.id)))


def test_wrong_codes_after_a_right_password_count_for_the_account_from_any_address(
        app: Flask, cities: dict, db: Session) -> None:
    email = person(app, "admin", enrolled=True)
    addresses = _addresses()
    assert [sign_in(_from(app, next(addresses)), email, wrong_code()).status_code for _ in range(10)] == [401] * 10
    assert sign_in(_from(app, next(addresses)), email, wrong_code(), password="a guess").status_code == 401
    owner = sign_in(_from(app, next(addresses)), email, totp_code(email))
    assert owner.status_code == 429 and 850 <= int(owner.headers["Retry-After"]) <= 900, owner.json
    assert owner.json["message"] == "Too many wrong codes; try again later." and "token" not in owner.json
    wrong = [e for e in audited(db, email, "login_failed") if (e.after or {}).get("wrong_code")]
    assert len(wrong) == 10 and wrong[-1].after["account_waits_seconds"] == 900


def test_a_stranger_without_the_password_cannot_make_the_account_wait(app: Flask, cities: dict) -> None:
    email = person(app, "admin", enrolled=True)
    addresses = _addresses()
    assert {sign_in(_from(app, next(addresses)), email, wrong_code(), password="guess").status_code
            for _ in range(15)} == {401}
    assert sign_in(_from(app, next(addresses)), email, totp_code(email)).status_code == 201


def test_the_factor_settings_ask_for_the_password_and_count_wrong_codes_for_the_account(
        app: Flask, cities: dict, client: FlaskClient, db: Session) -> None:
    email = person(app, "dispatcher", enrolled=True)
    headers = {"Authorization": f"Bearer {sign_in(client, email, totp_code(email)).json['token']}"}
    off, renew = "/api/admin/me/second-factor/off", "/api/admin/me/second-factor/recovery-codes"
    for path in (off, renew):
        bare = client.post(path, json={"totp": wrong_code()}, headers=headers)
        assert bare.status_code == 422 and "password" in bare.json["errors"]["json"]
    wrong_password = client.post(off, json={"totp": wrong_code(), "password": "not it"}, headers=headers)
    assert wrong_password.status_code == 422 and "password" in wrong_password.json["errors"]["json"]
    statuses = [client.post(off if i % 2 else renew, json={"totp": wrong_code(), "password": PASSWORD},
                            headers=headers).status_code for i in range(9)]
    assert statuses == [422] * 9  # ten wrong answers in all: the account waits now
    refused = client.post(off, json={"totp": totp_code(email), "password": PASSWORD}, headers=headers)
    assert refused.status_code == 429 and 850 <= int(refused.headers["Retry-After"]) <= 900
    assert client.post(renew, json={"totp": totp_code(email), "password": PASSWORD},
                       headers=headers).status_code == 429
    assert staff_row(db, email).totp_confirmed_at is not None  # still on
    assert sign_in(client, email, totp_code(email)).status_code == 429  # signing in with a code waits too
    entries = audited(db, email, "staff.reauthentication_failed")
    assert [e.after["wrong"] for e in entries] == ["password"] + ["code"] * 9


def _web_signed_up_to_the_code(app: Flask, email: str, address: str) -> tuple[FlaskClient, str]:
    """A browser that gave the right password and has the code's page (and its form token) open."""
    web = _from(app, address)
    html = web.get("/admin/login", base_url=HTTPS).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    sent = web.post("/admin/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                    base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/login"})
    assert sent.status_code == 302 and sent.location.endswith("/admin/login/code")
    html = web.get("/admin/login/code", base_url=HTTPS).get_data(as_text=True)
    return web, re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _web_code(web: FlaskClient, token: str, code: str) -> Any:
    return web.post("/admin/login/code", data={"totp": code, "csrf_token": token}, base_url=HTTPS,
                    headers={"Referer": f"{HTTPS}/admin/login/code"})


def test_a_copy_of_the_pending_sign_in_cannot_sign_in_a_second_time(app: Flask, cities: dict) -> None:
    email = person(app, "admin", enrolled=True)
    web, token = _web_signed_up_to_the_code(app, email, next(_addresses()))
    pending = web.get_cookie("hromada_staff")
    assert pending is not None
    done = _web_code(web, token, totp_code(email))
    assert done.status_code == 302 and "/admin/login" not in done.location
    thief = _from(app, next(_addresses()))
    thief.set_cookie("hromada_staff", pending.value, domain=pending.domain or "localhost")
    again = _web_code(thief, token, totp_code(email))  # the next step's code, with the saved session
    assert again.status_code == 302 and again.location.split("?")[0].endswith("/admin/login")
    assert "/admin/login" in thief.get("/admin/queue", base_url=HTTPS).location  # not signed in


def test_in_the_web_too_many_wrong_codes_end_the_pending_sign_in(
        migrated: str, redis_url: str, cities: dict) -> None:
    from tests.conftest import make_app

    app = make_app(migrated, redis_url, SECOND_FACTOR_FREE_FAILURES="3", SIGN_IN_FREE_FAILURES="100")
    email = person(app, "admin", enrolled=True)
    web, token = _web_signed_up_to_the_code(app, email, next(_addresses()))
    assert [_web_code(web, token, wrong_code()).status_code for _ in range(3)] == [401] * 3
    refused = _web_code(web, token, totp_code(email))
    assert refused.status_code == 429 and 850 <= int(refused.headers["Retry-After"]) <= 900
    page = refused.get_data(as_text=True)
    assert "Zbyt wiele błędnych kodów; spróbuj za 15 min." in page and 'name="password"' in page
    gone = web.get("/admin/login/code", base_url=HTTPS)  # the pending sign-in is gone
    assert gone.status_code == 302 and gone.location.split("?")[0].endswith("/admin/login")


def _notices(smtp: Any, address: str) -> list[str]:
    """The notices of account changes e-mailed to `address` (Kraków's staff read Polish)."""
    return [m.get_body(("plain",)).get_content() for m in smtp.messages
            if m["To"] == address and m["Subject"] == "Zmiana na Twoim koncie pracownika w Hromadzie"]


def test_every_change_of_the_second_factor_is_told_to_its_owner_by_e_mail(
        app: Flask, cities: dict, client: FlaskClient, db: Session, worker: Any, smtp: Any) -> None:
    from tests.support.waiting import eventually

    email = person(app, "dispatcher")
    headers = {"Authorization": f"Bearer {sign_in(client, email).json['token']}"}
    secret = client.post("/api/admin/me/second-factor", headers=headers).json["secret"]
    done = client.post("/api/admin/me/second-factor/confirm", json={"totp": totp_code(email, secret)},
                       headers=headers)
    assert done.status_code == 200
    renewed = client.post("/api/admin/me/second-factor/recovery-codes",
                          json={"totp": totp_code(email, secret), "password": PASSWORD}, headers=headers)
    assert renewed.status_code == 200
    assert sign_in(client, email, renewed.json["recovery_codes"][0]).status_code == 201
    off = client.post("/api/admin/me/second-factor/off",
                      json={"totp": totp_code(email, secret), "password": PASSWORD}, headers=headers)
    assert off.status_code == 204
    expected = [
        "Dla Twojego konta pracownika w Hromadzie włączono uwierzytelnianie dwuskładnikowe (TOTP).",
        "Dla Twojego konta pracownika w Hromadzie utworzono nowe kody zapasowe; stare już nie działają.",
        "Do zalogowania na Twoje konto pracownika w Hromadzie użyto kodu zapasowego.",
        "Uwierzytelnianie dwuskładnikowe Twojego konta pracownika w Hromadzie zostało wyłączone.",
    ]
    eventually(lambda: len(_notices(smtp, email)) >= len(expected), timeout=60, what="four notices")
    told = "\n".join(_notices(smtp, email))
    assert all(sentence in told for sentence in expected), told

    colleague = person(app, "dispatcher", enrolled=True)
    admin = person(app, "admin", enrolled=True)
    mine = {"Authorization": f"Bearer {sign_in(client, admin, totp_code(admin)).json['token']}"}
    reset = client.post(f"/api/admin/staff/{staff_row(db, colleague).id}/second-factor/reset", headers=mine)
    assert reset.status_code == 204
    eventually(lambda: len(_notices(smtp, colleague)) == 1, timeout=60, what="a notice of the reset")
    assert "Administrator zresetował uwierzytelnianie dwuskładnikowe" in _notices(smtp, colleague)[0]
    assert _notices(smtp, admin) == []  # the admin's own account did not change


@pytest.mark.parametrize("staff_id", ["²", "١", "abc", "", "1" * 40])
def test_the_people_page_answers_a_malformed_person_with_its_error_page(
        app: Flask, cities: dict, staff_id: str) -> None:
    from tests.e2e.conftest import HTTPS, web_session

    c, csrf = web_session(app, person(app, "admin", enrolled=True))
    for path in ("/admin/manage/staff/second-factor-reset", "/admin/manage/staff/active", "/admin/manage/keys/revoke"):
        res = c.post(path, data={"staff_id": staff_id, "key_id": staff_id, "active": "false"}, base_url=HTTPS,
                     headers={"X-CSRFToken": csrf, "Referer": f"{HTTPS}/admin/manage"})
        assert 400 <= res.status_code < 500, (path, res.status_code)
        assert 'class="error" role="alert"' in res.get_data(as_text=True)  # the page, saying what went wrong


def test_no_cache_keeps_tokens_secrets_or_recovery_codes(app: Flask, cities: dict, client: FlaskClient) -> None:
    email = person(app, "admin")
    enrolling = sign_in(client, email)
    assert enrolling.json["secret"] and enrolling.headers["Cache-Control"] == "no-store"
    signed_in = sign_in(client, email, totp_code(email, enrolling.json["secret"]))
    assert signed_in.json["token"] and signed_in.json["recovery_codes"]
    assert signed_in.headers["Cache-Control"] == "no-store"
    headers = {"Authorization": f"Bearer {signed_in.json['token']}"}
    renewed = client.post("/api/admin/me/second-factor/recovery-codes", headers=headers,
                          json={"totp": totp_code(email, enrolling.json["secret"]), "password": PASSWORD})
    assert renewed.status_code == 200 and renewed.headers["Cache-Control"] == "no-store"
    for answer in (client.get("/api/admin/me/second-factor", headers=headers), client.get("/api/admin/me")):
        assert answer.headers["Cache-Control"] == "no-store"


def test_the_account_page_asks_for_the_password_before_the_factor_goes_off(app: Flask, cities: dict) -> None:
    """(No `db` fixture here: its application context would make the pages share one `g`, and one form token.)"""
    email = person(app, "dispatcher", enrolled=True)
    web, token = _web_signed_up_to_the_code(app, email, next(_addresses()))
    assert _web_code(web, token, totp_code(email)).status_code == 302
    html = web.get("/admin/account", base_url=HTTPS).get_data(as_text=True)
    for form in ("renew", "off"):
        found = re.search(rf'<form[^>]*id="{form}".*?</form>', html, re.S)
        assert found and 'name="password"' in found.group(0) and 'type="password"' in found.group(0)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]

    def turn_off(password: str) -> Any:
        return web.post("/admin/account/second-factor/off",
                        data={"totp": totp_code(email), "password": password, "csrf_token": token},
                        base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/account"})

    refused = turn_off("not my password")
    assert refused.status_code == 422 and 'role="alert"' in refused.get_data(as_text=True)
    assert sign_in(app.test_client(), email).json["code"] == "totp_required"  # still on
    assert turn_off(PASSWORD).status_code == 302
    assert sign_in(app.test_client(), email).status_code == 201  # off: the password alone


# -- what a person notices in the pages of the second factor ------------------------------------------------------


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_recovery_codes_survive_a_reload_until_the_person_says_they_saved_them(app: Flask, cities: dict) -> None:
    email = person(app, "admin")
    c, csrf = code_step(app, email)
    html = c.get("/admin/login/code", base_url=HTTPS).get_data(as_text=True)
    assert re.search(r'<a [^>]*href="otpauth://totp/[^"]+"[^>]*id="otpauth-link"', html)  # one tap on a phone
    key = re.search(r'id="totp-secret"[^>]*>(.*?)</code>', html, re.S).group(1)  # type: ignore[union-attr]
    groups = re.findall(r"<span>([A-Z2-7]+)</span>", key)
    assert len(groups) > 4 and all(len(g) == 4 for g in groups[:-1])  # the key in groups of four
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
    answer = post_code(c, csrf, totp_code(email, "".join(groups)))
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/account/recovery-codes")
    first = c.get("/admin/account/recovery-codes", base_url=HTTPS).get_data(as_text=True)
    again = c.get("/admin/account/recovery-codes", base_url=HTTPS).get_data(as_text=True)  # a reload
    codes = re.findall(r"<li><code>([^<]+)</code></li>", first)
    assert len(codes) == 10 and re.findall(r"<li><code>([^<]+)</code></li>", again) == codes
    assert all(re.fullmatch(r"[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}", code) for code in codes)  # no 0/O/1/I/L
    assert 'id="print-codes"' in first and "print.js" in first
    cookie = c.get_cookie("hromada_staff").value  # type: ignore[union-attr]
    assert "recovery_codes" in _session_keys(cookie) and codes[0] not in _session_json(cookie)  # not readable
    saved = c.post("/admin/account/recovery-codes/saved", data={"csrf_token": _csrf(first)}, base_url=HTTPS,
                   headers={"Referer": f"{HTTPS}/admin/account/recovery-codes"})
    assert saved.status_code == 302 and "/admin/queue" in saved.headers["Location"]
    gone = c.get("/admin/account/recovery-codes", base_url=HTTPS).get_data(as_text=True)
    assert 'id="codes-gone"' in gone and codes[0] not in gone and 'href="/admin/account"' in gone
    # A recovery code typed in lower case, with spaces, still works.
    c2, csrf2 = code_step(app, email)
    assert post_code(c2, csrf2, codes[0].lower().replace("-", " ")).status_code == 302


def test_an_expired_pending_sign_in_says_so_and_start_again_ends_it(app: Flask, cities: dict) -> None:
    email = person(app, "admin")
    c, csrf = code_step(app, email)
    html = c.get("/admin/login/code", base_url=HTTPS).get_data(as_text=True)
    assert "key stays the same" in html or "klucz pozostanie" in html
    with c.session_transaction(base_url=HTTPS) as s:
        s["pending_until"] = 0
    expired = c.get("/admin/login/code", base_url=HTTPS, follow_redirects=True).get_data(as_text=True)
    assert 'id="signin-expired"' in expired and "logowanie wygasło" in expired
    c, csrf = code_step(app, email)
    restart = c.post("/admin/login/restart", data={"csrf_token": csrf}, base_url=HTTPS,
                     headers={"Referer": f"{HTTPS}/admin/login/code"})
    assert restart.status_code == 302 and restart.headers["Location"].endswith("/admin/login")
    assert c.get("/admin/login/code", base_url=HTTPS).headers["Location"].endswith("/admin/login")  # ended


def test_the_sign_in_pages_speak_the_browsers_language_and_keep_the_choice_after_sign_out(
        app: Flask, cities: dict) -> None:
    c = app.test_client()
    uk = c.get("/admin/login", base_url=HTTPS, headers={"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"})
    html = uk.get_data(as_text=True)
    assert '<html lang="uk">' in html and "Увійти" in html
    assert 'action="/admin/language"' in html  # the switcher before signing in
    forgot = c.get("/admin/password-reset", base_url=HTTPS, headers={"Accept-Language": "en-GB,en"})
    assert '<html lang="en">' in forgot.get_data(as_text=True)
    switched = c.post("/admin/language", data={"lang": "en", "csrf_token": _csrf(html), "back": "/admin/login"},
                      base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/login"})
    assert switched.status_code == 302
    assert '<html lang="en">' in c.get("/admin/login", base_url=HTTPS).get_data(as_text=True)
    # Signed in in Ukrainian and signed out: the sign-in page stays Ukrainian.
    email = person(app, "dispatcher")
    with app.app_context():
        from backend.staff import set_locale

        set_locale(staff_id_of(app, email), "uk")
    web, token = _signed_in_web(app, email)
    web.post("/admin/logout", data={"csrf_token": token}, base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/queue"})
    assert '<html lang="uk">' in web.get("/admin/login", base_url=HTTPS).get_data(as_text=True)
    # A failed sign-in keeps the typed e-mail (never the password).
    page = web.get("/admin/login", base_url=HTTPS).get_data(as_text=True)
    failed = web.post("/admin/login", data={"email": email, "password": "wrong one", "csrf_token": _csrf(page)},
                      base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/login"}).get_data(as_text=True)
    assert f'value="{email}"' in failed and "wrong one" not in failed


def staff_id_of(app: Flask, email: str) -> int:
    from backend.db import session

    with app.app_context():
        found = staff_row(session(), email).id
        session().rollback()
        return found


def _signed_in_web(app: Flask, email: str) -> tuple[FlaskClient, str]:
    from tests.e2e.conftest import web_session

    return web_session(app, email)


def test_the_people_page_asks_before_a_reset_and_names_whom_it_reset(app: Flask, cities: dict) -> None:
    from tests.e2e.conftest import has_second_factor

    admin = person(app, "admin", enrolled=True)
    colleague = person(app, "dispatcher", enrolled=True)
    web, token = _signed_in_web(app, admin)
    html = web.get("/admin/manage", base_url=HTTPS).get_data(as_text=True)
    button = re.search(r'<button aria-label="([^"]+)">([^<]+)</button>', html.split(colleague, 1)[1])
    assert button and button.group(2) in button.group(1) and colleague in button.group(1)  # name holds the text
    staff_id = re.search(r'name="staff_id" value="(\d+)"', html.split(colleague, 1)[1]).group(1)  # type: ignore
    ask = web.post("/admin/manage/staff/second-factor-reset", data={"staff_id": staff_id, "csrf_token": token},
                   base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/manage"})
    assert ask.status_code == 200 and 'id="confirm-reset"' in ask.get_data(as_text=True)
    assert has_second_factor(app, colleague)  # only asked
    done = web.post("/admin/manage/staff/second-factor-reset",
                    data={"staff_id": staff_id, "confirmed": "yes", "csrf_token": token},
                    base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/manage"}, follow_redirects=True)
    assert done.status_code == 200 and not has_second_factor(app, colleague)
    notice = re.search(r'id="manage-notice">([^<]+)<', done.get_data(as_text=True))
    assert notice and colleague in notice.group(1)
    assert 'id="manage-notice"' not in web.get("/admin/manage", base_url=HTTPS).get_data(as_text=True)  # once


def test_an_admins_account_page_says_how_to_move_to_a_new_phone_and_the_header_links_to_it(
        app: Flask, cities: dict) -> None:
    admin = person(app, "admin", enrolled=True)
    web, _ = _signed_in_web(app, admin)
    html = web.get("/admin/account", base_url=HTTPS).get_data(as_text=True)
    assert 'id="new-phone"' in html and 'id="account-link"' in html


AXE = Path(__file__).resolve().parents[2] / "admin" / "frontend" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.skipif(not CHROMIUM.exists() or not AXE.exists(), reason="chromium and axe-core come with `make test`")
def test_the_pages_of_signing_in_and_of_the_account_have_no_serious_accessibility_problems(
        app: Flask, browser: Any, server: Gunicorn) -> None:
    email = person(app, "admin")
    colleague = person(app, "dispatcher", enrolled=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    script = AXE.read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        page.add_script_tag(content=script)
        violations = page.evaluate("axe.run(document).then(r => r.violations.map(v => [v.id, v.impact]))")
        found[name] = [f"{rule} ({impact})" for rule, impact in violations if impact in ("serious", "critical")]

    page.goto(f"{base(server)}/admin/login")
    check("sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/login/code$"))
    check("enrolment")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "").strip()
    page.fill("input[name=totp]", totp_code(email, secret))
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/account/recovery-codes$"))
    check("recovery codes")
    shot(page, "second-factor-recovery-codes-1280")
    page.click("#codes-saved")
    page.wait_for_url(re.compile(r".*/admin/queue.*"))
    for name, path in (("account", "/admin/account"), ("password", "/admin/account/password"),
                       ("people", "/admin/manage")):
        page.goto(f"{base(server)}{path}")
        check(name)
    page.click("header.top button[value=en]")  # the people page in English too
    page.wait_for_load_state()
    check("people (en)")
    assert page.locator("#staff tr", has_text=colleague).count() == 1
    context.close()
    assert not any(found.values()), found
