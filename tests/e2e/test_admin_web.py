"""The staff web UI in a real headless Chromium (Debian's, driven by Playwright) against gunicorn, the test
database, the suite's Redis and the in-process Celery worker. Each step saves a screenshot under
test-artifacts/."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from backend.staff import create_staff
from backend.vocabulary import label
from tests.e2e.conftest import (
    CHROMIUM,
    HTTPS,
    PASSWORD,
    TOTP_SECRET,
    Resident,
    api_headers,
    base,
    page_sleep,
    shot,
    signed_in,
    until,
    web_session,
)
from tests.integration.test_load_city import run_cli
from tests.support.gunicorn import Gunicorn
from tests.support.waiting import eventually

OLD_TOWN = (50.0614, 19.9372)
ADDRESSES = Path(__file__).resolve().parents[1] / "fixtures" / "addresses_test.csv"
NOWA_HUTA = (50.0720, 20.0378)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by `make test`")


@pytest.fixture(scope="module")
def people(app: Flask, cities: dict) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    out = {}
    with app.app_context():
        for role in ("dispatcher", "manager"):
            out[role] = f"{role}-web-{tag}@krakow.example"
            create_staff(email=out[role], password=PASSWORD, role=role, jurisdiction_code="1261011")
    return out


def test_sign_in_gives_a_secure_http_only_cookie_and_the_queue(browser: Any, server: Gunicorn,
                                                                 people: dict) -> None:
    page = signed_in(browser, server, people["dispatcher"])
    cookie = next(c for c in page.context.cookies() if c["name"] == "hromada_staff")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    assert page.locator("table.reports").is_visible()
    headers = page.request.get(f"{base(server)}/admin/queue").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"
    shot(page, "queue")
    page.click("header button[value=uk]")  # the staff member's language, kept for the next sign-in too
    page.wait_for_load_state()
    assert "Черга" in page.locator("header nav").inner_text()
    assert page.locator("th", has_text="Статус").count() == 1
    page.click("header button[value=en]")
    page.wait_for_load_state()
    assert "Queue" in page.locator("header nav").inner_text()
    page.click("#signout")
    page.wait_for_url(re.compile(r".*/admin/login.*"))
    page.goto(f"{base(server)}/admin/queue")
    assert "/admin/login" in page.url
    page.context.close()


def test_filtering_the_queue_by_area_and_status_updates_the_list_and_the_map(
        app: Flask, browser: Any, server: Gunicorn, people: dict) -> None:
    client = app.test_client()
    me = Resident(client)
    tag = uuid.uuid4().hex[:6]
    old_town = me.report(description=f"Dziura na Rynku {tag}", lat=OLD_TOWN[0], lon=OLD_TOWN[1])
    me.report(description=f"Dziura w Nowej Hucie {tag}", lat=NOWA_HUTA[0], lon=NOWA_HUTA[1])
    page = signed_in(browser, server, people["dispatcher"])
    page.evaluate("window.__noReload = true")
    page.select_option("select[name=area]", ["I"])
    page.select_option("select[name=status]", ["submitted"])
    until(page, "document.getElementById('map').dataset.query && "
                           "document.getElementById('map').dataset.query.includes('area=I') && "
                           "document.getElementById('map').dataset.query.includes('status=submitted') && "
                           "document.getElementById('map').dataset.loading === 'false'")
    assert page.evaluate("window.__noReload") is True  # filtered in place
    rows = page.locator("table.reports tbody tr[data-id]")
    assert rows.count() >= 1
    areas = {a.strip() for a in page.locator("table.reports tbody tr[data-id] td:nth-child(4)").all_inner_texts()}
    statuses = {s.strip() for s in page.locator("table.reports tbody tr[data-id] td.status").all_inner_texts()}
    assert areas == {"I"} and statuses == {"submitted"}
    page.fill("#q", tag)
    until(page, f"document.getElementById('map').dataset.query.includes('q={tag}') && "
                           "document.getElementById('map').dataset.loading === 'false'")
    page.wait_for_timeout(300)
    ids = {int(i) for i in page.locator("table.reports tbody tr[data-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.id)")}
    assert ids == {old_town["id"]}  # the Nowa Huta one is in another district
    assert page.evaluate("document.getElementById('map').dataset.count") == "1"  # the map shows the same one
    shot(page, "queue-filtered")
    page.context.close()


def test_a_status_change_with_a_public_reply_updates_the_timeline_without_a_reload(
        app: Flask, browser: Any, server: Gunicorn, people: dict) -> None:
    made = Resident(app.test_client()).report(description="Latarnia nie świeci", service_code="street_light",
                                              answers={"problem": "off"})
    page = signed_in(browser, server, people["dispatcher"])
    page.goto(f"{base(server)}/admin/reports/{made['id']}")
    page.evaluate("window.__noReload = true")
    form = page.locator("form[data-action=status]")
    form.locator("select[name=status]").select_option("acknowledged")
    form.locator("input[name=body]").fill("Ekipa przyjedzie jutro.")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#report-panel .message")
    assert page.locator("#status").get_attribute("data-status") == "acknowledged"
    assert "Ekipa przyjedzie jutro." in page.locator("#timeline").inner_text()
    assert page.evaluate("window.__noReload") is True
    reply = page.locator("form[data-action=reply]")
    reply.locator("textarea").fill("Dziękujemy za zgłoszenie!")
    reply.locator("button[type=submit]").click()
    until(page, "document.getElementById('timeline').innerText.includes('Dziękujemy za zgłoszenie!')")
    assert page.evaluate("window.__noReload") is True
    shot(page, "report")
    page.context.close()


def test_merging_a_duplicate_into_a_nearby_report(app: Flask, browser: Any, server: Gunicorn, people: dict) -> None:
    client = app.test_client()
    first = Resident(client).report(description="Wielka dziura", lat=50.0700, lon=19.9100)
    second = Resident(client).report(description="Ta sama dziura", lat=50.07003, lon=19.91004)
    page = signed_in(browser, server, people["dispatcher"])
    page.goto(f"{base(server)}/admin/reports/{second['id']}")
    merge = page.locator("form[data-action=merge]")
    merge.locator("select[name=master_id]").select_option(str(first["id"]))
    merge.locator("button[type=submit]").click()
    page.wait_for_selector("#report-panel .message")
    assert page.locator("#status").get_attribute("data-status") == "duplicate"
    assert page.locator(f"a[href$='/admin/reports/{first['id']}']").count() >= 1  # "merged into"
    shot(page, "merged")
    page.context.close()
    detail = client.get(f"/api/admin/reports/{first['id']}", headers=api_headers(app, people["dispatcher"])).json
    assert detail["support_count"] >= 1  # the duplicate's reporter now supports the master


def test_a_stale_page_shows_what_changed_instead_of_overwriting(app: Flask, browser: Any, server: Gunicorn,
                                                                people: dict) -> None:
    client = app.test_client()
    made = Resident(client).report(description="Przewrócony znak", service_code="road_sign", answers={})
    page = signed_in(browser, server, people["dispatcher"])
    page.goto(f"{base(server)}/admin/reports/{made['id']}")
    headers = api_headers(app, people["dispatcher"])  # meanwhile, a colleague starts the work
    etag = client.get(f"/api/admin/reports/{made['id']}", headers=headers).headers["ETag"]
    assert client.post(f"/api/admin/reports/{made['id']}/status", json={"status": "in_progress"},
                       headers={**headers, "If-Match": etag}).status_code == 200
    form = page.locator("form[data-action=priority]")
    form.locator("select[name=priority]").select_option("urgent")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#report-panel .stale")
    changed = page.locator(".changed").inner_text()
    language = page.evaluate("document.documentElement.lang")  # in words, in the staff member's language
    assert f"{label('submitted', language)} → {label('in_progress', language)}" in changed
    assert page.locator("#status").get_attribute("data-status") == "in_progress"
    after = client.get(f"/api/admin/reports/{made['id']}", headers=headers).json
    assert after["priority"] == "normal"  # nothing was overwritten
    shot(page, "stale")
    page.context.close()


def test_a_form_post_without_the_csrf_token_is_refused(app: Flask, browser: Any, server: Gunicorn,
                                                        people: dict) -> None:
    made = Resident(app.test_client()).report(description="CSRF check")
    page = signed_in(browser, server, people["dispatcher"])
    res = page.request.post(f"{base(server)}/admin/reports/{made['id']}/note",
                            form={"etag": "x", "body": "forged"})
    assert res.status == 400
    ok = page.request.post(f"{base(server)}/admin/reports/{made['id']}/note", form={"etag": "x", "body": "real"},
                           headers={"X-CSRFToken": page.evaluate(
                               "JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")})
    assert ok.status == 200  # with the token it reaches the action (which then reports the stale ETag)
    page.context.close()


def test_a_radius_broadcast_is_previewed_sent_and_its_statistics_shown(
        app: Flask, browser: Any, server: Gunicorn, people: dict, worker: Any) -> None:
    client = app.test_client()
    resident = Resident(client)
    client.patch("/api/v1/devices/me", json={"push_token": f"ok-web-{uuid.uuid4().hex[:6]}"},
                 headers=resident.headers)
    resident.post("/api/v1/me/places", {"label": "dom", "lat": 50.0550, "lon": 19.9300})
    client.put("/api/v1/me/notification-preferences", json={"topics": {"city_news": True}},
               headers=resident.headers)
    page = signed_in(browser, server, people["manager"])
    page.goto(f"{base(server)}/admin/broadcasts")
    page.select_option("select[name=topic]", "city_news")
    page.check("input[name=audience][value=radius]")
    page.fill("#lat", "50.0550")
    page.fill("#lon", "19.9300")
    page.fill("#radius", "200")
    page.fill("input[name=title_pl]", "Festyn na Dębnikach")
    page.fill("textarea[name=body_pl]", "W sobotę od 12:00.")
    page.click("#preview-button")
    page.wait_for_selector("#preview .preview")
    assert re.search(r"\b[1-9]\d*\b", page.locator("#preview").inner_text())
    shot(page, "broadcast-compose")
    page.click("#compose button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/broadcasts/\d+$"))
    eventually(lambda: page.locator(".bstatus").inner_text() == "Wysłany", interval=0.5,  # the page is in Polish
               what=lambda: "the status Wysłany, not " + page.locator(".bstatus").inner_text(), sleep=page_sleep(page))
    until(page, "Number(document.querySelector('.sent').innerText) >= 1")
    assert int(page.locator(".targeted").inner_text()) >= 1
    assert page.locator("dd.audience").inner_text().startswith("200 m wokół: ")
    shot(page, "broadcast-stats")
    page.context.close()


def test_the_broadcast_pages_say_status_and_audience_in_words_and_fit_a_phone(
        app: Flask, browser: Any, server: Gunicorn, cities: dict, worker: Any) -> None:
    email = f"bc-words-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="manager", jurisdiction_code="1261011")
    assert run_cli(app, "load-addresses", "1261011", str(ADDRESSES)).exit_code == 0
    headers = api_headers(app, email)
    client = app.test_client()
    texts = {"pl": {"title": "Burza", "body": "Silny wiatr po 18:00."}}
    sent = {}
    for audience, where in (("radius", {"lat": 50.06232, "lon": 19.93877, "radius_m": 400}),  # at Floriańska 3
                            ("areas", {"areas": ["I"]})):
        res = client.post("/api/admin/broadcasts", json={"topic": "weather", "audience": audience, "texts": texts,
                                                         **where}, headers=headers)
        assert res.status_code == 201, res.json
        sent[audience] = res.json["id"]
    eventually(lambda: all(client.get(f"/api/admin/broadcasts/{i}", headers=headers).json["status"] == "sent"
                           for i in sent.values()), what="both broadcasts to be sent")
    page = signed_in(browser, server, email)
    words = {  # status, "400 m around <the nearest address>", the district by its code and name
        "pl": ("Wysłany", "400 m wokół: Floriańska 3", "Obszary: I Stare Miasto"),
        "uk": ("Надіслано", "400 м навколо: Флоріанська 3", "Райони: I Stare Miasto"),
    }
    for lang, (status, around, areas) in words.items():
        page.goto(f"{base(server)}/admin/broadcasts/{sent['radius']}")
        page.click(f"header button[value={lang}]")
        page.wait_for_load_state()
        eventually(lambda status=status: page.locator(".bstatus").inner_text() == status, interval=0.5,
                   what=f"the status in words ({status})", sleep=page_sleep(page))
        assert page.locator("dd.audience").inner_text() == around
        shot(page, f"broadcast-stats-{lang}")
        page.goto(f"{base(server)}/admin/broadcasts")
        for audience_kind, expected in (("radius", around), ("areas", areas)):
            row = page.locator("table.broadcasts tbody tr",
                               has=page.locator(f"a[href$='/admin/broadcasts/{sent[audience_kind]}']"))
            assert row.locator(".audience").inner_text() == expected
            assert row.locator(".bstatus").inner_text() == status
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
        form = page.locator("#compose").bounding_box()
        assert page.locator("#compose-map").bounding_box()["y"] >= form["y"] + form["height"]  # the map below
        for kind in ("jurisdiction", "areas", "polygon", "radius"):
            radio = page.locator(f"input[name=audience][value={kind}]").bounding_box()
            words_box = page.locator("#compose label", has=page.locator(f"input[value={kind}]")).bounding_box()
            assert abs((radio["y"] + radio["height"] / 2) - (words_box["y"] + words_box["height"] / 2)) < 4, kind
        shot(page, f"broadcasts-{lang}-390")
        page.set_viewport_size({"width": 1440, "height": 900})
    page.context.close()


def test_administration_adds_staff_and_api_keys_and_deactivates_accounts(
        app: Flask, browser: Any, server: Gunicorn, people: dict) -> None:
    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        create_staff(email=f"admin-web-{tag}@krakow.example", password=PASSWORD, role="admin",
                     jurisdiction_code="1261011", totp_secret=TOTP_SECRET)
    page = signed_in(browser, server, f"admin-web-{tag}@krakow.example")
    page.goto(f"{base(server)}/admin/manage")
    staff = page.locator("#staff form").last
    staff.locator("input[name=email]").fill(f"new-{tag}@krakow.example")
    staff.locator("input[name=password]").fill(PASSWORD)
    staff.locator("select[name=role]").select_option("viewer")
    staff.locator("button").click()
    page.wait_for_load_state()
    assert f"new-{tag}@krakow.example" in page.locator("#staff table").inner_text()
    keys = page.locator("#keys form").last
    keys.locator("input[name=name]").fill(f"feed-{tag}")
    keys.locator("input[value='reports:read']").check()
    keys.locator("button").click()
    page.wait_for_load_state()
    key = page.locator("#new-key").inner_text()
    assert key.startswith("hk_")
    assert app.test_client().get("/api/admin/reports", headers={"X-API-Key": key}).status_code == 200
    row = page.locator("#staff tr", has_text=f"new-{tag}@krakow.example")
    row.locator("button").click()
    page.wait_for_load_state()
    signin = app.test_client().post("/api/admin/tokens", json={"email": f"new-{tag}@krakow.example",
                                                               "password": PASSWORD})
    assert signin.status_code == 401  # deactivated
    shot(page, "administration")
    page.context.close()


def test_every_web_page_goes_through_the_policy(app: Flask, people: dict) -> None:
    from admin.policy import POLICY

    public = {"web.login", "web.login_code", "web.login_continue", "web.logout", "web.language", "web.asset",
              "web.static", "web.home", "web.password_forgot", "web.password_reset",
              "web.password_reset_done", "web.login_restart"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("web.") and rule.endpoint not in public:
            view = app.view_functions[rule.endpoint]
            assert getattr(view, "policy_endpoint", None) in POLICY, rule.rule
    client = app.test_client()
    assert client.get("/admin/queue").status_code == 302  # to the sign-in page
    for role, page, expected in (("dispatcher", "/admin/manage", 403), ("dispatcher", "/admin/broadcasts", 403),
                                 ("manager", "/admin/broadcasts", 200), ("dispatcher", "/admin/queue", 200)):
        c, _ = web_session(app, people[role])
        assert c.get(page, base_url=HTTPS).status_code == expected, (role, page)


def test_bulk_assignment_and_areas_chosen_on_the_map(app: Flask, browser: Any, server: Gunicorn,
                                                     people: dict) -> None:
    client = app.test_client()
    tag = uuid.uuid4().hex[:6]
    made = [Resident(client).report(description=f"Graffiti {tag} {i}", service_code="graffiti", answers={})
            for i in range(2)]
    page = signed_in(browser, server, people["dispatcher"])
    page.fill("#q", tag)
    until(page, f"document.getElementById('map').dataset.query.includes('q={tag}') && "
                "document.getElementById('map').dataset.loading === 'false'")
    page.wait_for_load_state("networkidle")
    shown = page.locator("table.reports tbody tr[data-id]").evaluate_all("rows => rows.map(r => r.dataset.id)")
    assert {int(i) for i in shown} == {r["id"] for r in made}, shown
    for r in made:
        page.check(f"input[name=ids][value='{r['id']}']")
    checked = page.locator("input[name=ids]:checked").count()
    assert checked == 2
    page.select_option("#bulk select[name=action]", "assign")
    page.select_option("#bulk select[name=department]", "zdmk")
    with page.expect_response(lambda r: "/admin/queue/bulk" in r.url) as answer:
        page.click("#bulk button[type=submit]")
    assert answer.value.status == 200, answer.value.text()[:500]
    page.wait_for_selector(".bulk-result li")
    assert page.locator(".bulk-result li.ok").count() == 2, page.locator(".bulk-result").inner_text()
    headers = api_headers(app, people["dispatcher"])
    for r in made:
        assert client.get(f"/api/admin/reports/{r['id']}", headers=headers).json["department"]["code"] == "zdmk"
    page.context.close()

    page = signed_in(browser, server, people["manager"])
    page.goto(f"{base(server)}/admin/broadcasts")
    until(page, "document.getElementById('compose-map').dataset.ready === 'true'")
    page.check("input[name=audience][value=areas]")
    box = page.locator("#compose-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a district in the middle
    chosen = page.evaluate("Array.from(document.querySelector('select[name=areas]').selectedOptions)"
                           ".map(o => o.value)")
    assert len(chosen) == 1
    shot(page, "broadcast-areas")
    page.context.close()


def test_a_manager_defines_publishes_and_reads_a_survey_with_charts(app: Flask, browser: Any, server: Gunicorn,
                                                                   people: dict) -> None:
    page = signed_in(browser, server, people["manager"])
    page.goto(f"{base(server)}/admin/surveys")
    definition = page.locator("#new-survey textarea").input_value()
    key = f"web-{uuid.uuid4().hex[:6]}"
    page.fill("#new-survey textarea", definition.replace('"city-services"', f'"{key}"'))
    page.click("#new-survey button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/surveys/\d+$"))
    survey_id = int(page.url.rsplit("/", 1)[1])
    assert page.locator("#survey-status").inner_text() == "draft"
    assert "Jak oceniasz usługi miasta?" in page.locator(".phone").inner_text()  # the preview
    page.click("form[data-action=publish] button")
    page.wait_for_load_state()
    assert page.locator("#survey-status").inner_text() == "published"
    client = app.test_client()
    for score in (5, 4, 4, 2, 5, 3):
        me = Resident(client)
        me.post("/api/v1/me/places", {"label": "home", "lat": OLD_TOWN[0], "lon": OLD_TOWN[1]})
        res = me.post(f"/api/v1/surveys/{survey_id}/responses", {"answers": {"overall": score, "recommend": 9}})
        assert res.status_code == 201, res.json
    page.reload()
    assert page.locator("#responses").inner_text() == "6"
    until(page, "document.querySelector('article[data-code=overall] canvas.chart').dataset.drawn === 'true'")
    row = page.locator("article[data-code=overall] tr[data-area=I]")
    assert row.locator("td").nth(1).inner_text() == "6" and "3.83" in row.inner_text()
    shot(page, "survey")
    page.context.close()


def test_every_web_route_answers_each_role_as_the_policy_says(app: Flask, people: dict) -> None:
    """Generated from the policy: every web route (GET and POST, CSRF token included) × every role. A role the
    policy leaves out gets 403; an allowed one is never refused (a made-up id or code is 404, not 403)."""
    from admin.policy import POLICY
    from backend.models import ROLES

    tag = uuid.uuid4().hex[:6]
    emails = dict(people)
    with app.app_context():
        for role in ROLES:
            if role not in emails:
                emails[role] = f"{role}-routes-{tag}@krakow.example"
                create_staff(email=emails[role], password=PASSWORD, role=role, jurisdiction_code="1261011",
                             department_code="zdmk" if role == "department_staff" else None,
                             totp_secret=TOTP_SECRET if role == "admin" else None)
    public = {"web.login", "web.login_code", "web.login_continue", "web.logout", "web.language", "web.asset",
              "web.static", "web.home", "web.password_forgot", "web.password_reset",
              "web.password_reset_done", "web.login_restart"}
    routes = [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("web.")
              and rule.endpoint not in public for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    assert len(routes) >= 30
    for role in ROLES:
        c, token = web_session(app, emails[role])
        for rule, method in routes:
            path = re.sub(r"<(?:big)?int:\w+>", "999999999", re.sub(r"<(?:string:)?(\w+)>", lambda m: {
                "fmt_": "csv", "name": "nope"}.get(m.group(1), "nope"), rule.rule))
            res = c.open(path, method=method, base_url=HTTPS, data={"csrf_token": token},
                         headers={"Referer": f"{HTTPS}/admin/queue", "X-CSRFToken": token})
            allowed = role in (POLICY[app.view_functions[rule.endpoint].policy_endpoint] or ())
            if allowed:
                assert res.status_code not in (401, 403), (role, method, rule.rule, res.status_code)
            else:
                assert res.status_code == 403, (role, method, rule.rule, res.status_code)


def test_adding_a_staff_member_refused_says_why_in_words_and_keeps_what_was_typed(app: Flask, cities: dict) -> None:
    admin = f"admin-add-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=admin, password=PASSWORD, role="admin", jurisdiction_code="1261011",
                     totp_secret=TOTP_SECRET)
    web, token = web_session(app, admin)
    web.post("/admin/language", data={"lang": "uk", "csrf_token": token, "back": "/admin/manage"}, base_url=HTTPS,
             headers={"Referer": f"{HTTPS}/admin/manage"})
    page = web.get("/admin/manage", base_url=HTTPS).get_data(as_text=True)
    assert 'id="new-staff-password-rule"' in page and "12" in page  # the rule beside the password field

    def add(email: str, password: str) -> tuple[int, str]:
        answer = web.post("/admin/manage/staff", base_url=HTTPS, headers={"Referer": f"{HTTPS}/admin/manage"},
                          data={"email": email, "password": password, "role": "manager", "full_name": "Olena Test",
                                "department": "", "csrf_token": token})
        return answer.status_code, answer.get_data(as_text=True)

    status, html = add(admin, "secret typed here 1234")  # an e-mail that already has an account
    error = re.search(r'<p class="error" role="alert">([^<]+)</p>', html).group(1)  # type: ignore[union-attr]
    assert status == 409 or 400 <= status < 500
    assert "вже існує" in error and not re.search(r"\b(email|password):", error)
    assert "Електронна пошта" in error  # the field in words
    assert f'value="{admin}"' in html and 'value="Olena Test"' in html and "secret typed here" not in html
    assert re.search(r'<option value="manager" selected>', html)
    status, html = add(f"new-{uuid.uuid4().hex[:6]}@krakow.example", "new-x@krakow.example")
    error = re.search(r'<p class="error" role="alert">([^<]+)</p>', html).group(1)  # type: ignore[union-attr]
    assert 400 <= status < 500 and "ваш" not in error.lower()  # a colleague's password: no "your e-mail"


def test_the_queue_map_agrees_with_a_refused_filter_and_survives_a_refused_range(
        app: Flask, browser: Any, server: Gunicorn) -> None:
    email = f"dispatcher-map-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="dispatcher", jurisdiction_code="1261011")
    Resident(app.test_client()).report(description="Dziura przy mapie", lat=OLD_TOWN[0], lon=OLD_TOWN[1])
    page = signed_in(browser, server, email)
    crashes: list[str] = []
    page.on("pageerror", lambda e: crashes.append(str(e)))
    page.click("header button[value=pl]")
    page.wait_for_load_state()
    assert page.locator("select[name=sort] option").all_inner_texts() == [
        "Najnowsze najpierw", "Najstarsze najpierw", "Najbliższy termin najpierw", "Ostatnio zmienione"]
    for query in ("status=bogus", "since=2025-05-01&until=2025-01-01", "overdue=bogus"):
        page.goto(f"{base(server)}/admin/queue?{query}")
        until(page, "document.getElementById('map').dataset.loading === 'false'")
        assert page.locator("#results p.error").is_visible(), query  # the list says why
        assert page.evaluate("document.getElementById('map').dataset.count") == "0", query  # and the map agrees
        assert page.evaluate("document.getElementById('map').dataset.refused"), query
    page.select_option("select[name=status]", ["submitted"])  # a valid choice brings the reports back
    until(page, "document.getElementById('map').dataset.query.includes('status=submitted') && "
                "document.getElementById('map').dataset.loading === 'false'")
    assert int(page.evaluate("document.getElementById('map').dataset.count")) >= 1
    assert page.evaluate("document.getElementById('map').dataset.refused") is None
    assert crashes == []
    page.context.close()


AXE = Path(__file__).resolve().parents[2] / "admin" / "frontend" / "node_modules" / "axe-core" / "axe.min.js"


def _worked_report(app: Flask, dispatcher: str) -> int:
    """A report a dispatcher acknowledged, noted, redacted, made urgent and assigned, through the staff API."""
    client = app.test_client()
    made = Resident(client).report(description="Dziura przy przystanku, dzwonić do Ewy 600 100 200")
    headers = api_headers(app, dispatcher)
    path = f"/api/admin/reports/{made['id']}"
    for action, body in (("status", {"status": "acknowledged", "body": "Ekipa przyjedzie jutro."}),
                         ("note", {"body": "Dzwoniłem do Ewy."}),
                         ("moderate", {"description": "Dziura przy przystanku [usunięto dane]"}),
                         ("priority", {"priority": "urgent"}),
                         ("assign", {"department": "zdmk"})):
        etag = client.get(path, headers=headers).headers["ETag"]
        answer = client.post(f"{path}/{action}", json=body, headers={**headers, "If-Match": etag})
        assert answer.status_code == 200, (action, answer.json)
    return int(made["id"])


@pytest.mark.skipif(not AXE.exists(), reason="axe-core comes with `make test`")
def test_a_viewer_reads_the_report_and_its_audit_trail_in_words_also_on_a_phone(
        app: Flask, browser: Any, server: Gunicorn, people: dict) -> None:
    report_id = _worked_report(app, people["dispatcher"])
    viewer = f"viewer-web-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=viewer, password=PASSWORD, role="viewer", jurisdiction_code="1261011")
    page = signed_in(browser, server, viewer, then=f"/admin/reports/{report_id}")
    assert page.evaluate("document.documentElement.lang") == "pl"  # Kraków's staff read Polish by default
    assert page.locator("#status").inner_text() == "Przyjęte"
    timeline = page.locator("#timeline").inner_text()
    assert "Zgłoszono" in timeline and "Zmiana statusu" in timeline and "Notatka wewnętrzna" in timeline
    assert not re.search(r"\b(created|status|note|moderation|priority|assignment)\b", timeline)
    audit = page.locator("section.audit").inner_text()
    for words in ("Zmiana statusu", "Status: Zgłoszone", "Status: Przyjęte", "Priorytet: Zwykły", "Priorytet: Pilny",
                  "Wydział: Zarząd Dróg Miasta Krakowa", "Notatka wewnętrzna: Dzwoniłem do Ewy.",
                  "Opis: Dziura przy przystanku [usunięto dane]"):
        assert words in audit, words
    assert "{" not in audit and "acknowledged" not in audit and "\\u" not in audit and "_id" not in audit
    assert "600 100 200" not in audit  # the original of the redacted description stays with the roles that see it
    shot(page, "report-viewer")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling (WCAG 1.4.10)
    assert page.locator("section.audit td[data-label]").first.is_visible()
    shot(page, "report-viewer-390")
    page.context.close()
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{base(server)}/admin/login")
    page.fill("input[name=email]", viewer)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/queue.*"))
    page.goto(f"{base(server)}/admin/reports/{report_id}")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    violations = page.evaluate("axe.run(document).then(r => r.violations.map(v => [v.id, v.impact]))")
    assert [v for v in violations if v[1] in ("serious", "critical")] == []
    context.close()


def test_a_refused_note_reply_or_comment_shows_why_in_the_form(
        app: Flask, browser: Any, server: Gunicorn, people: dict) -> None:
    made = Resident(app.test_client()).report(description="Znak do naprawy")
    page = signed_in(browser, server, people["dispatcher"], then=f"/admin/reports/{made['id']}")
    page.evaluate("window.__noReload = true")
    for action, field in (("note", "textarea"), ("reply", "textarea"), ("status", "input[name=body]")):
        form = page.locator(f"form[data-action={action}]")
        alert = form.locator(".refusal")
        assert alert.is_hidden()
        form.locator(field).evaluate("e => { e.value = 'Dzwoniłem\u0000 do Ewy'; }")
        form.locator("button[type=submit]").click()
        alert.wait_for(state="visible")
        text = alert.inner_text()
        assert text and "<" not in text and "body" not in text, text  # the reason in words, in the form
        assert alert.get_attribute("role") == "alert"
        assert "Dzwoniłem" not in page.locator("#timeline").inner_text()  # nothing was saved
    assert page.evaluate("window.__noReload") is True
    shot(page, "report-refused-note")
    note = page.locator("form[data-action=note]")
    note.locator("textarea").fill("Dzwoniłem do Ewy.")
    note.locator("button[type=submit]").click()
    until(page, "document.getElementById('timeline').innerText.includes('Dzwoniłem do Ewy.')")
    assert page.locator("form[data-action=note] .refusal").is_hidden()  # a saved form shows no old refusal
    page.context.close()
