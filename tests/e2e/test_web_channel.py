"""Reports filed on the resident website carry channel `web` (a device the website registered, platform "web");
no client can claim another channel; the staff queue filters by channel and the indicators' drill-down shows it."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from backend.staff import create_staff
from backend.vocabulary import label
from tests.conftest import ROOT
from tests.e2e.conftest import HTTPS, PASSWORD, Resident, api_headers, web_session
from tests.integration.test_load_city import run_cli


@pytest.fixture(scope="module")
def world(app: Flask, cities: dict) -> dict[str, Any]:
    """A web report and an app report with one unique word, and a manager to look at them."""
    client = app.test_client()
    tag = uuid.uuid4().hex[:8]
    email = f"chan-{tag}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="manager", jurisdiction_code="1261011")
    graffiti = {"service_code": "graffiti", "answers": {}, "lat": 50.0590, "lon": 19.9400}
    made = {
        "web": Resident(client, "pl", "web").report(**graffiti, description=f"Napis na murze {tag}"),
        "app": Resident(client, "pl", "android").report(**graffiti, description=f"Napis na bramie {tag}"),
    }
    return {"client": client, "made": made, "tag": tag, "email": email, "api": api_headers(app, email)}


def test_a_report_from_the_website_carries_channel_web_and_one_from_the_app_app(world: dict) -> None:
    client, api = world["client"], world["api"]
    for channel, report in world["made"].items():
        staff_view = client.get(f"/api/admin/reports/{report['id']}", headers=api)
        assert staff_view.status_code == 200 and staff_view.json["channel"] == channel


def test_no_client_can_claim_another_channel(world: dict) -> None:
    me = Resident(world["client"], "en", "web")
    res = me.post("/api/v1/reports", {"service_code": "graffiti", "answers": {}, "lat": 50.059, "lon": 19.94,
                                      "channel": "open311"})
    assert res.status_code == 422 and "channel" in res.json["errors"]["json"]
    res = me.post("/api/v1/devices", {"platform": "open311", "locale": "en"})
    assert res.status_code == 422 and "platform" in res.json["errors"]["json"]


def test_the_staff_queue_filters_by_channel(world: dict) -> None:
    client, api, tag, made = world["client"], world["api"], world["tag"], world["made"]

    def ids(channel: str) -> set[int]:
        res = client.get("/api/admin/reports", query_string={"channel": channel, "q": tag}, headers=api)
        assert res.status_code == 200, res.json
        assert sum(res.json["counts"].values()) == len(res.json["items"])
        return {i["id"] for i in res.json["items"]}

    assert ids("web") == {made["web"]["id"]}
    assert ids("app") == {made["app"]["id"]}
    assert ids("web,app") == {made["web"]["id"], made["app"]["id"]}
    assert ids("open311") == set()
    bad = client.get("/api/admin/reports", query_string={"channel": "website"}, headers=api)
    assert bad.status_code == 422 and "channel" in bad.json["errors"]["query"]


def test_the_staff_queue_page_offers_the_channel_in_words_and_filters_by_it(app: Flask, world: dict) -> None:
    web, _ = web_session(app, world["email"])
    html = web.get(f"/admin/queue?channel=web&q={world['tag']}", base_url=HTTPS).get_data(as_text=True)
    assert world["made"]["web"]["public_id"] in html and world["made"]["app"]["public_id"] not in html
    assert re.search(r'<option value="web" selected>Strona internetowa</option>', html)
    refused = web.get("/admin/queue?channel=carrier_pigeon", base_url=HTTPS)
    assert refused.status_code == 422 and "Nieznany kanał" in refused.get_data(as_text=True)


def test_the_indicator_drill_down_shows_how_each_counted_report_arrived(app: Flask, world: dict) -> None:
    assert run_cli(app, "load-indicators", "1261011", str(ROOT / "cities/krakow/indicators.yaml")).exit_code == 0
    web, _ = web_session(app, world["email"])
    month = datetime.now(ZoneInfo("Europe/Warsaw")).strftime("%Y-%m")
    page = web.get(f"/admin/indicators/reports-per-1000/values?period={month}&service=graffiti&area=I",
                   base_url=HTTPS)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for channel, report in world["made"].items():
        row = re.search(rf'<tr data-id="{report["id"]}".*?</tr>', html, re.S)
        assert row is not None, channel
        assert f'data-channel="{channel}">{label(channel, "pl", "channel")}<' in row.group(0)
