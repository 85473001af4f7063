"""HTTP helpers for the resident API tests; gunicorn and Debian's Chromium for the staff web UI's browser tests."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ROOT, push_settings
from tests.support.gunicorn import Gunicorn
from tests.support.tiles import TileServer
from tests.support.waiting import eventually

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "correct horse battery staple"

RYNEK = {"lat": 50.0617, "lon": 19.9373}
POTHOLE = {"service_code": "pothole", "description": "Deep hole by the tram stop", **RYNEK,
           "answers": {"size": "large"}}


@pytest.fixture
def client(app: Flask, cities: dict) -> FlaskClient:
    return app.test_client()


class Resident:
    """A registered app install and its bearer header."""

    def __init__(self, client: FlaskClient, locale: str = "en", platform: str = "android") -> None:
        res = client.post("/api/v1/devices", json={"platform": platform, "locale": locale})
        assert res.status_code == 201, res.json
        self.client = client
        self.device_id: int = res.json["device_id"]
        self.token: str = res.json["token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(path, json=json, headers={**self.headers, **(headers or {})})

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self.headers)

    def report(self, **changes: Any) -> dict[str, Any]:
        res = self.post("/api/v1/reports", {**POTHOLE, **changes})
        assert res.status_code == 201, res.json
        return dict(res.json)


@pytest.fixture
def resident(client: FlaskClient) -> Callable[..., Resident]:
    return lambda locale="en", platform="android": Resident(client, locale, platform)


@pytest.fixture(scope="session")
def tile_server() -> Iterator[TileServer]:
    """The maps' tile source in every browser test: a real tile server on 127.0.0.1."""
    with TileServer() as tiles:
        yield tiles


def map_settings(tiles: TileServer) -> dict[str, str]:
    return {"MAP_TILE_URL": tiles.template, "MAP_TILE_ATTRIBUTION": tiles.ATTRIBUTION}


@pytest.fixture(scope="module")
def server(app: Flask, cities: dict, migrated: str, redis_url: str, fake_fcm: Any, smtp: Any,
           tile_server: TileServer) -> Iterator[Gunicorn]:
    env = {"DATABASE_URL": migrated, "REDIS_URL": redis_url, **push_settings(fake_fcm, smtp),
           "PUBLIC_BASE_URL": "", "RATELIMIT_ENABLED": "false", **map_settings(tile_server)}
    with Gunicorn(ROOT, env, workers=2) as g:
        yield g


#: Any URL but this machine's (127.0.0.1 or localhost, http or ws, any port).
OFFSITE = re.compile(r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost)(?::\d+)?(?:/|$))[a-z][a-z0-9+.-]*://", re.I)


class LocalBrowser:
    """The browser, whose every context refuses requests that would leave this machine and records them
    (`offsite`); `_stays_on_this_machine` fails the test that made one."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.offsite: list[str] = []

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.route(OFFSITE, self._refuse)
        return context

    def _refuse(self, route: Any) -> None:
        self.offsite.append(route.request.url)
        route.abort("blockedbyclient")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="module")
def browser() -> Iterator[LocalBrowser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield LocalBrowser(b)
        b.close()


@pytest.fixture(autouse=True)
def _stays_on_this_machine(request: pytest.FixtureRequest) -> Iterator[None]:
    """A browser test fails when its pages asked for anything outside 127.0.0.1 (tiles, fonts, scripts)."""
    local = request.getfixturevalue("browser") if "browser" in request.fixturenames else None
    yield
    if local is not None:
        offsite, local.offsite[:] = list(local.offsite), []
        assert not offsite, f"the pages asked for addresses outside this machine: {offsite}"


def base(server: Gunicorn) -> str:
    return f"http://localhost:{server.port}"


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"admin-{name}.png"), full_page=True)


def until(page: Any, js: str, timeout: float = 60.0) -> None:
    """Poll a JavaScript condition (page.wait_for_function would evaluate a string, which the CSP forbids).
    An exception counts as not there yet (e.g. the map has not loaded its first points)."""
    eventually(lambda: page.evaluate(js), timeout=timeout, what=f"this to be true in the page: {js}",
               sleep=page_sleep(page))


def page_sleep(page: Any) -> Callable[[float], None]:
    """Wait through the page (Playwright's event loop keeps running), in seconds as `eventually` counts."""
    return lambda seconds: page.wait_for_timeout(seconds * 1000)


#: The second factor of every test admin (`create_staff(..., totp_secret=TOTP_SECRET)`): a known base32 secret.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_LAST_STEP: dict[str, int] = {}


def totp_code(email: str, secret: str = TOTP_SECRET) -> str:
    """A code the server has not accepted yet for this account: the current 30-s step's, else the next step's
    (the server accepts one step either side and never the same step twice), waiting for the clock only when
    both were used (a third sign-in of one account within one step)."""
    import pyotp

    key = email.lower()
    while True:
        now = int(time.time()) // 30
        step = max(now, _LAST_STEP.get(key, -1) + 1)
        if step <= now + 1:
            _LAST_STEP[key] = step
            return str(pyotp.TOTP(secret).generate_otp(step))
        time.sleep(30 - time.time() % 30 + 0.05)


def has_second_factor(app: Flask, email: str) -> bool:
    """Whether signing in as `email` asks for a code (admins, and staff who turned the factor on)."""
    from sqlalchemy import func, select

    from backend.db import session
    from backend.models import StaffUser

    with app.app_context():
        user = session().scalars(select(StaffUser).where(func.lower(StaffUser.email) == email.lower())).first()
        return user is not None and user.totp_confirmed_at is not None


def sign_in_body(app: Flask, email: str, password: str = PASSWORD) -> dict[str, str]:
    """The body of POST /api/admin/tokens, with a fresh code when the account has a second factor."""
    body = {"email": email, "password": password}
    if has_second_factor(app, email):
        body["totp"] = totp_code(email)
    return body


def api_headers(app: Flask, email: str) -> dict[str, str]:
    token = app.test_client().post("/api/admin/tokens", json=sign_in_body(app, email)).json["token"]
    return {"Authorization": f"Bearer {token}"}


def signed_in(browser: Any, server: Gunicorn, email: str, then: str | None = None) -> Any:
    """A new browser context signed in through the sign-in form (landing on the queue), then at `then`."""
    import re

    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{base(server)}/admin/queue")
    assert "/admin/login" in page.url  # not signed in yet
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/(queue|login/code).*"))
    if "/admin/login/code" in page.url:  # the second factor's step
        page.fill("input[name=totp]", totp_code(email))
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/admin/queue.*"))
    if then:
        page.goto(f"{base(server)}{then}")
    return page


HTTPS = "https://localhost"  # the staff UI's session cookie is Secure: the test client speaks https


def web_session(app: Flask, email: str) -> tuple[FlaskClient, str]:
    """A test client signed in to the staff web UI through its form, and the session's CSRF token."""
    import re

    c = app.test_client()
    html = c.get("/admin/login", base_url=HTTPS).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    signin = c.post("/admin/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                    base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/login"})
    assert signin.status_code == 302, signin.get_data(as_text=True)[:300]
    if "/admin/login/code" in signin.headers["Location"]:  # the second factor's step
        html = c.get("/admin/login/code", base_url=HTTPS).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        signin = c.post("/admin/login/code", data={"totp": totp_code(email), "csrf_token": token},
                        base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/login/code"})
        assert signin.status_code == 302, signin.get_data(as_text=True)[:300]
    page = c.get("/admin/queue", base_url=HTTPS).get_data(as_text=True)
    return c, re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)

