"""Web (gunicorn), worker, beat and the CLI refuse to start without a SECRET_KEY of 32 bytes, saying why; in
production /metrics needs its token and links never come from a request's Host header."""

from __future__ import annotations

import importlib.util
import os
import shutil
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
        SECRET_KEY="Hq3vN8zR1xT6wB0mK5cJ9pL2sY7fD4gA",
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


def test_docker_compose_needs_the_database_passwords_and_ignores_the_checkouts_development_setting(
    tmp_path: Path,
) -> None:
    compose = shutil.which("docker-compose")
    if compose is None:
        pytest.skip("docker-compose is not installed")
    (tmp_path / "docker-compose.yml").write_text((ROOT / "docker-compose.yml").read_text())
    env_file = "HROMADA_ENV=development\nSECRET_KEY=Hq3vN8zR1xT6wB0mK5cJ9pL2sY7fD4gA\n"  # as `make run` leaves .env
    (tmp_path / ".env").write_text(env_file)
    plain = {"PATH": os.environ["PATH"]}

    def config() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [compose, "config"], cwd=tmp_path, env=plain, capture_output=True, text=True, timeout=60, check=False
        )

    refused = config()
    assert refused.returncode != 0 and "set POSTGRES_PASSWORD" in refused.stderr  # no weak default password
    passwords = "POSTGRES_PASSWORD=p1x\nHROMADA_DB_OWNER_PASSWORD=o2y\nHROMADA_DB_APP_PASSWORD=a3z\n"
    (tmp_path / ".env").write_text(env_file + passwords)
    done = config()
    assert done.returncode == 0, done.stderr
    assert "HROMADA_ENV: production" in done.stdout and "development" not in done.stdout
    assert "hromada_app:a3z@db" in done.stdout and "hromada:o2y@db" in done.stdout


def test_make_run_serves_web_worker_and_beat_without_the_owners_database_url(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("stack", ROOT / "scripts" / "stack.py")
    assert spec and spec.loader
    stack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stack)
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: env\n")
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": "postgresql+psycopg://hromada_app@db/hromada",
        "DATABASE_OWNER_URL": "postgresql+psycopg://hromada@db/hromada",
        "TEST_DATABASE_OWNER_URL": "postgresql+psycopg://hromada@db/hromada_test",
    }
    out, _ = stack.serve(env, procfile, stdout=subprocess.PIPE, text=True).communicate(timeout=60)
    assert "DATABASE_URL=postgresql+psycopg://hromada_app@db/hromada" in out
    assert "OWNER_URL" not in out  # neither given nor read from the checkout's .env
