"""GET /api/v1/reports?bbox= at city zoom (clusters) and street zoom (points) vs the same SQL via psycopg,
and the cost the cell-count table adds to report intake.

Run after bench/seed.py (1M reports). Latency is per request, one client, through gunicorn.

    .venv/bin/python bench/map.py [--requests 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from dotenv import load_dotenv
from sqlalchemy.dialects import postgresql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn, pct, timed_get  # noqa: E402
from bench.reports_submit import bodies, floor_insert  # noqa: E402
from bench.seed import dsn  # noqa: E402
from geo import grid  # noqa: E402

KRAKOW = (19.79, 49.97, 20.21, 50.12)
WORLD = (-180.0, -90.0, 180.0, 90.0)


def boxes(rng: random.Random, n: int, width: float) -> list[tuple[float, float, float, float]]:
    out = []
    for _ in range(n):
        w = width * rng.uniform(0.7, 1.3)
        x0 = rng.uniform(KRAKOW[0], KRAKOW[2] - w)
        y0 = rng.uniform(KRAKOW[1], KRAKOW[3] - w / 2)
        out.append((x0, y0, x0 + w, y0 + w / 2))
    return out


def sql_params(box: tuple[float, float, float, float], zoom: int, since: str | None) -> tuple[Any, dict[str, Any]]:
    band = grid.band_for_zoom(zoom)
    if band is None:
        return grid._POINTS, {
            "x0": box[0],
            "y0": box[1],
            "x1": box[2],
            "y1": box[3],
            "since": since,
            "statuses": None,
            "service_ids": None,
            "before_id": None,
            "limit": 200,
        }
    size = grid.BANDS[band]
    cx0, cy0, cx1, cy1 = grid.snap(box, band)
    return grid._CLUSTERS, {
        "band": band,
        "size": size,
        "cx0": cx0,
        "cy0": cy0,
        "cx1": cx1,
        "cy1": cy1,
        "x0": cx0 * size,
        "y0": cy0 * size,
        "x1": (cx1 + 1) * size,
        "y1": (cy1 + 1) * size,
        "since": since,
        "statuses": None,
        "service_ids": None,
    }


def served(conn: psycopg.Connection, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The box clamped to the extent of the areas served, as the API does it (the same statement, one round trip)."""
    x0, y0, x1, y1 = conn.execute(compiled(grid._EXTENT), prepare=False).fetchone()
    return max(box[0], x0), max(box[1], y0), min(box[2], x1), min(box[3], y1)


def compiled(stmt: Any) -> str:
    """A text() statement in psycopg's %(name)s style."""
    return str(stmt.compile(dialect=postgresql.dialect()))


def direct(conn: psycopg.Connection, stmt: Any, params: dict[str, Any]) -> float:
    sql = compiled(stmt)
    t0 = time.perf_counter()
    conn.execute(sql, params, prepare=False).fetchall()
    return time.perf_counter() - t0


def timed_direct(
    conn: psycopg.Connection, box: tuple[float, float, float, float], zoom: int, since: str | None
) -> float:
    """The floor of one map request: the extent, then the map's statement for the clamped box."""
    t0 = time.perf_counter()
    clamped = served(conn, box)
    return time.perf_counter() - t0 + direct(conn, *sql_params(clamped, zoom, since))


def intake_cost(n: int) -> tuple[float, float]:
    """Reports/s of the floor statements without and with the count-table upsert."""
    rng = random.Random(5)
    with psycopg.connect(dsn()) as conn:
        items = bodies(conn, 2 * n, rng)
        track_sql = compiled(grid._TRACK)
        rates = []
        for with_track, chunk in ((False, items[:n]), (True, items[n:])):
            salt = random.randrange(10**9)
            t0 = time.perf_counter()
            for body in chunk:
                r = floor_insert(conn, body, salt)
                if with_track:
                    conn.execute(
                        track_sql,
                        {"report_id": r, "delta": 1, "bands": list(grid.BANDS), "sizes": list(grid.BANDS.values())},
                        prepare=True,
                    )
                conn.commit()
            rates.append(len(chunk) / (time.perf_counter() - t0))
        # undo: remove the benchmark's reports and their counts
        for (rid,) in conn.execute("SELECT id FROM reports WHERE public_id LIKE 'FLR-%'").fetchall():
            conn.execute(
                track_sql,
                {"report_id": rid, "delta": -1, "bands": list(grid.BANDS), "sizes": list(grid.BANDS.values())},
            )
        conn.execute("DELETE FROM reports WHERE public_id LIKE 'FLR-%'")
        conn.execute("DELETE FROM outbox WHERE event_type = 'bench.floor'")
        conn.commit()
    return rates[0], rates[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    load_dotenv(ROOT / ".env", override=False)
    rng = random.Random(3)
    since = (datetime.now(UTC) - timedelta(days=45)).isoformat()
    scenarios = {
        "city zoom 12 (clusters)": (12, boxes(rng, args.requests, 0.25), None),
        "city zoom 12, last 45 days": (12, boxes(rng, args.requests, 0.25), since),
        "district zoom 14 (clusters)": (14, boxes(rng, args.requests, 0.06), None),
        "street zoom 17 (points)": (17, boxes(rng, args.requests, 0.008), None),
        "the world at zoom 10 (clamped)": (10, [WORLD] * args.requests, None),
    }
    results = {}
    with gunicorn(2) as port:
        health = [timed_get(port, "/healthz") for _ in range(args.requests)]
        with psycopg.connect(dsn()) as conn:
            total = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
            for name, (zoom, bxs, since_) in scenarios.items():
                extra = f"&since={quote(since_)}" if since_ else ""
                for box in bxs[:10]:  # warm both paths
                    timed_get(port, f"/api/v1/reports?bbox={','.join(map(str, box))}&zoom={zoom}{extra}")
                api = [timed_get(port, f"/api/v1/reports?bbox={','.join(map(str, b))}&zoom={zoom}{extra}") for b in bxs]
                sql = [timed_direct(conn, b, zoom, since_) for b in bxs]
                results[name] = (api, sql)
    without, with_counts = intake_cost(1000)
    print(f"reports in the database: {total:,}; {args.requests} random boxes per scenario")
    for name, (api, sql) in results.items():
        print(
            f"{name:<30} API p50 {pct(api, 0.5):6.1f} ms  p95 {pct(api, 0.95):6.1f} ms | direct SQL p50 "
            f"{pct(sql, 0.5):6.1f} ms  p95 {pct(sql, 0.95):6.1f} ms | ratio p95 {pct(api, 0.95) / pct(sql, 0.95):.2f}"
            f"  p50 {statistics.median(api) / statistics.median(sql):.2f}"
        )
    print(
        f"{'HTTP floor: GET /healthz':<30} p50 {pct(health, 0.5):6.1f} ms  p95 {pct(health, 0.95):6.1f} ms "
        "(gunicorn + Flask, no database)"
    )
    print(
        f"intake floor without the count table: {without:,.0f} reports/s; with it: {with_counts:,.0f} reports/s; "
        f"ratio {with_counts / without:.2f}"
    )


if __name__ == "__main__":
    main()
