"""A statement that fails in the database never puts the resident's data it carried into a log: not the web
app's, not a Celery worker's (the outbox handler's failure and the row's last_error), and Celery beat, running
its real schedule, logs no secret of its configuration either.

PostgreSQL repeats values in its errors (the whole failing row, a unique key, the text it could not read) and
SQLAlchemy would add the statement's parameters: the first test shows both on an ordinary engine first, so the
checks below can fail."""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from backend import outbox
from backend.db import session, unit_of_work
from backend.models import Device, OutboxEvent
from tests.conftest import ROOT, make_app
from tests.support.services import PrivateRedis, WorkerProcesses
from tests.support.waiting import STARTUP_TIMEOUT, eventually

MARKER = uuid.uuid4().hex[:10]
NAME, EMAIL, PHONE = f"Zofia Tajna {MARKER}", f"zofia.{MARKER}@example.org", f"+48 601 {MARKER[:3]} 321"
PUSH = f"push-{MARKER}-token"
PERSONAL = (NAME, EMAIL, PHONE, PUSH, MARKER)


def _fail(case: str) -> None:
    """A statement carrying a resident's data that PostgreSQL refuses."""
    with unit_of_work() as s:
        if case == "not-null":  # the error repeats the failing row: name, e-mail, phone
            s.execute(text("INSERT INTO residents (name, email, phone, created_at) VALUES (:n, :e, :p, NULL)"),
                      {"n": NAME, "e": EMAIL, "p": PHONE})
        elif case == "too-long":  # the statement's parameters: the push token
            s.add(Device(platform="android", locale="pl-PL-too-long", token_hash=uuid.uuid4().hex, push_token=PUSH))
            s.flush()
        else:  # the value PostgreSQL could not read, quoted in its message
            s.execute(text("SELECT CAST(:v AS integer)"), {"v": EMAIL})


@pytest.fixture(scope="module")
def failing_app(migrated: str, redis_url: str, cities: dict) -> Flask:
    app = make_app(migrated, redis_url)

    @app.post("/test-only/fail/<case>")
    def fail(case: str) -> str:
        _fail(case)
        return "not reached"

    return app


def test_an_ordinary_engine_would_have_logged_the_data(migrated: str) -> None:
    with create_engine(migrated).connect() as conn, pytest.raises(DBAPIError) as raised:
        conn.execute(text("INSERT INTO residents (name, email, phone, created_at) VALUES (:n, :e, :p, NULL)"),
                     {"n": NAME, "e": EMAIL, "p": PHONE})
    assert EMAIL in str(raised.value) and "Failing row contains" in str(raised.value)


@pytest.mark.parametrize("case", ["not-null", "too-long", "unreadable"])
def test_a_failed_statement_is_logged_without_the_data_it_carried(
    failing_app: Flask, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    got = failing_app.test_client().post(f"/test-only/fail/{case}")
    assert got.status_code in (422, 500)
    assert not any(value in got.get_data(as_text=True) for value in PERSONAL)
    logged = caplog.text
    assert "SQLSTATE" in logged or got.status_code == 422, logged  # the error itself was logged (a 500 is)
    for value in PERSONAL:
        assert value not in logged, (case, value)
    with failing_app.app_context():
        with pytest.raises(DBAPIError) as raised:
            _fail(case)
        said = str(raised.value)
        assert "SQLSTATE" in said and "parameters hidden" in said and not any(v in said for v in PERSONAL), said
        session().rollback()


def test_the_worker_and_beat_log_no_personal_data_and_no_secret(migrated: str, cities: dict, tmp_path: Path) -> None:
    """A real worker runs an outbox handler whose insert of a resident's contact data fails; a real beat sends its
    periodic tasks every second for a while. Both at INFO, as the Procfile runs them, with secrets in every
    setting that has one."""
    secret = {name: secrets.token_urlsafe(32) for name in ("SECRET_KEY", "METRICS_TOKEN", "MAIL_PASSWORD", "REDIS",
                                                            "DB")}
    broker = PrivateRedis(tmp_path, password=secret["REDIS"])
    broker.start()
    database = make_url(migrated).set(password=secret["DB"]).render_as_string(hide_password=False)
    env = {"DATABASE_URL": database, "REDIS_URL": broker.url, "OUTBOX_HANDLER_MODULES": "tests.support.handlers",
           "SECRET_KEY": secret["SECRET_KEY"], "METRICS_TOKEN": secret["METRICS_TOKEN"],
           "MAIL_PASSWORD": secret["MAIL_PASSWORD"], "OUTBOX_SWEEP_INTERVAL": "1", "PUSH_SWEEP_INTERVAL": "1",
           "INDICATOR_REFRESH_INTERVAL": "1", "RETENTION_INTERVAL": "1"}
    publisher = make_app(database, broker.url)
    beat_log = tmp_path / "beat.log"
    try:
        with WorkerProcesses(ROOT, env, loglevel="INFO") as worker, BeatProcess(env, tmp_path, beat_log):
            with publisher.app_context(), unit_of_work() as s:
                event = outbox.add_event(s, "test.personal_db_error", {"name": NAME, "email": EMAIL, "phone": PHONE})
            failed = eventually(lambda: _last_error(publisher, event.id), timeout=STARTUP_TIMEOUT, interval=0.2,
                                what="the worker to run the failing handler")
            eventually(lambda: beat_log.read_text().count("Sending due task") >= 12, timeout=STARTUP_TIMEOUT,
                       interval=0.5, what="beat to send its periodic tasks a dozen times")
            eventually(lambda: "(test.personal_db_error) failed" in worker.log_text(), timeout=STARTUP_TIMEOUT,
                       interval=0.2, what="the worker to log the handler's failure")
            logged = worker.log_text() + beat_log.read_text()
    finally:
        broker.stop()
    assert "not-null constraint" in failed and "SQLSTATE 23502" in logged  # the failure is there, named
    assert "hromada.outbox.sweep" in logged and "beat: Starting" in logged
    for value in (*PERSONAL, *secret.values()):
        assert value not in logged and value not in failed, value[:16]


def _last_error(app: Flask, event_id: int) -> str | None:
    with app.app_context():
        row = session().get(OutboxEvent, event_id)
        found = row.last_error if row is not None else None
        session().rollback()
        return found


class BeatProcess:
    """A real `celery beat` process of the app, logging at INFO into `log`."""

    def __init__(self, env: dict[str, str], workdir: Path, log: Path) -> None:
        self.cmd = [sys.executable, "-m", "celery", "-A", "backend.worker", "beat", "--loglevel", "INFO",
                    "--schedule", str(workdir / "beat-schedule")]
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BeatProcess:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.cmd, env=self.env, cwd=ROOT, stdout=out, stderr=out)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
