"""Staff sign-in under attack: per-address and global limits, a cap on password checks running at once (a
burst of sign-ins never stalls the public API), the same answers for staff and unknown e-mails, and failures
throttled per address and e-mail together, so that a stranger cannot lock a colleague out."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ROOT, make_app, push_settings
from tests.e2e.conftest import base, shot
from tests.e2e.test_health import proxy_for, via
from tests.support.gunicorn import Gunicorn

PASSWORD = "correct horse battery staple"
HTTPS = "https://localhost"
#: A cheap public read of the resident API (Kraków's service catalogue).
READ = "/api/v1/services?lat=50.0617&lon=19.9373"
#: Headers that differ between any two responses whoever asks (when, which request).
VARYING = {"date", "x-request-id"}


def _forget_sign_in_counters(redis_url: str) -> None:
    """Start a burst with no earlier attempts counted against 127.0.0.1 (the suite shares one Redis)."""
    r = redis_lib.Redis.from_url(redis_url)
    for key in r.scan_iter("*sign-in*"):
        r.delete(key)


def _burst(server: Gunicorn, attempts: int = 40) -> tuple[list[tuple[int, dict[str, str]]], int, float]:
    """`attempts` parallel sign-ins for unknown e-mails and, while they run, one public read: the sign-ins'
    statuses and headers, the read's status and how long it took."""
    for _ in range(6):  # every worker has served a read before (what is measured is the burst, not a cold start)
        assert server.request("GET", READ)[0] == 200
    start = threading.Barrier(attempts + 1)

    def sign_in(_: int) -> tuple[int, dict[str, str]]:
        start.wait()
        status, headers, _body = server.request(
            "POST", "/api/admin/tokens", {"email": f"nobody-{uuid.uuid4().hex}@example.org", "password": "guess"}
        )
        return status, headers

    with ThreadPoolExecutor(attempts) as pool:
        futures = [pool.submit(sign_in, i) for i in range(attempts)]
        start.wait()
        time.sleep(0.3)  # the sign-ins are in the server now
        began = time.monotonic()
        try:
            read_status = server.request("GET", READ)[0]
        except OSError:  # no answer within the client's 30 s
            read_status = 0
        took = time.monotonic() - began
        results = [f.result() for f in futures]
    print(f"\npublic read during {attempts} parallel sign-ins: {took:.2f} s")  # noqa: T201 - for the record
    return results, read_status, took


@pytest.fixture(scope="module")
def production_like(cities: dict, migrated: str, redis_url: str, fake_fcm: Any, smtp: Any) -> Iterator[Gunicorn]:
    """gunicorn as in production (2 workers x 4 threads), rate limiting on, the default sign-in settings."""
    _forget_sign_in_counters(redis_url)
    env = {"DATABASE_URL": migrated, "REDIS_URL": redis_url, **push_settings(fake_fcm, smtp), "PUBLIC_BASE_URL": ""}
    with Gunicorn(ROOT, env, workers=2) as g:
        yield g


def test_a_burst_of_sign_ins_is_refused_at_once_and_the_public_api_keeps_answering(
    production_like: Gunicorn, redis_url: str
) -> None:
    _forget_sign_in_counters(redis_url)
    results, read_status, took = _burst(production_like)
    assert read_status == 200 and took < 2.0, f"the public read took {took:.1f} s"
    statuses = [status for status, _ in results]
    assert set(statuses) <= {401, 429}, statuses
    refused = [headers for status, headers in results if status == 429]
    assert len(refused) >= 20, statuses
    assert all(int(headers["Retry-After"]) >= 1 for headers in refused)


@pytest.fixture(scope="module")
def only_the_cap(cities: dict, migrated: str, redis_url: str, fake_fcm: Any, smtp: Any) -> Iterator[Gunicorn]:
    """The same gunicorn with the address and global limits out of the way: only the cap on password checks."""
    env = {"DATABASE_URL": migrated, "REDIS_URL": redis_url, **push_settings(fake_fcm, smtp), "PUBLIC_BASE_URL": "",
           "RATE_LIMIT_SIGN_IN_PER_IP": "100000/minute", "RATE_LIMIT_SIGN_IN_GLOBAL": "100000/minute"}
    with Gunicorn(ROOT, env, workers=2) as g:
        yield g


def test_password_checks_beyond_the_cap_are_refused_at_once_never_queued(only_the_cap: Gunicorn) -> None:
    results, read_status, took = _burst(only_the_cap)
    assert read_status == 200 and took < 2.0, f"the public read took {took:.1f} s"
    statuses = [status for status, _ in results]
    assert statuses.count(401) >= 2 and statuses.count(429) >= 10, statuses  # some checked, the excess refused
    busy = [headers for status, headers in results if status == 429]
    assert all(headers["Retry-After"] == "1" for headers in busy)


