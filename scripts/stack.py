#!/usr/bin/env python3
"""Local stack for Hromada: install what is missing, start PostGIS and Redis, run or test.

Standard library only: it runs before the virtual environment exists.

    python3 scripts/stack.py setup      # packages, .venv, PostGIS, Redis, databases, .env
    python3 scripts/stack.py run        # setup + migrate + demo city + web, worker, beat
    python3 scripts/stack.py test ARGS  # setup + the test suite (pytest ARGS)
    python3 scripts/stack.py stop       # stop the PostgreSQL and Redis this checkout started
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
ENV_FILE = ROOT / ".env"
STATE = Path(
    os.environ.get("HROMADA_STATE_DIR") or f"/var/tmp/hromada-{hashlib.sha1(str(ROOT).encode()).hexdigest()[:10]}"
)
IS_ROOT = os.geteuid() == 0
# The owner of the databases and every table (migrations only) and the application's role (web, worker, beat:
# reads and writes rows, owns nothing; migration 0020 grants it what it needs).
DB_NAME, TEST_DB_NAME, DB_USER, APP_USER = "hromada", "hromada_test", "hromada", "hromada_app"
EXTENSIONS = ("postgis", "pg_trgm", "unaccent")


def say(msg: str) -> None:
    print(f"[hromada] {msg}", flush=True)


def die(msg: str) -> None:
    print(f"[hromada] ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def sh(cmd: list[str], *, check: bool = True, quiet: bool = False, **kw) -> subprocess.CompletedProcess:
    out = subprocess.DEVNULL if quiet else None
    return subprocess.run(cmd, check=check, stdout=kw.pop("stdout", out), **kw)


# --------------------------------------------------------------------------- packages
def pg_versions() -> list[int]:
    base = Path("/usr/lib/postgresql")
    found = [int(p.name) for p in base.glob("*") if p.name.isdigit() and (p / "bin" / "postgres").exists()]
    return sorted(found)


def has_postgis(version: int) -> bool:
    return Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists()


_apt_updated = False


def apt_install(packages: list[str]) -> None:
    global _apt_updated
    if not packages:
        return
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    if not IS_ROOT:
        die("missing system packages; run as root:\n    sudo apt-get update && sudo " + " ".join(cmd))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _apt_updated:
        say("apt-get update")
        sh(["apt-get", "update", "-q"], env=env, quiet=True)
        _apt_updated = True
    say("installing " + " ".join(packages))
    sh(cmd, env=env, quiet=True)


def ensure_packages(need_pg: bool, need_redis: bool, extra: list[str]) -> None:
    wanted = [p for p in extra if shutil.which(p) is None]
    if need_pg and not pg_versions():
        apt_install(["postgresql", "postgresql-contrib"])
    if need_pg:
        version = pg_versions()[-1]
        if not has_postgis(version):
            apt_install([f"postgresql-{version}-postgis-3"])
    if need_redis and shutil.which("redis-server") is None:
        wanted.append("redis-server")
    apt_install(wanted)


# --------------------------------------------------------------------------- venv
def ensure_venv() -> None:
    stamp = VENV / ".hromada-installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest and (VENV / "bin" / "hromada").exists():
        return
    if not (VENV / "bin" / "python").exists():
        say("creating .venv")
        try:
            sh([sys.executable, "-m", "venv", str(VENV)])
        except subprocess.CalledProcessError:
            apt_install(["python3-venv"])
            sh([sys.executable, "-m", "venv", str(VENV)])
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    say("installing the project into .venv (pip install -e .[dev])")
    sh([*pip, "-e", f"{ROOT}[dev]"])
    stamp.write_text(digest)


# --------------------------------------------------------------------------- ports
def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port(state_file: Path, start: int) -> int:
    if state_file.exists():
        return int(state_file.read_text())
    port = start
    while not port_free(port):
        port += 1
    state_file.write_text(str(port))
    return port


# --------------------------------------------------------------------------- PostgreSQL
def as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if IS_ROOT:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return sh(cmd, **kw)


def start_postgres() -> tuple[str, bool]:
    """Start the checkout's own PostgreSQL; return (superuser psql args base, started_now)."""
    version = pg_versions()[-1]
    bindir = Path(f"/usr/lib/postgresql/{version}/bin")
    pgroot = STATE / "pg"
    data, sock = pgroot / f"data-{version}", pgroot / "run"
    STATE.mkdir(parents=True, exist_ok=True)
    os.chmod(STATE, 0o755)
    pgroot.mkdir(exist_ok=True)
    sock.mkdir(exist_ok=True)
    if IS_ROOT:
        shutil.chown(pgroot, "postgres", "postgres")
        shutil.chown(sock, "postgres", "postgres")
    port = pick_port(pgroot / "port", 55432)
    if not (data / "PG_VERSION").exists():
        say(f"initdb PostgreSQL {version} in {data}")
        as_postgres(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            quiet=True,
        )
    running = as_postgres([str(bindir / "pg_ctl"), "status", "-D", str(data)], check=False, quiet=True).returncode == 0
    started = False
    if not running:
        if not port_free(port):
            (pgroot / "port").unlink()
            port = pick_port(pgroot / "port", 55432)
        say(f"starting PostgreSQL {version} on 127.0.0.1:{port}")
        opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off"
        as_postgres(
            [
                str(bindir / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(data),
                "-l",
                str(pgroot / "postgres.log"),
                "-o",
                opts,
            ],
            quiet=True,
        )
        started = True
    return f"postgresql://postgres@127.0.0.1:{port}", started


def psql(url: str, sql: str, *, db: str = "postgres", check: bool = True) -> str:
    parts = urlsplit(url.replace("+psycopg", ""))
    target = urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))
    res = subprocess.run(
        ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", target, "-c", sql],
        capture_output=True,
        text=True,
        check=False,
    )
    if check and res.returncode != 0:
        die(f"psql failed on {db}: {res.stderr.strip()}")
    return res.stdout.strip()


