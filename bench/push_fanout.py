"""A status change on a report with N supporters (default 10,000), all with push tokens: from the staff
action to the last message at the fake FCM server (its own process), through the outbox, a real Celery
worker (prefork, 2 processes) and firebase-admin. The floor, same run, same server: `send_each` alone
in chunks of the same size (no database, no Celery). Peak RSS of the worker processes is read from
/proc (VmHWM) for a small and a large fan-out, to show the recipients are streamed.

    .venv/bin/python bench/push_fanout.py [--supporters 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seed import dsn  # noqa: E402

CHUNK = 500


def stats(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stats", timeout=10) as res:  # noqa: S310 - local
        return dict(json.loads(res.read()))


def reset(port: int) -> None:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/_reset", data=b"{}", method="POST")  # noqa: S310
    urllib.request.urlopen(req, timeout=10).read()  # noqa: S310 - local


def floor(credentials: str, url: str, n: int, tag: str) -> float:
    """Seconds for send_each alone to push n messages in chunks of CHUNK."""
    from push import fcm

    config = fcm.FcmConfig(credentials_file=credentials, url=url, timeout=30, chunk=CHUNK)
    messages = [
        fcm.PushMessage(
            token=f"ok-floor-{tag}-{i}",
            title="Kraków · KRK-2026-000001",
            body="Miasto przyjęło to zgłoszenie.",
            data={"report_id": "1"},
            collapse_key=f"hromada-n{i}",
        )
        for i in range(n)
    ]
    fcm.send(config, messages[:CHUNK])  # warm: the app, the pool, the token
    t0 = time.perf_counter()
    outcomes = fcm.send(config, messages)
    elapsed = time.perf_counter() - t0
    assert all(o.kind == "sent" for o in outcomes)  # noqa: S101 - a benchmark that failed must say so
    return elapsed


def followers(conn: psycopg.Connection, n: int, tag: str) -> int:
    """A report of the demo city with n supporting devices that have push tokens."""
    jid = conn.execute("SELECT id FROM jurisdictions WHERE code = '1261011'").fetchone()[0]
    report_id = conn.execute(
        "SELECT id FROM reports WHERE jurisdiction_id = %s AND status = 'submitted' ORDER BY id DESC LIMIT 1", (jid,)
    ).fetchone()[0]
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_devices (id int)")
        cur.execute(
            """INSERT INTO devices (platform, locale, token_hash, push_token, created_at, updated_at)
                       SELECT 'android', (ARRAY['pl','uk','en'])[1 + i %% 3], md5(%s || i) || md5(i || %s),
                              'ok-' || %s || '-' || i, now(), now()
                       FROM generate_series(1, %s) i RETURNING id""",
            (tag, tag, tag, n),
        )
        ids = [r[0] for r in cur.fetchall()]
        cur.executemany(
            "INSERT INTO report_supports (report_id, device_id, created_at) VALUES (%s, %s, now())",
            [(report_id, i) for i in ids],
        )
    conn.commit()
    return int(report_id)


@contextmanager
def fake_fcm_process(prefix: str) -> Iterator[tuple[int, Path, str, dict[str, str]]]:
    """The fake FCM server in its own process: (port, service-account file, FCM URL, the app's settings)."""
    credentials = Path(tempfile.mkdtemp(prefix=prefix)) / "service-account.json"
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_fcm", str(credentials)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(server.stdout.readline())  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}/v1/projects/{{0}}/messages:send"
        yield (
            port,
            credentials,
            url,
            {
                "FCM_CREDENTIALS_FILE": str(credentials),
                "FCM_URL": url,
                "PUSH_CHUNK": str(CHUNK),
                "FCM_TIMEOUT": "30",
                "RATELIMIT_ENABLED": "false",
            },
        )
    finally:
        server.terminate()
        server.wait(10)


def wait_for_tokens(port: int, n: int, timeout: float) -> dict[str, Any]:
    """The fake FCM's statistics once n distinct devices got a message (or the timeout passed)."""
    deadline = time.time() + timeout
    while True:
        got = stats(port)
        if got["distinct_tokens"] >= n or time.time() > deadline:
            return got
        time.sleep(0.2)


@contextmanager
def celery_worker(env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A `celery worker` (prefork, 2 processes) of the app with these settings, up and forked."""
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "backend.worker",
            "worker",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(4)
        yield worker
    finally:
        worker.terminate()
        worker.wait(60)


def peak_rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total = max(total, int(line.split()[1]))
        except OSError:
            continue
    return total


def worker_pids(root_pid: int) -> list[int]:
    children = Path(f"/proc/{root_pid}/task/{root_pid}/children")
    kids = [int(p) for p in children.read_text().split()] if children.exists() else []
    return [root_pid, *kids]


def fan_out(n: int, env: dict[str, str], port: int) -> dict[str, Any]:
    """One staff status change to a report with n supporters; returns the figures."""
    from sqlalchemy import select

    from backend import triage
    from backend.app import create_app
    from backend.db import session
    from backend.models import StaffUser

    tag = uuid.uuid4().hex[:8]
    with psycopg.connect(dsn()) as conn:
        report_id = followers(conn, n, tag)
    with celery_worker(env) as worker:
        reset(port)
        app = create_app(env)
        with app.app_context():
            staff = session().scalars(select(StaffUser).where(StaffUser.email == "admin@krakow.example")).one()
            etag = triage.etag(triage.visible_report(session(), staff, report_id))
            session().rollback()
            t0 = time.time()
            triage.perform(staff, report_id, etag, triage.ChangeStatus("acknowledged"))
        got = wait_for_tokens(port, n, 600)
        rss = peak_rss_kb(worker_pids(worker.pid))
    elapsed = got["last_at"] - t0
    return {
        "n": n,
        "seconds": elapsed,
        "rate": n / elapsed,
        "rss_mb": rss / 1024,
        "received": got["received"],
        "accepted": got["accepted"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--supporters", type=int, default=10_000)
    args = parser.parse_args()
    load_dotenv(ROOT / ".env", override=False)
    with fake_fcm_process("hromada-push-bench-") as (port, credentials, url, env):
        small = fan_out(max(args.supporters // 5, CHUNK), env, port)
        large = fan_out(args.supporters, env, port)
        reset(port)
        floor_seconds = floor(str(credentials), url, args.supporters, uuid.uuid4().hex[:6])
    floor_rate = args.supporters / floor_seconds
    print(
        f"floor: send_each alone, {args.supporters:,} messages in chunks of {CHUNK}: {floor_seconds:.2f} s, "
        f"{floor_rate:,.0f} messages/s"
    )
    for r in (small, large):
        print(
            f"status change -> {r['n']:,} supporters: last message after {r['seconds']:.2f} s, "
            f"{r['rate']:,.0f} messages/s, ratio to the floor {r['rate'] / floor_rate:.2f}; "
            f"worker peak RSS {r['rss_mb']:.0f} MB; FCM requests {r['received']:,} ({r['accepted']:,} accepted)"
        )


if __name__ == "__main__":
    main()
