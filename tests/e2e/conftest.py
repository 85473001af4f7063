"""HTTP helpers for the resident API tests; gunicorn and Debian's Chromium for the staff web UI's browser tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ROOT, push_settings
from tests.support.gunicorn import Gunicorn

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


@pytest.fixture(scope="module")
def server(app: Flask, cities: dict, migrated: str, redis_url: str, fake_fcm: Any, smtp: Any) -> Iterator[Gunicorn]:
    env = {"DATABASE_URL": migrated, "REDIS_URL": redis_url, **push_settings(fake_fcm, smtp),
           "PUBLIC_BASE_URL": "", "RATELIMIT_ENABLED": "false"}
    with Gunicorn(ROOT, env, workers=2) as g:
        yield g


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def base(server: Gunicorn) -> str:
    return f"http://localhost:{server.port}"


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"admin-{name}.png"), full_page=True)


def until(page: Any, js: str, timeout: float = 20.0) -> None:
    """Poll a JavaScript condition (page.wait_for_function would evaluate a string, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if page.evaluate(js):
                return
        except Exception:  # noqa: BLE001 - not there yet (e.g. the map has not loaded its first points)
            pass
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {js}")


def api_headers(app: Flask, email: str) -> dict[str, str]:
    token = app.test_client().post("/api/admin/tokens", json={"email": email, "password": PASSWORD}).json["token"]
    return {"Authorization": f"Bearer {token}"}
