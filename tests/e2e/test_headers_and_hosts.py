"""Security headers on every answer of every route, caches kept away from personal answers, pages nobody can
frame, and absolute URLs that a forged Host header cannot change.

The routes are read from the app's URL map when the test runs, so a route added later is covered without a
change here."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from backend.staff import create_staff
from tests.conftest import make_app
from tests.e2e.conftest import CHROMIUM, HTTPS, POTHOLE, TOTP_SECRET, Resident, api_headers, base, web_session

#: A value for each path variable of the routes (a real report where a report is named: its pages answer 200).
SAMPLE = {"fmt": "json", "fmt_": "csv", "kind": "photos", "code": "sla-on-time", "name": "x", "value": "x", "path": "x",
          "z": "13", "x": "4549", "y": "2777", "slug": "krakow"}
FILES = {"static": "x", "web.static": "admin.css", "swagger_assets.asset": "swagger-ui.css"}
EVIL = "evil.example"


@pytest.fixture(scope="module")
def world(app: Flask, cities: dict) -> dict[str, Any]:
    """A resident with a report, and an admin signed in to the staff API and to the web UI."""
    client = app.test_client()
    me = Resident(client)
    report = me.report()
    email = f"headers-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password="correct horse battery staple", role="admin", jurisdiction_code="1261011",
                     totp_secret=TOTP_SECRET)
    web, _ = web_session(app, email)
    return {"resident": me.headers, "report": report, "staff": api_headers(app, email), "web": web}


def paths(app: Flask, report: dict[str, Any]) -> Iterator[tuple[Rule, str]]:
    """Every rule of the URL map with its variables filled in."""
    ids = {"report_id": report["id"], "report_ref": report["public_id"], "ref": report["public_id"],
           "public_id": report["public_id"]}
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        for rule in app.url_map.iter_rules():
            values: dict[str, Any] = {}
            for arg in rule.arguments:
                if arg == "filename":
                    values[arg] = FILES[rule.endpoint]
                elif arg in ids:
                    values[arg] = ids[arg]
                elif arg.endswith("_id"):
                    values[arg] = 1
                else:
                    values[arg] = SAMPLE[arg]
            yield rule, adapter.build(rule.endpoint, values, method=sorted(rule.methods or {"GET"})[0])


def ask(world: dict[str, Any], client: FlaskClient, method: str, path: str, credentials: bool) -> Any:
    """One request: with the credential its part of the app takes (a device token, a staff token, the staff UI's
    session), or with none."""
    if credentials and path.startswith("/admin"):
        return world["web"].open(path, method=method, base_url=HTTPS)
    headers = {}
    if credentials and path.startswith("/api/v1"):
        headers = world["resident"]
    elif credentials and path.startswith("/api/admin"):
        headers = world["staff"]
    return client.open(path, method=method, headers=headers)


def test_every_answer_of_every_route_has_nosniff_a_csp_and_pages_cannot_be_framed(
    app: Flask, world: dict[str, Any]
) -> None:
    client = app.test_client()
    seen: dict[str, int] = {"answers": 0, "pages": 0, "2xx": 0}
    for rule, path in paths(app, world["report"]):
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        signing_in = rule.endpoint.startswith("web.login")  # the sign-in steps restart a session: asked without
        asked = [(m, False) for m in methods] + [("GET", True)] * ("GET" in methods and not signing_in)
        for method, credentials in asked:
            got = ask(world, client, method, path, credentials)
            where = (method, path, credentials, got.status_code)
            assert got.status_code < 500, where
            assert got.headers.get("X-Content-Type-Options") == "nosniff", where
            assert "frame-ancestors 'none'" in got.headers.get("Content-Security-Policy", ""), where
            if got.mimetype == "text/html":
                assert got.headers.get("X-Frame-Options") == "DENY", where
                seen["pages"] += 1
            seen["answers"] += 1
            seen["2xx"] += got.status_code < 300
    for path in ("/no-such-page", "/api/v1/no-such", "/admin/no-such", "/open311/v2/no-such.json", "/media/x"):
        got = client.get(path)
        assert got.status_code == 404 and got.headers.get("X-Content-Type-Options") == "nosniff", path
        assert "frame-ancestors 'none'" in got.headers["Content-Security-Policy"], path
    assert seen["answers"] > 150 and seen["pages"] > 15 and seen["2xx"] > 45, seen


def test_staff_and_personal_answers_are_never_stored_by_a_cache_and_public_reads_stay_cacheable(
    app: Flask, world: dict[str, Any]
) -> None:
    client = app.test_client()
    ref = world["report"]["public_id"]
    private = [
        ("GET", "/api/admin/me", world["staff"]),
        ("GET", f"/api/admin/reports/{world['report']['id']}", world["staff"]),
        ("GET", "/api/admin/nothing-here", world["staff"]),
        ("GET", "/api/v1/me/reports", world["resident"]),
        ("GET", "/api/v1/me/export", world["resident"]),
        ("GET", "/api/v1/me/notifications", world["resident"]),
        ("GET", f"/api/v1/reports/{ref}", world["resident"]),  # the resident's own view of their report
        ("GET", f"/api/v1/reports/{ref}/feedback", world["resident"]),
        ("GET", "/api/v1/feedback?token=not-a-link", {}),
        ("GET", "/api/v1/email/unsubscribe?token=not-a-link", {}),
        ("POST", "/api/v1/devices", {}),  # the answer holds the device's token
    ]
    for method, path, headers in private:
        got = client.open(path, method=method, headers=headers, json={"platform": "android", "locale": "pl"})
        assert "no-store" in got.headers.get("Cache-Control", ""), (path, got.status_code)
    page = world["web"].get("/admin/queue", base_url=HTTPS)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    made = client.post("/api/v1/reports", json=POTHOLE, headers=world["resident"])
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    feed = client.get("/api/admin/indicator-values", headers=world["staff"])
    assert feed.status_code == 200 and feed.headers["Cache-Control"] == "private, no-cache" and feed.headers["ETag"]
    assert client.get("/api/admin/indicator-values", headers={**world["staff"], "If-None-Match": feed.headers["ETag"]}
                      ).status_code == 304
    public = [
        f"/api/v1/reports/{ref}",
        "/api/v1/reports?bbox=19.93,50.06,19.94,50.065&zoom=17",
        "/api/v1/services?lat=50.0617&lon=19.9373",
        "/open311/v2/requests.json?jurisdiction_id=1261011",
        "/open311/v2/discovery.xml",
        "/api/v1/openapi.json",
    ]
    for path in public:
        got = client.get(path)
        assert got.status_code == 200 and "no-store" not in got.headers.get("Cache-Control", ""), path
    open_data = client.get("/api/v1/open-data/indicator-values?jurisdiction=krakow")
    assert open_data.headers["Cache-Control"] == "public, max-age=300" and open_data.headers["ETag"]


# -- in a browser --------------------------------------------------------------------------------------------


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by `make test`")
def test_in_a_browser_the_pages_work_under_their_policy_and_no_other_site_can_frame_them(
    server: Any, browser: Any
) -> None:
    context = browser.new_context()
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{base(server)}/api/v1/email/unsubscribe?token=not-a-link")
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "640px"  # its own <style> applies
    for docs in ("/api/v1/docs", "/api/admin/docs"):
        page.goto(f"{base(server)}{docs}")
        page.wait_for_selector(".swagger-ui .info .title", timeout=30000)  # Swagger UI ran and read the document
        assert page.locator(".opblock").count() > 10
    assert refused == []
    framing: list[str] = []
    page = context.new_page()  # another site's page (a blank one of no origin of ours, no policy of its own)
    page.on("console", lambda m: framing.append(m.text))
    page.set_content(
        f'<iframe id="f" src="{base(server)}/api/v1/email/unsubscribe?token=not-a-link"></iframe>'
        f'<iframe id="d" src="{base(server)}/api/v1/docs"></iframe>'
    )
    page.wait_for_timeout(1500)
    for frame in page.frames[1:]:
        assert "page-title" not in frame.content() and "swagger" not in frame.content()
    assert sum("frame-ancestors" in text or "Refused to frame" in text for text in framing) == 2, framing
    context.close()


# -- hosts ---------------------------------------------------------------------------------------------------


def test_in_production_no_answer_takes_a_url_from_a_forged_host_header(
    migrated: str, redis_url: str, world: dict[str, Any]
) -> None:
    production = make_app(migrated, redis_url, HROMADA_ENV="production", PUBLIC_BASE_URL="https://hromada.krakow.example")
    client = production.test_client()
    forged = {"Host": EVIL, "X-Forwarded-Host": EVIL}
    checked = 0
    for rule, path in paths(production, world["report"]):
        if "GET" not in (rule.methods or set()):
            continue
        for headers in ({}, world["resident"] if path.startswith("/api/v1") else world["staff"]):
            got = client.get(path, headers={**headers, **forged})
            assert EVIL not in got.get_data(as_text=True) and EVIL not in str(got.headers), path
            checked += 1
    signed_out = client.get("/admin/queue", headers=forged)
    assert signed_out.status_code == 302 and EVIL not in signed_out.headers["Location"]
    discovery = client.get("/open311/v2/discovery.json", headers=forged).json
    assert discovery["endpoints"][0]["url"] == "https://hromada.krakow.example/open311/v2"
    assert checked > 100


@pytest.fixture(scope="module")
def trusted(migrated: str, redis_url: str) -> Flask:
    """Production with a trusted-host list and no PUBLIC_BASE_URL."""
    return make_app(migrated, redis_url, HROMADA_ENV="production", PUBLIC_BASE_URL="",
                    TRUSTED_HOSTS="hromada.krakow.example, .gmina.example")


def test_with_trusted_hosts_another_host_gets_a_400_and_links_come_from_the_checked_host(
    trusted: Flask, cities: dict
) -> None:
    client = trusted.test_client()
    for path in ("/healthz", "/open311/v2/discovery.json", "/api/v1/docs", "/admin/login"):
        refused = client.get(path, headers={"Host": EVIL})
        assert refused.status_code == 400, path
        assert refused.headers["X-Content-Type-Options"] == "nosniff"
    for host in ("hromada.krakow.example", "hromada.gmina.example"):
        got = client.get("/open311/v2/discovery.json", base_url=f"https://{host}")
        assert got.status_code == 200 and got.json["endpoints"][0]["url"] == f"https://{host}/open311/v2"
    settings = trusted.config["HROMADA_SETTINGS"]
    assert settings.public_base() == "https://hromada.krakow.example"  # e-mails, outside any request


def test_behind_one_proxy_two_residents_get_their_own_rate_limit_buckets(
    migrated: str, redis_url: str, cities: dict
) -> None:
    limit = {"RATE_LIMIT_DEVICE_REGISTRATION": "2/hour", "RATELIMIT_ENABLED": "true"}
    proxy, first, second = _address(), _address(), _address()  # every request arrives from the proxy

    def register(app: Flask, forwarded_for: str) -> int:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = proxy
        body = {"platform": "android", "locale": "pl"}
        return int(client.post("/api/v1/devices", json=body, headers={"X-Forwarded-For": forwarded_for}).status_code)

    behind = make_app(migrated, redis_url, PROXY_FIX_X_FOR="1", **limit)
    assert [register(behind, first) for _ in range(3)] == [201, 201, 429]
    assert register(behind, second) == 201  # the other resident behind the same proxy: a bucket of their own
    assert register(behind, f"{second}, {first}") == 429  # a client cannot pick its address: the proxy's entry counts
    proxy = _address()
    direct = make_app(migrated, redis_url, **limit)  # no proxy configured: the header is the caller's, ignored
    assert [register(direct, _address()) for _ in range(3)] == [201, 201, 429]


def _address() -> str:
    """An address of its own for each use (an IPv6 /64 of the documentation range: limits count per /64)."""
    groups = uuid.uuid4().hex
    return f"2001:db8:{groups[:4]}:{groups[4:8]}::1"
