"""Seed the demo city with N reports shaped like Boston's real 311 load (default 1,000,000).

Category mix, arrival times and resolution times come from the Boston 2015 requests (shifted so the
newest is a day old); locations are random points in Kraków's districts, in proportion to their
population. Seeded rows come through the import channel and are told by their description
('Seeded report (…)'); running again tops up to N and never duplicates.

    .venv/bin/python bench/seed.py [--reports N]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import boston  # noqa: E402

BOSTON = ZoneInfo("America/New_York")
OPEN_STATES = ("submitted", "acknowledged", "in_progress")


def dsn() -> str:
    load_dotenv(ROOT / ".env", override=False)
    return os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")


def maintain(*statements: str) -> None:
    """VACUUM/ANALYZE after a bulk load, as the tables' owner (DATABASE_OWNER_URL): the application's role owns
    nothing, and PostgreSQL skips tables it does not own."""
    load_dotenv(ROOT / ".env", override=False)
    url = os.environ.get("DATABASE_OWNER_URL") or os.environ["DATABASE_URL"]
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as owner:
        for statement in statements:
            owner.execute(statement)


def seed(conn: psycopg.Connection, target: int, rng: random.Random) -> int:
    """Top the seeded reports up to `target`; returns how many were added."""
    have = conn.execute(
        "SELECT count(*) FROM reports WHERE channel = 'import' AND description LIKE 'Seeded report (%'"
    ).fetchone()[0]
    missing = target - have
    if missing <= 0:
        return 0
    jid, prefix = conn.execute("SELECT id, report_prefix FROM jurisdictions WHERE code = '1261011'").fetchone()
    services = {
        code: (sid, dept, sla)
        for sid, code, dept, sla in conn.execute(
            "SELECT id, code, department_id, sla_hours FROM services WHERE jurisdiction_id = %s", (jid,)
        )
    }
    areas = conn.execute("SELECT id, population FROM areas WHERE jurisdiction_id = %s ORDER BY id", (jid,)).fetchall()
    total_pop = sum(p for _, p in areas)
    points: list[tuple[int, float, float]] = []
    for area_id, population in areas:
        n = round(missing * population / total_pop) + 1
        rows = conn.execute(
            """SELECT ST_X(g.geom), ST_Y(g.geom) FROM areas a,
                               ST_Dump(ST_GeneratePoints(a.boundary, %s, %s)) g WHERE a.id = %s""",
            (n, rng.randrange(1, 10**6), area_id),
        ).fetchall()
        points += [(area_id, x, y) for x, y in rows]
    rng.shuffle(points)
    requests = boston.load()
    newest = max(r.opened for r in requests)
    shift = datetime.now(UTC) - timedelta(days=1) - newest.replace(tzinfo=BOSTON)
    counters: dict[int, int] = dict(
        conn.execute("SELECT year, last_number FROM report_counters WHERE jurisdiction_id = %s", (jid,)).fetchall()
    )
    columns = (
        "public_id, jurisdiction_id, area_id, service_id, department_id, description, location, answers, "
        "status, priority, locale, channel, anonymous, support_count, hidden, requested_at, updated_at, "
        "acknowledged_at, resolved_at, closed_at, sla_due_at"
    )
    with conn.cursor() as cur, cur.copy(f"COPY reports ({columns}) FROM STDIN") as copy:
        for i in range(missing):
            req = requests[rng.randrange(len(requests))]
            sid, dept, sla = services[req.service]
            area_id, x, y = points[i]
            opened = req.opened.replace(tzinfo=BOSTON) + shift
            closed = req.closed.replace(tzinfo=BOSTON) + shift if req.closed else None
            if closed is not None and closed > datetime.now(UTC):
                closed = None
            year = opened.astimezone(ZoneInfo("Europe/Warsaw")).year
            counters[year] = counters.get(year, 0) + 1
            status = "closed" if closed else rng.choice(OPEN_STATES)
            copy.write_row(
                (
                    f"{prefix}-{year}-{counters[year]:06d}",
                    jid,
                    area_id,
                    sid,
                    dept,
                    f"Seeded report ({req.service})",
                    f"SRID=4326;POINT({x} {y})",
                    "{}",
                    status,
                    "normal",
                    "pl",
                    "import",
                    False,
                    0,
                    False,
                    opened,
                    closed or opened,
                    None if status == "submitted" else opened + timedelta(hours=2),
                    closed,
                    closed,
                    opened + timedelta(hours=sla) if sla else None,
                )
            )
    for year, number in counters.items():
        conn.execute(
            """INSERT INTO report_counters (jurisdiction_id, year, last_number) VALUES (%s, %s, %s)
                        ON CONFLICT (jurisdiction_id, year) DO UPDATE SET last_number = EXCLUDED.last_number""",
            (jid, year, number),
        )
    conn.commit()
    conn.commit()
    # The seeded rows bypass the use cases: recount the map's and the queue's count tables.
    from sqlalchemy import create_engine

    from backend.reporting import counts

    engine = create_engine(os.environ["DATABASE_URL"])
    with engine.begin() as sa_conn:
        counts.rebuild(sa_conn)
    engine.dispose()
    # What autovacuum would do shortly after a bulk load: statistics, and the visibility map that lets the
    # overdue counts be answered from their index alone.
    conn.commit()
    maintain("VACUUM ANALYZE reports", "ANALYZE report_cell_counts")
    return missing


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1_000_000)
    args = parser.parse_args()
    with psycopg.connect(dsn()) as conn:
        t0 = time.perf_counter()
        added = seed(conn, args.reports, random.Random(2015))
        total = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    print(f"seeded {added:,} reports in {time.perf_counter() - t0:.1f} s; {total:,} reports in the database")


if __name__ == "__main__":
    main()
