"""The managers' dashboard over the benchmark dataset (1,000,000 reports, the Kraków catalogue computed by
bench/indicators.py): server time of each page's JSON through gunicorn (p50/p95) against a `GET /healthz` floor
with the same session, and the time to a rendered page (charts drawn, map ready) in Debian's headless Chromium.

    .venv/bin/python bench/dashboard.py [--requests 40] [--renders 5]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn, pct  # noqa: E402

LOGIN = {"email": "admin@krakow.example", "password": "hromada-demo"}


def signed_in(port: int) -> object:
    """A requests session signed in to the staff web UI (the form, its CSRF token, the session cookie)."""
    import requests

    http = requests.Session()
    base = f"http://localhost:{port}"
    page = http.get(f"{base}/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = http.post(
        f"{base}/admin/login",
        data={**LOGIN, "csrf_token": token},
        headers={"Referer": f"{base}/admin/login"},
        allow_redirects=False,
    )
    if done.status_code != 302:
        raise RuntimeError(f"sign-in failed: {done.status_code}")
    return http


def timed(http: object, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        res = http.get(url)  # type: ignore[attr-defined]
        out.append(time.perf_counter() - t0)
        if res.status_code != 200:
            raise RuntimeError(f"{url}: {res.status_code}")
    return out


def render_times(port: int, pages: list[tuple[str, str]], runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    base = f"http://localhost:{port}"
    out: dict[str, list[float]] = {path: [] for path, _ in pages}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        page.goto(f"{base}/admin/login")
        page.fill("input[name=email]", LOGIN["email"])
        page.fill("input[name=password]", LOGIN["password"])
        page.click("button[type=submit]")
        page.wait_for_url("**/admin/queue**")
        for _ in range(runs):
            for path, ready in pages:
                t0 = time.perf_counter()
                page.goto(f"{base}{path}")
                while not page.evaluate(ready):
                    page.wait_for_timeout(5)
                out[path].append(time.perf_counter() - t0)
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--renders", type=int, default=5)
    args = parser.parse_args()
    load_dotenv(ROOT / ".env", override=False)
    import psycopg

    from bench.seed import dsn

    with psycopg.connect(dsn()) as conn:
        values = conn.execute(
            "SELECT count(*) FROM indicator_values v JOIN jurisdictions j ON j.id = "
            "v.jurisdiction_id WHERE j.code = '1261011'"
        ).fetchone()[0]
        reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        month = conn.execute(
            "SELECT to_char(date_trunc('month', now() AT TIME ZONE 'Europe/Warsaw') - interval '1 month', 'YYYY-MM')"
        ).fetchone()[0]
    if values == 0:
        raise SystemExit("no indicator values: run bench/indicators.py first")
    quarter = f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"
    jsons = [
        f"/admin/indicators/overview.json?period={month}",
        f"/admin/indicators/overview.json?period={month}&group=waste&area=I",
        f"/admin/indicators/sla-on-time/data.json?period={month}",
        f"/admin/indicators/resolve-median-h/data.json?period={month}&service=pothole",
        f"/admin/indicators/satisfaction-overall/data.json?period={quarter}",
    ]
    with gunicorn(2, env={"WEB_COOKIE_SECURE": "false", "RATELIMIT_ENABLED": "false"}) as port:
        http = signed_in(port)
        base = f"http://localhost:{port}"
        timed(http, f"{base}/healthz", 5)
        floor = timed(http, f"{base}/healthz", args.requests)
        results = {}
        for path in jsons:
            timed(http, f"{base}{path}", 3)
            results[path] = timed(http, f"{base}{path}", args.requests)
        renders = render_times(
            port,
            [
                (
                    f"/admin/indicators?period={month}",
                    "document.querySelectorAll('canvas.sparkline[data-drawn=true]').length > 0",
                ),
                (
                    f"/admin/indicators/sla-on-time?period={month}",
                    "document.getElementById('trend').dataset.drawn === 'true' && "
                    "document.getElementById('indicator-map').dataset.ready === 'true'",
                ),
            ],
            args.renders,
        )
    print(f"{reports:,} reports, {values:,} stored indicator values; {args.requests} requests each, gunicorn 2 workers")
    print(f"floor GET /healthz (same session)            p50 {pct(floor, 0.5):7.1f} ms  p95 {pct(floor, 0.95):7.1f} ms")
    for path, times in results.items():
        p95 = pct(times, 0.95)
        print(
            f"{path:70s} p50 {pct(times, 0.5):7.1f} ms  p95 {p95:7.1f} ms  "
            f"ratio p95 {p95 / pct(floor, 0.95):5.1f}  (goal < 200 ms: {'met' if p95 < 200 else 'NOT met'})"
        )
    for path, times in renders.items():
        print(f"rendered in Chromium {path:48s} median {pct(times, 0.5):7.0f} ms  max {max(times) * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
