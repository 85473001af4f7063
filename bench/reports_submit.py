"""POST /api/v1/reports through gunicorn vs the same work issued directly through psycopg.

Run after bench/seed.py (make bench does both). Each submitted report is a random point in Kraków
with a service drawn from the Boston category mix and answers to its required questions. The floor
runs, in one process, the statements the submission needs: locate, duplicate search, public-id
counter, report, timeline entry and outbox row, one transaction per report.

    .venv/bin/python bench/reports_submit.py [--requests 3000] [--clients 8] [--workers 4]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import boston  # noqa: E402
from bench.common import gunicorn, pct, request  # noqa: E402
from bench.seed import dsn  # noqa: E402


def bodies(conn: psycopg.Connection, n: int, rng: random.Random) -> list[dict[str, Any]]:
    mix = [r.service for r in boston.load()]
    questions: dict[str, dict[str, Any]] = {}
    for code, qcode, datatype, options in conn.execute("""
            SELECT s.code, q.code, q.datatype, q.options FROM services s
            JOIN service_questions q ON q.service_id = s.id JOIN jurisdictions j ON j.id = s.jurisdiction_id
            WHERE j.code = '1261011' AND q.required"""):
        first = options[0]["key"]
        questions.setdefault(code, {})[qcode] = [first] if datatype == "multivaluelist" else first
    points = conn.execute(
        """SELECT ST_X(g.geom), ST_Y(g.geom) FROM jurisdictions j,
                             ST_Dump(ST_GeneratePoints(j.boundary, %s, 7)) g WHERE j.code = '1261011'""",
        (n,),
    ).fetchall()
    out = []
    for x, y in points:
        service = rng.choice(mix)
        out.append(
            {
                "service_code": service,
                "description": "Benchmark report",
                "lat": y,
                "lon": x,
                "answers": questions.get(service, {}),
            }
        )
    return out


def client_process(port: int, jobs: list[tuple[str, dict[str, Any]]], threads: int) -> list[tuple[int, float]]:
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    it = iter(jobs)

    def run() -> None:
        while True:
            with lock:
                job = next(it, None)
            if job is None:
                return
            token, body = job
            status, _, seconds = request(port, "POST", "/api/v1/reports", body, {"Authorization": f"Bearer {token}"})
            outcome = (status, seconds)
            with lock:
                results.append(outcome)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return results


def through_gunicorn(items: list[dict[str, Any]], clients: int, workers: int) -> tuple[float, list[float], int]:
    env = {
        "RATE_LIMIT_REPORTS_PER_DEVICE": "1000000/minute",
        "RATE_LIMIT_REPORTS_PER_IP": "1000000/minute",
        "RATE_LIMIT_DEVICE_REGISTRATION": "1000000/minute",
    }
    with gunicorn(workers, env) as port:
        device = {"platform": "android", "locale": "pl"}
        tokens = [request(port, "POST", "/api/v1/devices", device)[1]["token"] for _ in range(50)]
        jobs = [(tokens[i % len(tokens)], body) for i, body in enumerate(items)]
        procs = 2
        shares = [jobs[i::procs] for i in range(procs)]
        t0 = time.perf_counter()
        with ProcessPoolExecutor(procs) as pool:
            parts = list(pool.map(client_process, [port] * procs, shares, [max(clients // procs, 1)] * procs))
        elapsed = time.perf_counter() - t0
    outcomes = [o for part in parts for o in part]
    errors = sum(1 for status, _ in outcomes if status != 201)
    return len(items) / elapsed, sorted(d for _, d in outcomes), errors


FLOOR_SQL = {
    "locate": """SELECT j.id, a.id FROM area_pieces p JOIN areas a ON a.id = p.area_id
                 JOIN jurisdictions j ON j.id = a.jurisdiction_id
                 WHERE ST_Covers(p.geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))
                 ORDER BY j.code, a.code LIMIT 1""",
    "service": """SELECT id, department_id, duplicate_radius_m FROM services
                  WHERE jurisdiction_id = %(j)s AND code = %(code)s AND active""",
    "nearby": """SELECT r.id FROM reports r WHERE r.service_id = %(s)s
                 AND r.status IN ('submitted','acknowledged','in_progress') AND NOT r.hidden
                 AND r.merged_into_id IS NULL AND r.requested_at >= now() - interval '30 days'
                 AND ST_DWithin(r.location, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography, %(radius)s)
                 ORDER BY ST_Distance(r.location, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography)
                 LIMIT 5""",
    "counter": """INSERT INTO report_counters (jurisdiction_id, year, last_number) VALUES (%(j)s, 2026, 1)
                  ON CONFLICT (jurisdiction_id, year) DO UPDATE SET last_number = report_counters.last_number + 1
                  RETURNING last_number""",
    "report": """INSERT INTO reports (public_id, jurisdiction_id, area_id, service_id, department_id, description,
                 location, answers, status, priority, locale, channel, anonymous, support_count, hidden,
                 requested_at, updated_at)
                 VALUES ('FLR-' || %(n)s || '-' || %(salt)s, %(j)s, %(a)s, %(s)s, %(d)s, 'floor',
                 ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography, %(answers)s, 'submitted',
                 'normal', 'pl', 'staff', false, 0, false, now(), now()) RETURNING id""",
    "event": """INSERT INTO report_events (report_id, kind, public, data, created_at)
                VALUES (%(r)s, 'created', true, '{}', now())""",
    "outbox": """INSERT INTO outbox (event_type, payload, status, attempts, available_at, created_at)
                 VALUES ('bench.floor', '{}', 'done', 0, now(), now())""",
}


def floor_insert(conn: psycopg.Connection, body: dict[str, Any], salt: int) -> int:
    """One report through the floor statements, without committing; returns its id."""
    p = {"lon": body["lon"], "lat": body["lat"], "code": body["service_code"]}
    j, a = conn.execute(FLOOR_SQL["locate"], p, prepare=True).fetchone()
    s, d, radius = conn.execute(FLOOR_SQL["service"], {**p, "j": j}, prepare=True).fetchone()
    conn.execute(FLOOR_SQL["nearby"], {**p, "s": s, "radius": radius}, prepare=True).fetchall()
    n = conn.execute(FLOOR_SQL["counter"], {"j": j}, prepare=True).fetchone()[0]
    r = conn.execute(
        FLOOR_SQL["report"],
        {**p, "n": n, "salt": salt, "j": j, "a": a, "s": s, "d": d, "answers": json.dumps(body["answers"])},
        prepare=True,
    ).fetchone()[0]
    conn.execute(FLOOR_SQL["event"], {"r": r}, prepare=True)
    conn.execute(FLOOR_SQL["outbox"], prepare=True)
    return int(r)


def floor(items: list[dict[str, Any]]) -> float:
    salt = random.randrange(10**9)
    with psycopg.connect(dsn()) as conn:
        t0 = time.perf_counter()
        for body in items:
            floor_insert(conn, body, salt)
            conn.commit()
        elapsed = time.perf_counter() - t0
        conn.execute("DELETE FROM reports WHERE public_id LIKE 'FLR-%'")
        conn.execute("DELETE FROM outbox WHERE event_type = 'bench.floor'")
    return len(items) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    load_dotenv(ROOT / ".env", override=False)
    rng = random.Random(11)
    with psycopg.connect(dsn()) as conn:
        total = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        items = bodies(conn, args.requests * 2, rng)
    floor_rate = floor(items[args.requests :])
    rate, latencies, errors = through_gunicorn(items[: args.requests], args.clients, args.workers)

    print(f"reports in the database:           {total:>10,}")
    print(
        f"POST /api/v1/reports via gunicorn: {rate:>10,.0f} reports/s  ({args.requests:,} requests, "
        f"{args.clients} clients, {args.workers} workers, {errors} errors)"
    )
    print(
        f"  latency p50 / p95 / p99:         "
        f"{pct(latencies, 0.5):.0f} / {pct(latencies, 0.95):.0f} / {pct(latencies, 0.99):.0f} ms"
    )
    print(f"floor: same statements via psycopg, one process: {floor_rate:,.0f} reports/s")
    print(f"ratio API / floor:                 {rate / floor_rate:>10.2f}  (goal >= 0.5)")


if __name__ == "__main__":
    main()
