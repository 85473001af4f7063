"""Locating 100k random points inside Kraków: one by one through geo.locate vs one set-based statement.

Floors measured in the same run: the same one-point SQL issued directly through psycopg (no
SQLAlchemy), and a bare `SELECT 1` round trip (the cost of any one-by-one call).
Run with `make bench` (it sets up the database and loads the demo city first).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=100_000)
    args = parser.parse_args()
    from dotenv import load_dotenv

    load_dotenv(ROOT / ".env", override=False)

    import psycopg
    from sqlalchemy import text

    from backend.app import create_app
    from backend.db import session
    from geo.locate import _LOCATE, locate, locate_many

    app = create_app()
    with app.app_context():
        s = session()
        points = s.execute(
            text("""
            SELECT ST_X(g.geom), ST_Y(g.geom)
            FROM jurisdictions j, ST_Dump(ST_GeneratePoints(j.boundary, :n, 2026)) g
            WHERE j.code = '1261011'
        """),
            {"n": args.points},
        ).all()
        if len(points) != args.points:
            sys.exit("load Kraków first: hromada load-city cities/krakow")
        points = [(float(x), float(y)) for x, y in points]

        t0 = time.perf_counter()
        one_by_one = [locate(s, lon, lat) for lon, lat in points]
        t_one = time.perf_counter() - t0

        t0 = time.perf_counter()
        set_based = locate_many(s, points)
        t_set = time.perf_counter() - t0
        s.rollback()

    assert one_by_one == set_based, "the two methods disagree"
    missing = sum(1 for x in set_based if x is None or x.jurisdiction_code != "1261011")

    dsn = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    sql = str(_LOCATE.compile(compile_kwargs={})).replace(":lon", "%(lon)s").replace(":lat", "%(lat)s")
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        sample = points[: min(len(points), 20_000)]
        t0 = time.perf_counter()
        for lon, lat in sample:
            cur.execute(sql, {"lon": lon, "lat": lat}, prepare=True)
            cur.fetchone()
        t_raw = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in sample:
            cur.execute("SELECT 1", prepare=True)
            cur.fetchone()
        t_select1 = time.perf_counter() - t0

    rate_one, rate_set = len(points) / t_one, len(points) / t_set
    rate_raw, rate_floor = len(sample) / t_raw, len(sample) / t_select1
    print(f"points located:                     {len(points):>10,}  (outside Kraków: {missing})")
    print(f"geo.locate one by one:              {rate_one:>10,.0f} points/s  ({t_one:.2f} s)")
    print(f"geo.locate_many, one statement:     {rate_set:>10,.0f} points/s  ({t_set:.2f} s)")
    print(f"floor: same SQL via raw psycopg:    {rate_raw:>10,.0f} points/s  ({len(sample):,} points)")
    print(f"floor: SELECT 1 round trips:        {rate_floor:>10,.0f} calls/s")
    print(f"ratio set-based / one-by-one:       {rate_set / rate_one:>10.1f}x")
    print(f"ratio one-by-one / raw psycopg:     {rate_one / rate_raw:>10.2f}  (SQLAlchemy + Python overhead)")
    print(f"ratio one-by-one / SELECT 1 floor:  {rate_one / rate_floor:>10.2f}")


if __name__ == "__main__":
    main()
