"""The resident website's "Report a problem" page (/m/<city>/report, the page /report is for a single-city
install) in Debian's headless Chromium through gunicorn, the base map from the test tile server
(tests/support/tiles.py) and every request leaving 127.0.0.1 blocked:

1. the JS and CSS a first visit transfers, gzip-compressed (each body compressed at level 6 here when the server
   sends it uncompressed), tiles excluded, against the budget of 150 kB (150,000 bytes);
2. the time to an interactive form, cold cache, CPU throttled 4× and slow 3G (400 ms, 400 kbit/s each way):
   from the start of the navigation to the frame after the form's first control is visible and enabled (forms.js
   unhides the form on DOMContentLoaded, after leaflet.js, site.js and forms.js ran; the services list comes
   later, when the form's data-ready turns "true", timed too); median of --runs, against the floor of a page of
   the same server with nothing but text (the page of an e-mail link that is not valid, /api/v1/feedback), timed
   to the frame after its heading is visible, the same way, in the same run.

Run after `hromada load-city cities/krakow`.

    .venv/bin/python bench/resident_site.py [--runs 5] [--city krakow]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn  # noqa: E402
from tests.support.tiles import TileServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
BUDGET = 150_000  # bytes of JS and CSS, gzip-compressed, on a first visit to /report
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 51_200, "uploadThroughput": 51_200}
CPU_SLOWDOWN = 4
FLOOR_PATH = "/api/v1/feedback?token=not-a-link&fixed=true"  # resident/link.html: a heading and a sentence

# Put into every document before its own scripts: the first moment (performance.now(), from the navigation's
# start) the `field` is visible and enabled, the frame after it (when it can be on screen), and when `ready`
# matches. A MutationObserver rather than polling, so that the measure adds no timer to the throttled page.
PROBE = """
(() => {
  const spec = %s;
  const out = window.__bench = { visible: null, painted: null, ready: spec.ready ? null : 0, field: null };
  function shown(node) {
    if (!node || node.disabled || node.closest("[hidden]")) { return false; }
    const box = node.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(node).visibility !== "hidden";
  }
  function check() {
    if (out.visible === null) {
      const node = document.querySelector(spec.field);
      if (shown(node)) {
        out.visible = performance.now();
        out.field = node.id || node.tagName.toLowerCase();
        requestAnimationFrame(() => { out.painted = performance.now(); });
      }
    }
    if (out.ready === null && document.querySelector(spec.ready)) { out.ready = performance.now(); }
    if (out.visible !== null && out.ready !== null) { observer.disconnect(); }
  }
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, attributes: true,
    attributeFilter: ["hidden", "disabled", "class", "style", "data-ready"] });
  document.addEventListener("DOMContentLoaded", check);
  window.addEventListener("load", check);
})();
"""

REPORT_FORM = {"field": "#report-form :is(input, select, textarea, button)", "ready": "#report-form[data-ready=true]"}
TEXT_PAGE = {"field": "#page-title", "ready": None}


class Local:
    """Every request of a browser context to 127.0.0.1 goes on; any other is aborted and counted."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    def __call__(self, route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()


def until(page: Any, js: str, seconds: float = 120.0) -> None:
    """Poll a condition every 250 ms (page.wait_for_function would evaluate a string, which the CSP forbids)."""
    for _ in range(int(seconds * 4)):
        if page.evaluate(js):
            return
        page.wait_for_timeout(250)
    raise RuntimeError(f"not true in {seconds:.0f} s at {page.url}: {js}")


def first_visit_bytes(browser: Any, url: str, tiles: str, local: Local) -> list[tuple[str, int, int]]:
    """(file, bytes of its body, bytes gzip-compressed) of each JS and CSS response of a first visit to `url`."""
    context = browser.new_context()
    context.route("**/*", local)
    page = context.new_page()
    responses: list[Any] = []
    page.on("response", lambda res: responses.append(res))
    page.goto(url)
    until(page, "document.getElementById('report-form').dataset.ready === 'true'")
    page.wait_for_load_state("networkidle")
    out = []
    for res in responses:
        kind = res.request.resource_type
        mime = res.headers.get("content-type", "")
        if res.url.startswith(tiles) or not (
            kind in ("script", "stylesheet") or "javascript" in mime or "text/css" in mime
        ):
            continue
        body = res.body()
        if res.headers.get("content-encoding"):  # compressed by the server: what went over the wire
            wire = res.request.sizes()["responseBodySize"]
        else:
            wire = len(gzip.compress(body, compresslevel=6))
        out.append((urlsplit(res.url).path, len(body), wire))
    context.close()
    return out