def prepare_database(admin_url: str, db: str, owner: str | None) -> None:
    if psql(admin_url, f"SELECT 1 FROM pg_database WHERE datname = '{db}'") != "1":
        say(f"creating database {db}")
        psql(admin_url, f'CREATE DATABASE "{db}"' + (f' OWNER "{owner}"' if owner else ""))
    for ext in EXTENSIONS:
        psql(admin_url, f'CREATE EXTENSION IF NOT EXISTS "{ext}"', db=db)


def with_db(url: str, db: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))


def ensure_role(admin_url: str, role: str) -> None:
    if psql(admin_url, f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'") != "1":
        say(f"creating role {role}")
        psql(admin_url, f'CREATE ROLE "{role}" LOGIN')


def grant_connect(admin_url: str, db: str, role: str) -> None:
    """The application's role may connect and use temporary tables; the tables' grants come with migration 0020."""
    psql(admin_url, f'GRANT CONNECT, TEMPORARY ON DATABASE "{db}" TO "{role}"')


def local_databases(admin: str) -> dict[str, str]:
    """Both roles and both databases on the checkout's own PostgreSQL; the four URLs for .env."""
    for role in (DB_USER, APP_USER):
        ensure_role(admin, role)
    for name in (DB_NAME, TEST_DB_NAME):
        prepare_database(admin, name, DB_USER)
        grant_connect(admin, name, APP_USER)
    owner = admin.replace("postgresql://postgres@", f"postgresql+psycopg://{DB_USER}@")
    app = admin.replace("postgresql://postgres@", f"postgresql+psycopg://{APP_USER}@")
    return {
        "DATABASE_URL": with_db(app, DB_NAME),
        "DATABASE_OWNER_URL": with_db(owner, DB_NAME),
        "TEST_DATABASE_URL": with_db(app, TEST_DB_NAME),
        "TEST_DATABASE_OWNER_URL": with_db(owner, TEST_DB_NAME),
    }


def external_databases(app_url: str) -> dict[str, str]:
    """DATABASE_URL given from outside (the application's role); DATABASE_OWNER_URL may be given with it, else
    the one URL owns the tables too (with a warning: the application could then rewrite the audit log)."""
    owner_url = os.environ.get("DATABASE_OWNER_URL")
    if not owner_url:
        say(
            "WARNING: DATABASE_OWNER_URL is not set: the application connects as the owner of the tables; set it "
            "to a role that owns them and DATABASE_URL to one that does not (see README, Security)"
        )
        owner_url = app_url
    test_name = urlsplit(app_url).path.strip("/") + "_test"
    test_url = os.environ.get("TEST_DATABASE_URL") or with_db(app_url, test_name)
    test_owner_url = os.environ.get("TEST_DATABASE_OWNER_URL") or with_db(owner_url, urlsplit(test_url).path.strip("/"))
    for url in (owner_url, test_owner_url):
        prepare_database(url, urlsplit(url).path.strip("/"), None)
    return {
        "DATABASE_URL": app_url,
        "DATABASE_OWNER_URL": owner_url,
        "TEST_DATABASE_URL": test_url,
        "TEST_DATABASE_OWNER_URL": test_owner_url,
    }


# --------------------------------------------------------------------------- Redis
def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis() -> tuple[str, bool]:
    rdir = STATE / "redis"
    rdir.mkdir(parents=True, exist_ok=True)
    port = pick_port(rdir / "port", 56379)
    if redis_ping(port):
        return f"redis://127.0.0.1:{port}/0", False
    if not port_free(port):
        (rdir / "port").unlink()
        port = pick_port(rdir / "port", 56379)
    say(f"starting Redis on 127.0.0.1:{port}")
    sh(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(rdir),
            "--pidfile",
            str(rdir / "redis.pid"),
            "--logfile",
            str(rdir / "redis.log"),
        ],
        quiet=True,
    )
    for _ in range(50):
        if redis_ping(port):
            break
        time.sleep(0.1)
    else:
        die(f"Redis did not start; see {rdir / 'redis.log'}")
    return f"redis://127.0.0.1:{port}/0", True


