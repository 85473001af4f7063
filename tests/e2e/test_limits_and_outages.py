"""Rate limits answer 429 with Retry-After, fail open without Redis; a lost database is a 503."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import make_app
from tests.e2e.conftest import POTHOLE, Resident
from tests.e2e.test_health import proxy_for, via
from tests.support.proxy import TcpProxy


def _client_from(address: str) -> type[FlaskClient]:
    class Client(FlaskClient):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self.environ_base["REMOTE_ADDR"] = address

    return Client


@pytest.fixture
def limited(migrated: str, redis_url: str, cities: dict) -> Iterator[tuple[Flask, TcpProxy, TcpProxy]]:
    db_proxy, redis_proxy = proxy_for(migrated), proxy_for(redis_url)
    app = make_app(via(migrated, db_proxy), via(redis_url, redis_proxy), DB_CONNECT_TIMEOUT="1",
                   RATE_LIMIT_REPORTS_PER_DEVICE="3/minute", RATE_LIMIT_DEVICE_REGISTRATION="4/minute")
    # Each test comes from its own address, so per-address limits start from zero.
    octets = uuid.uuid4().bytes[:3]
    app.test_client_class = _client_from(f"10.{octets[0]}.{octets[1]}.{octets[2]}")
    yield app, db_proxy, redis_proxy
    db_proxy.close()
    redis_proxy.close()


def test_too_many_reports_from_one_device_get_429_with_retry_after(limited: tuple) -> None:
    app, _, _ = limited
    me, other = Resident(app.test_client(), "pl"), Resident(app.test_client())
    for _ in range(3):
        assert me.post("/api/v1/reports", POTHOLE).status_code == 201
    res = me.post("/api/v1/reports", POTHOLE)
    assert res.status_code == 429
    assert int(res.headers["Retry-After"]) > 0
    assert res.json["code"] == 429 and res.json["message"] == "Zbyt wiele żądań; spróbuj później."
    assert other.post("/api/v1/reports", POTHOLE).status_code == 201  # the limit is per device


def test_device_registration_is_limited_per_address(limited: tuple) -> None:
    app, _, _ = limited
    client = app.test_client()
    codes = [client.post("/api/v1/devices", json={"platform": "web", "locale": "en"}).status_code for _ in range(6)]
    assert codes[:4] == [201] * 4 and codes[4:] == [429, 429]


def test_with_redis_unreachable_the_limiter_fails_open_and_reports_are_accepted(limited: tuple) -> None:
    app, _, redis_proxy = limited
    me = Resident(app.test_client())
    redis_proxy.cut()
    codes = [me.post("/api/v1/reports", {**POTHOLE, "lat": 50.0617 + i * 1e-4}).status_code for i in range(3)]
    assert codes == [201, 201, 201]
    redis_proxy.restore()


def test_with_the_database_unreachable_a_report_gets_503_with_retry_after(limited: tuple) -> None:
    app, db_proxy, _ = limited
    me = Resident(app.test_client())
    db_proxy.cut()
    try:
        res = me.client.post("/api/v1/reports", json=POTHOLE, headers=me.headers)
        assert res.status_code == 503 and res.headers["Retry-After"]
        assert res.json["code"] == 503 and "Traceback" not in res.get_data(as_text=True)
    finally:
        db_proxy.restore()
    assert me.post("/api/v1/reports", POTHOLE).status_code == 201