def time_to_interactive(browser: Any, url: str, spec: dict[str, Any], local: Local) -> dict[str, Any]:
    """One cold visit (a new context: empty cache, no connection) throttled: the page's figures in milliseconds."""
    context = browser.new_context()
    context.route("**/*", local)
    context.add_init_script(PROBE % json.dumps(spec))
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    page.goto(url, wait_until="commit", timeout=120_000)
    until(page, "Boolean(window.__bench) && window.__bench.painted !== null && window.__bench.ready !== null")
    found: dict[str, Any] = page.evaluate("window.__bench")
    context.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--city", default="krakow", help="the slug of a loaded municipality")
    args = parser.parse_args()
    load_dotenv(ROOT / ".env", override=False)
    from playwright.sync_api import sync_playwright

    local = Local()
    form: list[dict[str, Any]] = []
    floor: list[dict[str, Any]] = []
    with TileServer() as tiles:
        env = {"MAP_TILE_URL": tiles.template, "MAP_TILE_ATTRIBUTION": tiles.ATTRIBUTION, "RATELIMIT_ENABLED": "false"}
        with gunicorn(2, env=env) as port, sync_playwright() as pw:
            base = f"http://127.0.0.1:{port}"
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            files = first_visit_bytes(browser, f"{base}/m/{args.city}/report", tiles.origin, local)
            first_visit_bytes(browser, f"{base}/m/{args.city}/report", tiles.origin, local)  # the server warm
            for _ in range(args.runs):  # interleaved, so that both see the same machine
                form.append(time_to_interactive(browser, f"{base}/m/{args.city}/report", REPORT_FORM, local))
                floor.append(time_to_interactive(browser, f"{base}{FLOOR_PATH}", TEXT_PAGE, local))
            browser.close()
        tile_count = len(tiles.served())

    raw, wire = sum(f[1] for f in files), sum(f[2] for f in files)
    print(f"first visit to /m/{args.city}/report: JS and CSS (tiles excluded; gzip level 6 where the server sent none)")
    for path, size, packed in files:
        print(f"  {path:<28} {size:8,d} B  gzip {packed:7,d} B")
    print(
        f"  {'total':<28} {raw:8,d} B  gzip {wire:7,d} B = {wire / 1000:.1f} kB | budget {BUDGET / 1000:.0f} kB | "
        f"ratio {wire / BUDGET:.2f} ({'within' if wire <= BUDGET else 'OVER'} budget)"
    )
    painted = statistics.median(r["painted"] for r in form)
    ready = statistics.median(r["ready"] for r in form)
    base_painted = statistics.median(r["painted"] for r in floor)
    each_form = ", ".join(f"{r['painted']:.0f}" for r in form)
    each_floor = ", ".join(f"{r['painted']:.0f}" for r in floor)
    print(
        f"cold visit, headless Chromium, CPU {CPU_SLOWDOWN}x slower, slow 3G (400 ms, 400 kbit/s each way), "
        f"median of {args.runs}:"
    )
    print(f"  report form interactive (#{form[0]['field']} visible, enabled) {painted:7.0f} ms  [{each_form}]")
    print(f"  services listed (form data-ready)                     {ready:7.0f} ms")
    print(f"  floor: text-only page, heading visible                {base_painted:7.0f} ms  [{each_floor}]")
    print(f"  ratio to floor: interactive {painted / base_painted:.2f}, services listed {ready / base_painted:.2f}")
    print(f"{tile_count} distinct tiles from the test tile server; {len(local.blocked)} requests off 127.0.0.1 blocked")


if __name__ == "__main__":
    main()
