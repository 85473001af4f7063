"""The staff queue with 1M reports: a page of 50 plus the status counts, through gunicorn, against the
same SQL statements (page, counts) issued directly through psycopg; and what the counts cost.

    .venv/bin/python bench/staff_queue.py [--requests 100]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
from dotenv import load_dotenv
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import psycopg as pg_dialect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn, pct, request, timed_get  # noqa: E402
from bench.seed import dsn  # noqa: E402

SCENARIOS = {
    "newest, no filter": {},
    "status=submitted": {"status": "submitted"},
    "pothole + in_progress": {"service": "pothole", "status": "in_progress"},
    "overdue, by due time": {"overdue": "true", "sort": "due"},
    "full text 'pothole'": {"q": "pothole"},
}

#: The page's second statement: the approved photos of the rows shown.
PHOTOS = (
    "SELECT report_id, id, name, has_thumbnail FROM photos WHERE report_id = ANY(%s) AND state = 'approved'"
    " AND external_url IS NULL ORDER BY id"
)


def statements(params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The SQL the queue issues for these parameters (page, status counts), compiled."""
    from backend.app import create_app
    from backend.db import session
    from backend.models import StaffUser
    from backend.triage import queue

    app = create_app()
    with app.app_context():
        staff = session().scalars(select(StaffUser).where(StaffUser.email == "admin@krakow.example")).one()
        f: dict[str, Any] = {k: v.split(",") for k, v in params.items() if k in ("status", "service")}
        if params.get("overdue"):
            f["overdue"] = True
        if params.get("q"):
            f["q"] = params["q"]
        page = queue.page_stmt(staff, f, sort=params.get("sort", "newest"), cursor=None, limit=50)
        counts = queue.status_counts_stmt(staff, f)
        out = []
        for stmt in (page, counts):
            compiled = stmt.compile(dialect=pg_dialect.dialect(), compile_kwargs={"render_postcompile": True})
            out.append((str(compiled), dict(compiled.params)))
        session().rollback()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    load_dotenv(ROOT / ".env", override=False)
    rows = []
    with gunicorn(2) as port:
        login = {"email": "admin@krakow.example", "password": "hromada-demo"}
        token = request(port, "POST", "/api/admin/tokens", login)[1]["token"]
        headers = {"Authorization": f"Bearer {token}"}
        health = [timed_get(port, "/healthz") for _ in range(args.requests)]
        me = [timed_get(port, "/api/admin/me", headers) for _ in range(args.requests)]
        with psycopg.connect(dsn()) as db:
            total = db.execute("SELECT count(*) FROM reports").fetchone()[0]
            for name, params in SCENARIOS.items():
                path = "/api/admin/reports?" + urlencode({"limit": 50, **params})
                for _ in range(5):
                    timed_get(port, path, headers)
                api = [timed_get(port, path, headers) for _ in range(args.requests)]
                sqls = statements(params)
                page_only, full = [], []
                for _ in range(args.requests):
                    t0 = time.perf_counter()
                    ids = [row[0] for row in db.execute(sqls[0][0], sqls[0][1], prepare=False).fetchall()]
                    db.execute(PHOTOS, (ids[:50],), prepare=False).fetchall()
                    t1 = time.perf_counter()
                    for sql, p in sqls[1:]:
                        db.execute(sql, p, prepare=False).fetchall()
                    page_only.append(t1 - t0)
                    full.append(time.perf_counter() - t0)
                rows.append((name, api, full, page_only))
    print(f"reports in the database: {total:,}; {args.requests} requests per scenario, page of 50")
    for name, api, full, page_only in rows:
        print(
            f"{name:<26} API p50 {pct(api, 0.5):6.1f} p95 {pct(api, 0.95):6.1f} ms | direct SQL (page+photos+counts) "
            f"p50 {pct(full, 0.5):6.1f} p95 {pct(full, 0.95):6.1f} ms"
            f" | ratio p95 {pct(api, 0.95) / pct(full, 0.95):.2f}"
            f" | page alone p95 {pct(page_only, 0.95):6.1f} ms (counts {pct(full, 0.95) - pct(page_only, 0.95):+.1f})"
        )
    print(f"{'floor: GET /healthz':<26} p50 {pct(health, 0.5):6.1f} p95 {pct(health, 0.95):6.1f} ms (gunicorn + Flask)")
    print(
        f"{'floor: GET /api/admin/me':<26} p50 {pct(me, 0.5):6.1f} p95 {pct(me, 0.95):6.1f} ms "
        "(the same + staff token check: the fixed cost of every admin request)"
    )


if __name__ == "__main__":
    main()