# -- in-process: the answers themselves --------------------------------------------------------------------------


def _address() -> str:
    """A client address of its own for each test (the failure counters are per address and e-mail)."""
    octets = uuid.uuid4().bytes[:3]
    return f"10.{octets[0]}.{octets[1]}.{octets[2]}"


def _from(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/admin/tokens", json={"email": email, "password": password})


@pytest.fixture(scope="module")
def limited(migrated: str, redis_url: str, cities: dict) -> Flask:
    """Production's sign-in settings, but a per-address limit high enough for the failure counters to show (the
    global limit on a longer window, so the headers show the per-address limit)."""
    return make_app(migrated, redis_url, RATE_LIMIT_SIGN_IN_PER_IP="50/minute", RATE_LIMIT_SIGN_IN_GLOBAL="100000/day")


@pytest.fixture(scope="module")
def dispatcher(limited: Flask) -> str:
    from backend.staff import create_staff

    email = f"dispatcher-{uuid.uuid4().hex[:8]}@krakow.example"
    with limited.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    return email


def _attempts(client: FlaskClient, email: str, count: int) -> list[tuple[int, Any, dict[str, str], float]]:
    out = []
    for _ in range(count):
        began = time.monotonic()
        res = _sign_in(client, email, "not the password")
        out.append((res.status_code, res.json, dict(res.headers), time.monotonic() - began))
    return out


def test_staff_and_unknown_e_mails_get_the_same_answers(limited: Flask, dispatcher: str) -> None:
    known = _attempts(_from(limited, _address()), dispatcher, 7)
    unknown = _attempts(_from(limited, _address()), f"nobody-{uuid.uuid4().hex[:8]}@krakow.example", 7)
    assert [a[0] for a in known] == [a[0] for a in unknown] == [401] * 5 + [429] * 2
    assert [a[1] for a in known] == [a[1] for a in unknown]
    assert known[0][1]["message"] == "Invalid e-mail or password."
    for (_, _, mine, _), (_, _, theirs, _) in zip(known, unknown, strict=True):
        # the same headers; the limit's reset time and the wait count down with the clock, not with the account
        timed = VARYING | {"x-ratelimit-reset", "retry-after"}
        assert {k: v for k, v in mine.items() if k.lower() not in timed} == {
            k: v for k, v in theirs.items() if k.lower() not in timed
        }
        assert abs(int(mine.get("Retry-After", 0)) - int(theirs.get("Retry-After", 0))) <= 2
    assert 55 <= int(known[5][2]["Retry-After"]) <= 60  # the sixth attempt waits a minute, without a password check
    # the same password work: the checked attempts take comparable times, the refused ones no check at all
    known_checked = sorted(a[3] for a in known[:5])[2]
    unknown_checked = sorted(a[3] for a in unknown[:5])[2]
    assert 0.5 < known_checked / unknown_checked < 2.0, (known_checked, unknown_checked)
    assert max(a[3] for a in known[5:] + unknown[5:]) < known_checked


def test_a_stranger_failing_does_not_stop_the_colleague_signing_in_elsewhere(limited: Flask, dispatcher: str) -> None:
    stranger = _from(limited, _address())
    assert [_sign_in(stranger, dispatcher, "guess").status_code for _ in range(8)] == [401] * 5 + [429] * 3
    assert _sign_in(stranger, dispatcher).status_code == 429  # from that address even the right password waits
    assert _sign_in(_from(limited, _address()), dispatcher).status_code == 201  # the owner, from elsewhere: at once


def test_a_successful_sign_in_clears_that_address_s_failures(limited: Flask, dispatcher: str) -> None:
    me = _from(limited, _address())
    assert [_sign_in(me, dispatcher, "typo").status_code for _ in range(4)] == [401] * 4
    assert _sign_in(me, dispatcher).status_code == 201
    assert [_sign_in(me, dispatcher, "typo").status_code for _ in range(4)] == [401] * 4  # free again
    assert _sign_in(me, dispatcher).status_code == 201


def test_failures_recorded_elsewhere_count_too(limited: Flask, dispatcher: str) -> None:
    """A wrong second-factor code or current password counts through `record_failed_sign_in`."""
    from backend.staff import record_failed_sign_in

    address = _address()
    with limited.app_context():
        waits = [record_failed_sign_in(address, dispatcher.upper()) for _ in range(5)]
    assert waits == [0, 0, 0, 0, 60]
    res = _sign_in(_from(limited, address), dispatcher)
    assert res.status_code == 429 and res.json["code"] == 429 and int(res.headers["Retry-After"]) >= 55


def _web_form(client: FlaskClient) -> str:
    html = client.get("/admin/login", base_url=HTTPS).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _web_sign_in(client: FlaskClient, token: str, email: str, password: str) -> Any:
    return client.post("/admin/login", data={"email": email, "password": password, "csrf_token": token},
                       base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/login"})


def test_the_api_and_the_web_form_share_the_address_limit_and_the_form_says_how_long_to_wait(
    migrated: str, redis_url: str, cities: dict
) -> None:
    app = make_app(migrated, redis_url, RATE_LIMIT_SIGN_IN_PER_IP="3/minute")
    address = _address()
    api, web = _from(app, address), _from(app, address)
    assert [_sign_in(api, f"x-{i}-{uuid.uuid4().hex[:6]}@example.org", "guess").status_code for i in range(2)] == [
        401, 401]
    token = _web_form(web)
    assert _web_sign_in(web, token, "someone@example.org", "guess").status_code == 401
    page = _web_sign_in(web, token, "someone-else@example.org", "guess")
    html = page.get_data(as_text=True)
    assert page.status_code == 429 and int(page.headers["Retry-After"]) >= 1
    assert re.search(r"Zbyt wiele prób logowania; spróbuj za \d+ s\.", html)  # in Polish, the staff UI's default
    assert 'name="email"' in html and 'name="password"' in html  # with the form, to try again later
    res = _sign_in(api, "anyone@example.org", "guess")  # the API is over the same limit
    assert res.status_code == 429 and res.json["message"] == "Too many requests; try again later."


def test_the_web_form_says_when_this_address_must_wait_after_failures(limited: Flask, dispatcher: str) -> None:
    web = _from(limited, _address())
    token = _web_form(web)
    assert [_web_sign_in(web, token, dispatcher, "guess").status_code for _ in range(5)] == [401] * 5
    page = _web_sign_in(web, token, dispatcher, PASSWORD)
    assert page.status_code == 429 and 55 <= int(page.headers["Retry-After"]) <= 60
    assert re.search(r"Zbyt wiele nieudanych logowań; spróbuj za \d+ s\.", page.get_data(as_text=True))


def test_with_redis_unreachable_sign_in_works_and_failures_still_count(
    migrated: str, redis_url: str, cities: dict, dispatcher: str
) -> None:
    redis_proxy = proxy_for(redis_url)
    app = make_app(migrated, via(redis_url, redis_proxy), RATE_LIMIT_SIGN_IN_PER_IP="50/minute")
    redis_proxy.cut()
    try:
        stranger = _from(app, _address())
        assert [_sign_in(stranger, dispatcher, "guess").status_code for _ in range(6)] == [401] * 5 + [429]
        assert _sign_in(_from(app, _address()), dispatcher).status_code == 201
    finally:
        redis_proxy.close()


def test_in_a_browser_the_form_says_how_long_to_wait_on_a_phone(server: Gunicorn, browser: Any) -> None:
    """Failures for an e-mail nobody has (the same answers as for a colleague's), on a 390 px wide screen."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="pl-PL")  # a Polish browser
    page = context.new_page()
    email = f"nobody-{uuid.uuid4().hex[:8]}@krakow.example"
    for attempt in range(6):
        page.goto(f"{base(server)}/admin/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", "a wrong guess")
        with page.expect_response(lambda r: r.url.endswith("/admin/login") and r.request.method == "POST") as sent:
            page.click("button[type=submit]")
        assert sent.value.status == (401 if attempt < 5 else 429)
    alert = page.locator("[role=alert]")
    assert re.fullmatch(r"Zbyt wiele nieudanych logowań; spróbuj za \d+ s\.", alert.inner_text().strip())
    assert page.locator("input[name=email]").is_visible() and page.locator("button[type=submit]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    shot(page, "sign-in-wait-390")
    context.close()


# -- who the client is: behind a reverse proxy, and IPv6 networks --------------------------------------------


def _ipv6_network() -> str:
    """The first four groups of an IPv6 /64 of its own for each test (documentation range)."""
    groups = uuid.uuid4().hex
    return f"2001:db8:{groups[:4]}:{groups[4:8]}"


def test_behind_one_proxy_a_stranger_failing_does_not_stop_the_owner_behind_the_same_proxy(
    migrated: str, redis_url: str, cities: dict, dispatcher: str
) -> None:
    app = make_app(migrated, redis_url, PROXY_FIX_X_FOR="1", RATE_LIMIT_SIGN_IN_PER_IP="50/minute",
                   RATE_LIMIT_SIGN_IN_GLOBAL="100000/day")
    proxy = _from(app, _address())  # every request arrives from the proxy's address
    stranger, owner = _address(), _address()

    def attempt(forwarded_for: str, password: str) -> int:
        return int(proxy.post("/api/admin/tokens", json={"email": dispatcher, "password": password},
                              headers={"X-Forwarded-For": forwarded_for}).status_code)

    assert [attempt(stranger, "guess") for _ in range(6)] == [401] * 5 + [429]
    # the stranger cannot pose as someone else: the proxy appends the address it saw, and only that one counts
    assert attempt(f"{owner}, {stranger}", PASSWORD) == 429
    assert attempt(owner, PASSWORD) == 201  # the owner, behind the same proxy: at once


def test_without_a_proxy_setting_a_forged_forwarded_for_header_does_not_escape_the_wait(
    limited: Flask, dispatcher: str
) -> None:
    stranger = _from(limited, _address())
    statuses = [
        stranger.post("/api/admin/tokens", json={"email": dispatcher, "password": "guess"},
                      headers={"X-Forwarded-For": _address()}).status_code
        for _ in range(7)
    ]
    assert statuses == [401] * 5 + [429] * 2


def test_the_addresses_of_one_ipv6_network_count_as_one_client(
    migrated: str, redis_url: str, cities: dict, limited: Flask, dispatcher: str
) -> None:
    network = _ipv6_network()
    guesses = [_sign_in(_from(limited, f"{network}::{i}"), dispatcher, "guess").status_code for i in range(1, 8)]
    assert guesses == [401] * 5 + [429] * 2  # seven addresses of one /64: one client's failures
    assert _sign_in(_from(limited, f"{_ipv6_network()}::1"), dispatcher).status_code == 201  # another network
    app = make_app(migrated, redis_url, RATE_LIMIT_SIGN_IN_PER_IP="3/minute")
    network = _ipv6_network()
    limits = [_sign_in(_from(app, f"{network}:{i}::1"), f"x-{uuid.uuid4().hex[:6]}@example.org", "guess").status_code
              for i in range(1, 5)]
    assert limits == [401] * 3 + [429]  # the per-address limit counts the network too


@pytest.mark.parametrize("email", ["a\x00b@krakow.example", "a\x1bb@krakow.example", "a\ud800b@krakow.example"])
def test_an_e_mail_no_keyboard_types_is_answered_like_an_unknown_one(
    limited: Flask, dispatcher: str, email: str
) -> None:
    unknown = _sign_in(_from(limited, _address()), f"nobody-{uuid.uuid4().hex[:8]}@krakow.example", "guess")
    odd = _sign_in(_from(limited, _address()), email, "guess")
    assert odd.status_code == unknown.status_code == 401 and odd.json == unknown.json
    client = _from(limited, _address())
    assert [_sign_in(client, email, "guess").status_code for _ in range(6)] == [401] * 5 + [429]  # counted alike
    web = _from(limited, _address())
    token = _web_form(web)
    page = _web_sign_in(web, token, email.replace("\ud800", "\x00"), "guess")  # a form cannot carry a surrogate
    assert page.status_code == 401 and "Nieprawidłowy e-mail lub hasło." in page.get_data(as_text=True)
    for password in ("x\x00y", "x\ud800y"):  # and such a password is only a wrong one
        assert _sign_in(_from(limited, _address()), dispatcher, password).json == unknown.json


def test_failures_wrong_codes_and_waits_are_logged_without_the_e_mail(
    limited: Flask, dispatcher: str, caplog: pytest.LogCaptureFixture
) -> None:
    import hashlib

    from backend.staff import create_staff
    from tests.e2e.conftest import TOTP_SECRET

    admin = f"logged-{uuid.uuid4().hex[:8]}@krakow.example"
    with limited.app_context():
        create_staff(email=admin, password=PASSWORD, role="admin", jurisdiction_code="1261011", totp_secret=TOTP_SECRET)
    unknown, address = f"nobody-{uuid.uuid4().hex[:8]}@krakow.example", _address()
    client = _from(limited, address)
    caplog.set_level("WARNING", logger="backend.staff")
    assert [_sign_in(client, unknown, "guess").status_code for _ in range(6)] == [401] * 5 + [429]
    assert _sign_in(client, dispatcher, "guess").status_code == 401
    assert client.post("/api/admin/tokens", json={"email": admin, "password": PASSWORD, "totp": "x"}).status_code == 401
    lines = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    tag = hashlib.sha256(unknown.encode()).hexdigest()[:12]
    assert sum(f"sign-in for no active account: {address}, e-mail {tag}" in line for line in lines) == 5
    assert any(f"sign-in refused: {address} waits" in line and tag in line for line in lines)
    assert any(line.startswith(f"wrong password: {address}") for line in lines)
    assert any(line.startswith(f"wrong second-factor code: {address}") for line in lines)
    assert not any(e in line for line in lines for e in (unknown, dispatcher, admin))
