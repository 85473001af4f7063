"""`make chaos`: faults under way, each ending in a PASS or FAIL verdict.

1. PostgreSQL stopped for 8 s and started again while residents submit reports and read the map through
   gunicorn: every answer meanwhile is 503 with Retry-After (never another 5xx, never a traceback), reports are
   accepted again within 5 s of the database's return, and every report acknowledged with 201 is in the
   database afterwards.
2. Redis stopped for 60 s (a real minute): a staff action and reports every few seconds are accepted, and once
   Redis returns the notifications go out, each device once (tests/integration/test_push_faults.py, with
   CHAOS_REDIS_OUTAGE_SECONDS=60).
3. The Celery worker killed with SIGKILL mid-batch: every device served, repeats only within the killed chunk,
   under one collapse key (tests/integration/test_push_faults.py).
4. FCM answering 429 and 503 in bursts: back-off, then delivery to all, none twice
   (tests/e2e/test_notifications.py).

    python3 bench/chaos.py        (after `make setup`; uses the checkout's own PostgreSQL and Redis)
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench.common import gunicorn  # noqa: E402

DOWN_SECONDS = 8
RECOVERY_GOAL = 5.0


def call(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """One request: (status, headers, body text); a refused connection is status 0."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(
            method,
            path,
            None if body is None else json.dumps(body),
            {"Content-Type": "application/json", **(headers or {})},
        )
        res = conn.getresponse()
        text = res.read().decode("utf-8", "replace")
        conn.close()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, text
    except OSError as exc:
        return 0, {}, str(exc)


def postgres_restart() -> tuple[bool, list[str]]:
    import psycopg
    import stack

    from bench.seed import dsn

    if os.environ.get("DATABASE_URL", "").find(":55432") < 0 and not (stack.STATE / "pg").exists():
        return True, ["not run: DATABASE_URL is not the checkout's own PostgreSQL"]
    answers: list[tuple[float, str, int, dict[str, str], str]] = []
    stop = threading.Event()
    with gunicorn(2, env={"RATELIMIT_ENABLED": "false"}) as port:
        tokens = [
            json.loads(call(port, "POST", "/api/v1/devices", {"platform": "android", "locale": "pl"})[2])["token"]
            for _ in range(6)
        ]

        def submit(token: str, k: int) -> None:
            i = 0
            while not stop.is_set():
                i += 1
                status, headers, text = call(
                    port,
                    "POST",
                    "/api/v1/reports",
                    {
                        "service_code": "graffiti",
                        "description": f"Chaos {k}-{i}",
                        "lat": 50.0617 + k * 1e-4,
                        "lon": 19.9373 + i * 1e-6,
                    },
                    {"Authorization": f"Bearer {token}"},
                )
                answers.append((time.monotonic(), "POST /reports", status, headers, text))
                time.sleep(0.05)

        def read() -> None:
            while not stop.is_set():
                status, headers, text = call(port, "GET", "/api/v1/reports?bbox=19.90,50.04,19.98,50.08&zoom=13")
                answers.append((time.monotonic(), "GET /reports", status, headers, text))
                time.sleep(0.05)

        threads = [threading.Thread(target=submit, args=(t, k)) for k, t in enumerate(tokens)]
        threads.append(threading.Thread(target=read))
        for t in threads:
            t.start()
        time.sleep(5)
        down = time.monotonic()
        stack.stop(["postgres"])
        time.sleep(DOWN_SECONDS)
        stack.start_postgres()
        up = time.monotonic()
        time.sleep(10)
        stop.set()
        for t in threads:
            t.join()
    problems = []
    during = [a for a in answers if down <= a[0] <= up]
    bad = [a for a in answers if a[2] >= 500 and a[2] != 503]
    no_retry = [a for a in answers if a[2] == 503 and "retry-after" not in a[3]]
    traces = [a for a in answers if "Traceback" in a[4]]
    refused = [a for a in answers if a[2] == 0]
    if bad:
        problems.append(f"{len(bad)} answers were 5xx other than 503: {sorted({a[2] for a in bad})}")
    if no_retry:
        problems.append(f"{len(no_retry)} 503 answers without Retry-After")
    if traces or refused:
        problems.append(f"{len(traces)} answers with a traceback, {len(refused)} refused connections")
    first_ok = min((a[0] for a in answers if a[0] > up and a[1] == "POST /reports" and a[2] == 201), default=None)
    recovery = (first_ok - up) if first_ok is not None else float("inf")
    if recovery > RECOVERY_GOAL:
        problems.append(f"reports accepted again only {recovery:.1f} s after the database returned")
    acknowledged = [json.loads(a[4])["public_id"] for a in answers if a[1] == "POST /reports" and a[2] == 201]
    with psycopg.connect(dsn()) as conn:
        found = conn.execute("SELECT count(*) FROM reports WHERE public_id = ANY(%s)", (acknowledged,)).fetchone()[0]
    if found != len(acknowledged):
        problems.append(f"{len(acknowledged) - found} acknowledged reports are missing")
    statuses: dict[int, int] = {}
    for a in during:
        statuses[a[2]] = statuses.get(a[2], 0) + 1
    facts = [
        f"{len(answers)} requests, {len(during)} while the database was down (answers {statuses}); "
        f"{len(acknowledged)} reports acknowledged, {found} found afterwards; reports accepted again "
        f"{recovery:.2f} s after the database returned (goal ≤ {RECOVERY_GOAL:.0f} s)"
    ]
    return not problems, facts + problems


PYTEST = [
    (
        "Redis stopped for 60 s",
        "tests/integration/test_push_faults.py::"
        "test_with_redis_stopped_the_api_answers_and_notifications_go_out_once_after_it_returns",
        {"CHAOS_REDIS_OUTAGE_SECONDS": "60"},
    ),
    (
        "Celery worker killed mid-batch",
        "tests/integration/test_push_faults.py::"
        "test_a_worker_killed_mid_batch_still_serves_every_device_repeating_only_its_chunk_under_one_collapse_key",
        {},
    ),
    (
        "FCM 429/503 bursts",
        "tests/e2e/test_notifications.py::test_a_429_and_503_storm_ends_in_delivery_of_all_without_duplicates",
        {},
    ),
]


def main() -> None:
    load_dotenv(ROOT / ".env", override=False)
    verdicts = []
    t0 = time.perf_counter()
    ok, facts = postgres_restart()
    verdicts.append(("PostgreSQL stopped 8 s under load", ok, facts, time.perf_counter() - t0))
    for name, test, env in PYTEST:
        t0 = time.perf_counter()
        run = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "stack.py"), "test", "-q", "-p", "no:cacheprovider", test],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        last = [line for line in run.stdout.splitlines() if line.strip()][-1:] or ["(no output)"]
        verdicts.append((name, run.returncode == 0, last, time.perf_counter() - t0))
    print()
    for name, ok, facts, seconds in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {name}  ({seconds:.0f} s)")
        for fact in facts:
            print(f"      {fact}")
    sys.exit(0 if all(v[1] for v in verdicts) else 1)


if __name__ == "__main__":
    main()
