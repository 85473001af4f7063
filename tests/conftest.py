"""Shared fixtures: the real PostGIS test database, Redis, the app, a real Celery worker."""

from __future__ import annotations

import os
import sys
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
from dotenv import load_dotenv
from flask import Flask
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
CITIES = ROOT / "cities"


# Use the settings `make test` wrote to .env unless the environment names them.
load_dotenv(ROOT / ".env", override=False)

# CPython 3.11 keeps one AST-construction depth counter per interpreter (python/cpython#106905): two threads
# building Python AST objects at once can fail with "SystemError: AST constructor recursion depth mismatch".
# In this process the in-process Celery worker's threads format tracebacks of failing tasks, and 3.11's
# traceback module parses each source line with `ast.parse` to place its ^^^ carets, while the test's own
# thread builds an app (werkzeug compiles its URL rules through `ast`). Tracebacks here do without the
# carets' anchors (the plain ^^^^ underline remains).
if sys.version_info[:2] == (3, 11) and hasattr(traceback, "_extract_caret_anchors_from_line_segment"):
    traceback._extract_caret_anchors_from_line_segment = lambda segment: None

# The suite runs as `make run` does, on plain HTTP on localhost: every app, gunicorn, worker and CLI it starts is
# in development (PUBLIC_BASE_URL and the /metrics token optional). Tests about production set it themselves.
os.environ["HROMADA_ENV"] = "development"


@pytest.fixture(scope="session")
def database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.exit("TEST_DATABASE_URL is not set: run the suite with `make test`", returncode=2)
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    # The suite's own Redis database (TEST_REDIS_URL lets two runs on one machine keep apart).
    url = os.environ.get("TEST_REDIS_URL") or base.rsplit("/", 1)[0] + "/1"
    redis_lib.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(scope="session")
def database_owner_url(database_url: str) -> str:
    """The owner of the test schema (TEST_DATABASE_OWNER_URL), which only rebuilds it; the app connects as
    TEST_DATABASE_URL's restricted role. Unset: one URL does both (the migrations then grant nothing)."""
    url = os.environ.get("TEST_DATABASE_OWNER_URL") or database_url
    owner, app = make_url(url), make_url(database_url)
    if (owner.host, owner.port, owner.database) != (app.host, app.port, app.database):
        # e.g. TEST_DATABASE_URL set by hand for another database, the owner's URL from .env: never mix the two
        warnings.warn(
            f"TEST_DATABASE_OWNER_URL names database {owner.database} on {owner.host}:{owner.port}, not "
            f"TEST_DATABASE_URL's {app.database} on {app.host}:{app.port}: using TEST_DATABASE_URL for both",
            stacklevel=1,
        )
        return database_url
    return url


@pytest.fixture(scope="session")
def migrated(database_url: str, database_owner_url: str) -> str:
    """A schema built from the migrations alone (from base to head) for this run, by the owner; returns the
    application role's URL, which the apps, servers and workers of the tests use."""
    from backend import migrate

    app_role = migrate.role_of(database_url)
    engine = create_engine(database_owner_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS test_outbox_hits"))
    engine.dispose()
    migrate.downgrade(database_owner_url, "base", app_role=app_role)
    migrate.upgrade(database_owner_url, "head", app_role=app_role)
    from tests.support.handlers import HITS_TABLE

    engine = create_engine(database_owner_url)
    with engine.begin() as conn:
        conn.execute(text(HITS_TABLE))  # the app role may use it through the owner's default privileges
    engine.dispose()
    return database_url


MEDIA_ROOT = Path(os.environ.get("HROMADA_STATE_DIR", "/var/tmp/hromada")) / f"test-media-{os.getpid()}"


def make_app(database_url: str, redis_url: str, **overrides: object) -> Flask:
    from backend.app import create_app

    config = {
        "MEDIA_ROOT": str(MEDIA_ROOT),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "OUTBOX_HANDLER_MODULES": "tests.support.handlers",
        "TESTING": True,
        "OUTBOX_SWEEP_INTERVAL": "1",
        "RATE_LIMIT_REPORTS_PER_DEVICE": "100000/minute",
        "RATE_LIMIT_REPORTS_PER_IP": "100000/minute",
        "RATE_LIMIT_DEVICE_REGISTRATION": "100000/minute",
        "RATE_LIMIT_SIGN_IN_PER_IP": "100000/minute",
        "RATE_LIMIT_SIGN_IN_GLOBAL": "100000/minute",
        "RATE_LIMIT_OPEN311_POST_PER_KEY": "100000/minute",
        "RATE_LIMIT_OPEN311_POST_PER_IP": "100000/minute",
        **overrides,
    }
    return create_app(config)


class SmtpSink:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd)."""
    from aiosmtpd.controller import Controller

    from tests.support.services import free_port
    from tests.support.waiting import STARTUP_TIMEOUT

    sink = SmtpSink()
    # aiosmtpd gives its server thread 5 s to come up by default: too short on a busy machine.
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), ready_timeout=STARTUP_TIMEOUT)
    controller.start()
    sink.port = controller.port  # type: ignore[attr-defined]
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def fake_fcm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The fake FCM server, with a service-account file whose token endpoint it also serves."""
    from tests.support.fake_fcm import FakeFcm

    with FakeFcm() as fcm:
        fcm.credentials = fcm.write_service_account(tmp_path_factory.mktemp("fcm") / "service-account.json")
        yield fcm


def push_settings(fake_fcm: Any, smtp: Any) -> dict[str, str]:
    """The settings that send push to the fake FCM and e-mail to the test SMTP server."""
    return {
        "FCM_CREDENTIALS_FILE": str(fake_fcm.credentials),
        "FCM_URL": fake_fcm.url,
        "FCM_TIMEOUT": "10",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "PUSH_SWEEP_INTERVAL": "1",
        "PUBLIC_BASE_URL": "https://hromada.krakow.example",
    }


_SESSION_APPS: list[Flask] = []


@pytest.fixture(scope="session")
def app(migrated: str, redis_url: str, fake_fcm: Any, smtp: Any) -> Flask:
    made = make_app(migrated, redis_url, **push_settings(fake_fcm, smtp))
    _SESSION_APPS.append(made)
    return made


@pytest.fixture(autouse=True)
def _session_celery_stays_the_default() -> Iterator[None]:
    """Creating an app makes its Celery app the process default, and the in-process worker's threads run
    tasks of the default app: after a test that built an app of its own, the suite's app is the default
    again (in production each process has one app)."""
    yield
    if _SESSION_APPS:
        _SESSION_APPS[0].extensions["celery"].set_default()


@pytest.fixture(scope="session")
def cities(app: Flask) -> dict[str, str]:
    """The two demo jurisdictions loaded through the real loader."""
    from backend.cities import load_city

    with app.app_context():
        return {name: load_city(CITIES / name) for name in ("krakow", "powiat-krakowski")}


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    from backend.db import session

    with app.app_context():
        s = session()
        yield s
        s.rollback()


@pytest.fixture(scope="session")
def worker(app: Flask) -> Iterator[object]:
    """A real Celery worker (threads) consuming from the suite's Redis."""
    from celery.contrib.testing.worker import start_worker

    celery = app.extensions["celery"]
    with start_worker(
        celery, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=15, loglevel="WARNING"
    ) as w:
        yield w