# --------------------------------------------------------------------------- .env
def read_env_file() -> dict[str, str]:
    values: dict[str, str] = {}
    if ENV_FILE.exists():
        for line in ENV_FILE.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


def write_env_file(values: dict[str, str]) -> None:
    lines = [
        "# Written by scripts/stack.py (make run / make test); git-ignored.",
        *(f"{k}={v}" for k, v in values.items()),
    ]
    ENV_FILE.write_text("\n".join(lines) + "\n")
    os.chmod(ENV_FILE, 0o600)


def secret_key(kept: str) -> str:
    """The .env's SECRET_KEY when the app would take it (32 bytes, 16 different characters), else a new one."""
    return kept if len(kept.encode()) >= 32 and len(set(kept)) >= 16 else secrets.token_urlsafe(32)


def ensure_assets() -> None:
    """The staff UI's front-end libraries from the npm registry, exactly as the lockfile says (npm ci)."""
    frontend = ROOT / "admin" / "frontend"
    stamp = frontend / "node_modules" / ".hromada-installed"
    digest = hashlib.sha256((frontend / "package-lock.json").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    if shutil.which("npm") is None:
        apt_install(["nodejs", "npm"])
    say("installing the staff UI's front-end assets (npm ci)")
    sh(["npm", "ci", "--no-audit", "--no-fund", "--loglevel", "error"], cwd=frontend)
    stamp.write_text(digest)


def setup() -> tuple[dict[str, str], list[str]]:
    """Everything both commands need; returns the settings and what was started now."""
    ext_db, ext_redis = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    ensure_packages(need_pg=not ext_db, need_redis=not ext_redis, extra=["psql"] if ext_db else [])
    ensure_venv()
    ensure_assets()
    started: list[str] = []
    settings = read_env_file()
    if ext_db:
        databases = external_databases(ext_db)
    else:
        admin, now = start_postgres()
        if now:
            started.append("postgres")
        databases = local_databases(admin)
    if ext_redis:
        redis_url = ext_redis
    else:
        redis_url, now = start_redis()
        if now:
            started.append("redis")
    settings.update(
        {
            **databases,
            "REDIS_URL": redis_url,
            # A checkout on plain HTTP: PUBLIC_BASE_URL and the /metrics token optional (production is the default).
            "HROMADA_ENV": os.environ.get("HROMADA_ENV") or settings.get("HROMADA_ENV") or "development",
            "SECRET_KEY": secret_key(settings.get("SECRET_KEY", "")),
            "MEDIA_ROOT": settings.get("MEDIA_ROOT") or str(STATE / "media"),
            "PORT": os.environ.get("PORT") or settings.get("PORT") or "8000",
            "HROMADA_STATE_DIR": str(STATE),
        }
    )
    write_env_file(settings)
    return settings, started


def stop(what: list[str] | None = None) -> None:
    what = what or ["postgres", "redis"]
    if "redis" in what and (STATE / "redis" / "port").exists():
        port = int((STATE / "redis" / "port").read_text())
        if redis_ping(port):
            sh(["redis-cli", "-p", str(port), "shutdown", "nosave"], check=False, quiet=True)
            say("stopped Redis")
    versions = pg_versions()
    if "postgres" in what and versions:
        data = STATE / "pg" / f"data-{versions[-1]}"
        if (data / "postmaster.pid").exists():
            as_postgres(
                [f"/usr/lib/postgresql/{versions[-1]}/bin/pg_ctl", "stop", "-m", "fast", "-D", str(data)],
                check=False,
                quiet=True,
            )
            say("stopped PostgreSQL")


def venv_env(settings: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, **settings}
    env["PATH"] = f"{VENV / 'bin'}:{env.get('PATH', '')}"
    return env


def hromada(env: dict[str, str], *args: str) -> None:
    sh([str(VENV / "bin" / "hromada"), *args], env=env, cwd=ROOT)


#: The database passwords docker-compose.yml requires (it has no defaults for them).
COMPOSE_PASSWORDS = ("POSTGRES_PASSWORD", "HROMADA_DB_OWNER_PASSWORD", "HROMADA_DB_APP_PASSWORD")

#: The demo admin's second factor: a known secret, printed by `make run` (never for a real account).
DEMO_TOTP_SECRET = "HROMADADEMOKRAKOWTRAMWAJOBWARZAN"


def serve(env: dict[str, str], procfile: Path = ROOT / "Procfile", **kw) -> subprocess.Popen:
    """Web, worker and beat under honcho, connecting as the application's role only: the owner's URLs stay with
    the migration (and honcho is told not to read .env, which holds them)."""
    served = {k: v for k, v in env.items() if k not in ("DATABASE_OWNER_URL", "TEST_DATABASE_OWNER_URL")}
    return subprocess.Popen(
        [str(VENV / "bin" / "honcho"), "-e", "/dev/null", "-f", str(procfile), "start"],
        env=served,
        cwd=ROOT,
        **kw,
    )


def run() -> None:
    settings, started = setup()
    env = venv_env(settings)
    hromada(env, "db", "upgrade")
    for city in sorted((ROOT / "cities").iterdir()):
        if (city / "city.yaml").exists():
            hromada(env, "load-city", str(city))
    hromada(env, "load-addresses", "1261011", str(ROOT / "cities" / "krakow" / "addresses.csv"))
    hromada(env, "load-waste-schedule", "1261011", str(ROOT / "cities" / "krakow" / "waste.csv"))
    hromada(env, "load-indicators", "1261011", str(ROOT / "cities" / "krakow" / "indicators.yaml"))
    hromada(env, "compute-indicators", "1261011")
    hromada(
        env,
        "create-staff",
        "--email",
        "admin@krakow.example",
        "--password",
        "tramwaj-obwarzanek-demo",
        "--role",
        "admin",
        "--jurisdiction",
        "1261011",
        "--if-missing",
        "--totp-secret",
        DEMO_TOTP_SECRET,
    )
    port = settings["PORT"]
    metrics_dir = STATE / "prometheus"  # gunicorn's workers share their HTTP counters here
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    push = "push via FCM" if env.get("FCM_CREDENTIALS_FILE") else "no FCM_CREDENTIALS_FILE: in-app inbox only"
    mail = f"e-mail via {env['MAIL_SERVER']}" if env.get("MAIL_SERVER") else "no MAIL_SERVER: no e-mail"
    print(
        f"""
  Hromada is starting:
    API (residents)   http://127.0.0.1:{port}/api/v1/openapi.json
    API (staff)       http://127.0.0.1:{port}/api/admin/openapi.json
    health            http://127.0.0.1:{port}/healthz   readiness http://127.0.0.1:{port}/readyz
    staff web UI      http://localhost:{port}/admin
    metrics           http://127.0.0.1:{port}/metrics
    open data         http://127.0.0.1:{port}/api/v1/open-data/indicator-values?jurisdiction=krakow&area=total
  Notifications: {push}; {mail}.
  Demo staff login: admin@krakow.example / tramwaj-obwarzanek-demo
    second factor (TOTP) secret {DEMO_TOTP_SECRET}: add it to any authenticator app, or get a code with
    {VENV / "bin" / "python"} -c "import pyotp; print(pyotp.TOTP('{DEMO_TOTP_SECRET}').now())"
  Ctrl-C stops the web server, the worker, the scheduler{" and the services started now" if started else ""}.
""",
        flush=True,
    )
    (ROOT / "var").mkdir(exist_ok=True)
    proc = serve(env)
    try:
        proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        proc.wait()
    finally:
        stop(started)


def test(args: list[str]) -> None:
    settings, _ = setup()
    env = venv_env(settings)
    if shutil.which("docker-compose") is None:
        apt_install(["docker-compose"])
    if not Path("/usr/bin/chromium").exists():  # the staff UI's browser tests (Playwright drives it)
        apt_install(["chromium"])
    say("checking docker-compose.yml syntax")
    sh(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        env={
            **os.environ,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "PUBLIC_BASE_URL": "https://hromada.example.org",
            **{name: secrets.token_urlsafe(16) for name in COMPOSE_PASSWORDS},
        },
    )
    gates = [  # the house rules of docs/architecture.md, before the tests
        ("ruff format --check", ["ruff", "format", "--check", "--quiet", "."]),
        ("ruff check", ["ruff", "check", "--quiet", "."]),
        ("import contracts (lint-imports)", ["lint-imports", "--no-cache"]),
        ("mypy", ["mypy"]),
    ]
    for name, cmd in gates:
        say(name)
        if sh([str(VENV / "bin" / cmd[0]), *cmd[1:]], cwd=ROOT, check=False).returncode != 0:
            die(f"{name} failed: the house rules are in docs/architecture.md")
    res = subprocess.run([str(VENV / "bin" / "python"), "-m", "pytest", *args], env=env, cwd=ROOT, check=False)
    sys.exit(res.returncode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["setup", "run", "test", "stop", "env"])
    parser.add_argument("args", nargs=argparse.REMAINDER)
    ns = parser.parse_args()
    if ns.command == "setup":
        setup()
    elif ns.command == "run":
        run()
    elif ns.command == "test":
        test(ns.args)
    elif ns.command == "stop":
        stop()
    elif ns.command == "env":
        settings, _ = setup()
        for k, v in settings.items():
            print(f"export {k}={v}")


if __name__ == "__main__":
    main()
