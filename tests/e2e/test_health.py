"""/healthz and /readyz through HTTP: a database outage is 503, a Redis outage only 'degraded'."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask

from tests.conftest import make_app
from tests.support.proxy import TcpProxy


def via(url: str, proxy: TcpProxy) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy.port}"
    return urlunsplit((parts.scheme, f"{netloc[0]}@{host}" if len(netloc) == 2 else host,
                       parts.path, parts.query, ""))


def proxy_for(url: str) -> TcpProxy:
    parts = urlsplit(url)
    return TcpProxy(parts.hostname or "127.0.0.1", parts.port or 0)


@pytest.fixture
def proxied(migrated: str, redis_url: str) -> Iterator[tuple[Flask, TcpProxy, TcpProxy]]:
    db_proxy, redis_proxy = proxy_for(migrated), proxy_for(redis_url)
    app = make_app(via(migrated, db_proxy), via(redis_url, redis_proxy), DB_CONNECT_TIMEOUT="1")
    yield app, db_proxy, redis_proxy
    db_proxy.close()
    redis_proxy.close()


def test_healthz_answers_without_checking_dependencies(app: Flask) -> None:
    res = app.test_client().get("/healthz")
    assert res.status_code == 200 and res.json == {"status": "ok"}


def test_readyz_is_503_naming_the_database_while_it_is_unreachable_and_200_after(proxied: tuple) -> None:
    app, db_proxy, _ = proxied
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    db_proxy.cut()
    res = client.get("/readyz")
    assert res.status_code == 503
    assert res.json["checks"]["database"] == "down" and res.headers["Retry-After"]
    assert "Traceback" not in res.get_data(as_text=True)
    db_proxy.restore()
    res = client.get("/readyz")
    assert res.status_code == 200 and res.json["checks"]["database"] == "ok"


def test_readyz_stays_200_and_reports_the_broker_degraded_while_redis_is_unreachable(proxied: tuple) -> None:
    app, _, redis_proxy = proxied
    client = app.test_client()
    assert client.get("/readyz").json["status"] == "ok"
    redis_proxy.cut()
    res = client.get("/readyz")
    assert res.status_code == 200
    assert res.json["status"] == "degraded" and res.json["checks"]["broker"] == "degraded"
    redis_proxy.restore()
    assert client.get("/readyz").json["checks"]["broker"] == "ok"


def test_both_openapi_documents_are_served(app: Flask) -> None:
    client = app.test_client()
    resident = client.get("/api/v1/openapi.json")
    staff = client.get("/api/admin/openapi.json")
    assert resident.status_code == staff.status_code == 200
    assert resident.json["info"]["title"] != staff.json["info"]["title"]


def test_readyz_stays_ready_and_names_each_notification_channel_that_is_not_configured(
        app: Flask, migrated: str, redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="backend.health"):
        bare = make_app(migrated, redis_url)  # no FCM credentials, no SMTP server
    warnings = [r.getMessage() for r in caplog.records if r.name == "backend.health"]
    assert len(warnings) == 1, warnings  # one warning at start-up, naming both channels and their settings
    assert "push" in warnings[0] and "FCM_CREDENTIALS_FILE" in warnings[0] and "MAIL_SERVER" in warnings[0]
    res = bare.test_client().get("/readyz")
    assert res.status_code == 200 and res.json["status"] == "ok"
    assert res.json["channels"] == {"push": "not configured", "email": "not configured"}

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="backend.health"):
        mail_only = make_app(migrated, redis_url, MAIL_SERVER="127.0.0.1")
    assert [r.getMessage() for r in caplog.records if r.name == "backend.health"] != []
    assert mail_only.test_client().get("/readyz").json["channels"] == {"push": "not configured",
                                                                      "email": "configured"}
    configured = app.test_client().get("/readyz").json  # the suite's app sends to the fake FCM and SMTP servers
    assert configured["channels"] == {"push": "configured", "email": "configured"}
