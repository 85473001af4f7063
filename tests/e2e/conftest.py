"""HTTP helpers for the resident API tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

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
