"""The second factor (TOTP): required for admins, optional for other staff, in the API and the web UI; codes are
accepted once; recovery codes work once; an admin's first sign-in enrols; an admin can reset a colleague's
factor (audited); API keys are unaffected."""

from __future__ import annotations

import base64
import re
import time
import uuid
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
    renewed = client.post("/api/admin/me/second-factor/recovery-codes", json={"totp": totp_code(email, secret)},
                          headers=headers)
    assert renewed.status_code == 200 and not set(renewed.json["recovery_codes"]) & set(done.json["recovery_codes"])
    assert sign_in(client, email, done.json["recovery_codes"][0]).status_code == 401  # the old codes are void
    off = client.post("/api/admin/me/second-factor/off", json={"totp": totp_code(email, secret)}, headers=headers)
    assert off.status_code == 204
    assert sign_in(client, email).status_code == 201  # the password alone again


def test_an_admin_cannot_turn_the_factor_off(app: Flask, cities: dict, client: FlaskClient) -> None:
    email = person(app, "admin", enrolled=True)
    headers = {"Authorization": f"Bearer {sign_in(client, email, totp_code(email)).json['token']}"}
    assert client.get("/api/admin/me/second-factor", headers=headers).json["required"] is True
    off = client.post("/api/admin/me/second-factor/off", json={"totp": totp_code(email)}, headers=headers)
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
    secret = page.locator("#totp-secret").inner_text().strip()
    shot(page, "second-factor-enrol")
    page.fill("input[name=totp]", wrong_code(secret))
    page.click("button[type=submit]")
    assert page.locator("p.error[role=alert]").is_visible()
    page.fill("input[name=totp]", totp_code(email, secret))
    page.click("button[type=submit]")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    shot(page, "second-factor-recovery-codes")
    page.click("a.button")
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
    secret = page.locator("#totp-secret").inner_text().strip()
    page.locator("#confirm input[name=totp]").fill(totp_code(email, secret))
    page.locator("#confirm button").click()
    assert page.locator("#recovery-codes li").count() == 10
    page.click("a.button")
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
