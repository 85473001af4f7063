"""Web (gunicorn), worker, beat and the CLI refuse to start without a SECRET_KEY of 32 bytes, saying why; in
production /metrics needs its token and links never come from a request's Host header."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import ROOT, make_app

BIN = Path(sys.executable).parent  # the environment running the tests (.venv under make test)
COMMANDS = {
    "web": [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "1", "backend.wsgi:app"],
    "worker": [str(BIN / "celery"), "-A", "backend.worker", "worker", "--pool", "solo"],
    "beat": [str(BIN / "celery"), "-A", "backend.worker", "beat", "--schedule", "/dev/null"],
    "cli": [str(BIN / "hromada"), "db", "current"],
}


def start(command: str, tmp_path: object, **env: str) -> subprocess.CompletedProcess[str]:
    """Start a process as production would, with `env` on top of the suite's (without its SECRET_KEY)."""
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "PUBLIC_BASE_URL")}
    return subprocess.run(
        COMMANDS[command],
        env={**base, "PYTHONPATH": str(ROOT), **env},
        cwd=str(tmp_path),  # no .env to read
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_process_starts_without_a_secret_key(command: str, tmp_path: object, migrated: str) -> None:
    done = start(command, tmp_path, HROMADA_ENV="development", DATABASE_URL=migrated)
    assert done.returncode != 0
    assert "SECRET_KEY must be set to at least 32 random bytes" in done.stdout + done.stderr


@pytest.mark.parametrize("command", ["web", "worker"])
def test_production_refuses_to_start_without_public_base_url_or_with_insecure_cookies(
    command: str, tmp_path: object, migrated: str
) -> None:
    done = start(
        command,
        tmp_path,
        HROMADA_ENV="production",
        SECRET_KEY="s" * 32,
        WEB_COOKIE_SECURE="false",
        DATABASE_URL=migrated,
    )
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert "PUBLIC_BASE_URL is required in production" in said
    assert "WEB_COOKIE_SECURE=false is allowed only with HROMADA_ENV=development" in said


@pytest.fixture(scope="module")
def production(migrated: str, redis_url: str) -> Flask:
    return make_app(
        migrated,
        redis_url,
        HROMADA_ENV="production",
        PUBLIC_BASE_URL="https://hromada.krakow.example",
        METRICS_TOKEN="",
    )


def test_metrics_answer_404_in_production_without_a_token(production: Flask, app: Flask) -> None:
    assert production.test_client().get("/metrics").status_code == 404
    with_token = make_app(
        production.config["HROMADA_SETTINGS"].DATABASE_URL,
        production.config["HROMADA_SETTINGS"].REDIS_URL,
        HROMADA_ENV="production",
        PUBLIC_BASE_URL="https://hromada.krakow.example",
        METRICS_TOKEN="m" * 32,
    ).test_client()
    assert with_token.get("/metrics").status_code == 401
    assert with_token.get("/metrics", headers={"Authorization": "Bearer " + "m" * 32}).status_code == 200
    assert app.test_client().get("/metrics").status_code == 200  # development: open


def test_links_in_production_come_from_public_base_url_not_the_host_header(production: Flask) -> None:
    doc = production.test_client().get("/open311/v2/discovery.json", headers={"Host": "evil.example"}).json
    assert doc["endpoints"][0]["url"] == "https://hromada.krakow.example/open311/v2"


def test_the_session_cookie_is_secure_in_production(production: Flask) -> None:
    page = production.test_client().get("/admin/login", base_url="https://hromada.krakow.example")
    cookie = page.headers.get("Set-Cookie", "")
    assert "hromada_staff=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
