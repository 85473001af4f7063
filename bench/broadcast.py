"""A broadcast to every device following one district (10,000, then 100,000 devices): from the send request to
the last request at the fake FCM server (its own process), through the broadcast fan-out in batches, a real
Celery worker (prefork, 2 processes) and firebase-admin. The floor, same run and server: `send_each` alone
with the same chunks. The worker's peak RSS (VmHWM) for both audience sizes shows whether memory is flat.

    .venv/bin/python bench/broadcast.py [--large 100000] [--small 10000]
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.push_fanout import (  # noqa: E402
    CHUNK,
    celery_worker,
    fake_fcm_process,
    floor,
    peak_rss_kb,
    reset,
    wait_for_tokens,
    worker_pids,
)
from bench.seed import dsn, maintain  # noqa: E402


def followers(conn: psycopg.Connection, n: int, area_code: str, tag: str) -> None:
    """n devices following the topic `weather`, each with a saved place at a random point of the district."""
    area_id, jid = conn.execute(
        "SELECT a.id, a.jurisdiction_id FROM areas a JOIN jurisdictions j "
        "ON j.id = a.jurisdiction_id WHERE j.code = '1261011' AND a.code = %s",
        (area_code,),
    ).fetchone()
    conn.execute("DELETE FROM devices WHERE id IN (SELECT device_id FROM device_places WHERE area_id = %s)", (area_id,))
    conn.execute(
        """
        WITH d AS (
            INSERT INTO devices (platform, locale, token_hash, push_token, topics, created_at, updated_at)
            SELECT 'android', (ARRAY['pl','uk','en'])[1 + i %% 3], md5(%(tag)s || i) || md5(i || %(tag)s),
                   'ok-' || %(tag)s || '-' || i, '{my_reports,emergency,weather}', now(), now()
            FROM generate_series(1, %(n)s) i RETURNING id),
        numbered AS (SELECT id, row_number() OVER () AS k FROM d),
        points AS (SELECT g.geom, row_number() OVER () AS k
                   FROM areas a, ST_Dump(ST_GeneratePoints(a.boundary, %(n)s, 7)) g WHERE a.id = %(area)s)
        INSERT INTO device_places (device_id, label, location, jurisdiction_id, area_id, created_at)
        SELECT numbered.id, 'home', points.geom::geography, %(jid)s, %(area)s, now()
        FROM numbered JOIN points USING (k)""",
        {"tag": tag, "n": n, "area": area_id, "jid": jid},
    )
    conn.commit()
    maintain("ANALYZE devices", "ANALYZE device_places")


def send(n: int, area_code: str, env: dict[str, str], port: int) -> dict[str, Any]:
    from sqlalchemy import select

    from backend import broadcasts
    from backend.app import create_app
    from backend.db import session
    from backend.models import StaffUser

    with psycopg.connect(dsn()) as conn:
        followers(conn, n, area_code, uuid.uuid4().hex[:8])
    with celery_worker(env) as worker:
        reset(port)
        app = create_app(env)
        with app.app_context():
            staff = session().scalars(select(StaffUser).where(StaffUser.email == "admin@krakow.example")).one()
            t0 = time.time()
            created = broadcasts.create(
                staff,
                {
                    "topic": "weather",
                    "audience": "areas",
                    "areas": [area_code],
                    "texts": {
                        "pl": {"title": "Ostrzeżenie przed burzą", "body": "Silny wiatr po 18:00."},
                        "uk": {"title": "Попередження про грозу", "body": "Сильний вітер після 18:00."},
                    },
                },
            )
        got = wait_for_tokens(port, n, 900)
        rss = peak_rss_kb(worker_pids(worker.pid))
        with psycopg.connect(dsn()) as conn:
            targeted = conn.execute(
                "SELECT count(*) FROM notifications WHERE broadcast_id = %s", (created["id"],)
            ).fetchone()[0]
    elapsed = got["last_at"] - t0
    return {
        "n": n,
        "targeted": targeted,
        "seconds": elapsed,
        "rate": got["distinct_tokens"] / elapsed,
        "rss_mb": rss / 1024,
        "accepted": got["accepted"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()
    load_dotenv(ROOT / ".env", override=False)
    with fake_fcm_process("hromada-broadcast-bench-") as (port, credentials, url, env):
        runs = [send(args.small, "IV", env, port), send(args.large, "XIII", env, port)]
        reset(port)
        floor_seconds = floor(str(credentials), url, args.small, uuid.uuid4().hex[:6])
    floor_rate = args.small / floor_seconds
    print(
        f"floor: send_each alone, {args.small:,} messages in chunks of {CHUNK}: {floor_seconds:.2f} s, "
        f"{floor_rate:,.0f} messages/s"
    )
    for r in runs:
        print(
            f"broadcast to {r['n']:,} devices of one district (targeted {r['targeted']:,}): last message after "
            f"{r['seconds']:.1f} s, {r['rate']:,.0f} messages/s, ratio to the floor {r['rate'] / floor_rate:.2f}; "
            f"worker peak RSS {r['rss_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
