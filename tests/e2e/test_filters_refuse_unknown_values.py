"""A filter value that names nothing (a status, service, area, department, indicator… the municipality does not
have) is refused with a 422 naming the parameter instead of an empty list that looks like "no work"; so is a
range that ends before it starts; and a map box far larger than a screen at street zoom is refused, not searched,
while zoomed out it answers for the area served."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from backend.staff import create_staff
from tests.conftest import ROOT
from tests.e2e.conftest import HTTPS, PASSWORD, Resident, api_headers, web_session
from tests.integration.test_load_city import run_cli

CATALOGUE = str(ROOT / "cities" / "krakow" / "indicators.yaml")
LAMP = {"lat": 50.0655, "lon": 19.9452}  # Stare Miasto (district I), away from the tests' usual point
#: The periods of the stored values below: long before anything the other tests compute.
PERIODS = (date(1990, 1, 1), date(1990, 2, 1), date(1990, 3, 1))


@pytest.fixture(scope="module")
def town(app: Flask, cities: dict) -> dict[str, Any]:
    """A dispatcher and a manager of Kraków, a pothole and a street light reported with a tag of this run."""
    client = app.test_client()
    tag = uuid.uuid4().hex[:8]
    emails = {"dispatcher": f"fd-{tag}@krakow.example", "manager": f"fm-{tag}@krakow.example"}
    with app.app_context():
        for role, email in emails.items():
            create_staff(email=email, password=PASSWORD, role=role, jurisdiction_code="1261011")
    me = Resident(client)
    hole = me.report(description=f"Dziura {tag}")
    lamp = me.report(service_code="street_light", answers={"problem": "off"}, description=f"Lampa {tag}", **LAMP)
    return {"client": client, "tag": tag, "emails": emails, "hole": hole, "lamp": lamp,
            "staff": api_headers(app, emails["dispatcher"])}


def refused(res: Any, name: str) -> str:
    """The 422's message for query parameter `name` (the shared error shape must name it)."""
    assert res.status_code == 422, (res.status_code, res.get_data(as_text=True)[:300])
    assert res.json["code"] == 422 and res.json["message"], res.json
    named = res.json["errors"]["query"]
    assert name in named, res.json
    return " ".join(named[name])


# -- the resident map ------------------------------------------------------------------------------------------


def test_the_map_refuses_an_unknown_status_or_service_and_filters_by_a_known_one(town: dict) -> None:
    c = town["client"]
    box = {"bbox": "19.9440,50.0645,19.9465,50.0665", "zoom": 18}
    message = refused(c.get("/api/v1/reports", query_string={**box, "status": "lost"}), "status")
    assert "lost" in message and "in_progress" in message  # the allowed values are listed
    in_ukrainian = c.get("/api/v1/reports", query_string={**box, "zoom": 20, "bbox": "-180,-90,180,90"},
                         headers={"Accept-Language": "uk"})
    assert "завелика для масштабу 20" in refused(in_ukrainian, "bbox")
    message = refused(c.get("/api/v1/reports", query_string={**box, "service": "street_light,teleport"}), "service")
    assert "teleport" in message and "street_light" not in message  # only the code that names nothing
    lights = c.get("/api/v1/reports", query_string={**box, "service": "street_light", "status": "open"})
    assert lights.status_code == 200
    ids = {f["id"] for f in lights.json["features"]}
    assert town["lamp"]["id"] in ids
    assert {f["properties"]["service_code"] for f in lights.json["features"]} == {"street_light"}
    holes = c.get("/api/v1/reports", query_string={**box, "service": "pothole"}).json["features"]
    assert town["lamp"]["id"] not in {f["id"] for f in holes}


@pytest.mark.parametrize("zoom", [13, 15, 16, 20])
def test_a_world_box_at_a_close_zoom_is_refused_naming_bbox(client: FlaskClient, zoom: int) -> None:
    message = refused(client.get("/api/v1/reports", query_string={"bbox": "-180,-90,180,90", "zoom": zoom}), "bbox")
    assert str(zoom) in message


@pytest.mark.parametrize("bbox", ["20,50,19,51", "19,51,20,50", "nan,50,20,51", "19,50,inf,51", "-inf,50,20,51",
                                  "19,-95,20,50", "181,50,182,51", "19,50,20"])
def test_an_inverted_infinite_or_out_of_range_box_is_refused_naming_bbox(client: FlaskClient, bbox: str) -> None:
    refused(client.get("/api/v1/reports", query_string={"bbox": bbox, "zoom": 18}), "bbox")


def test_the_world_zoomed_out_answers_the_clusters_of_the_area_served(town: dict) -> None:
    c = town["client"]
    for zoom in (0, 10, 12):
        res = c.get("/api/v1/reports", query_string={"bbox": "-180,-90,180,90", "zoom": zoom})
        assert res.status_code == 200 and res.json["mode"] == "clusters"
        x0, y0, x1, y1 = res.json["bbox"]  # clamped to the municipalities served (around Kraków)
        assert 19 < x0 < x1 < 21 and 49 < y0 < y1 < 51, res.json["bbox"]
        cells = [f for f in res.json["features"]
                 if f["properties"]["cell_bbox"][0] <= LAMP["lon"] < f["properties"]["cell_bbox"][2]
                 and f["properties"]["cell_bbox"][1] <= LAMP["lat"] < f["properties"]["cell_bbox"][3]]
        assert len(cells) == 1 and cells[0]["properties"]["count"] >= 1
    far = c.get("/api/v1/reports", query_string={"bbox": "10,40,11,41", "zoom": 10})  # no municipality there
    assert far.status_code == 200 and far.json["features"] == []


# -- the staff queue (API) -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value"), [("status", "lost"), ("status", "submitted,lost"),
                                             ("priority", "whenever"), ("service", "teleport"),
                                             ("department", "zdp"),  # the county's department, not Kraków's
                                             ("area", "I,XIX"), ("assignee_id", "987654321")])
def test_the_queue_refuses_values_that_name_nothing_in_the_municipality(town: dict, name: str, value: str) -> None:
    res = town["client"].get("/api/admin/reports", query_string={name: value}, headers=town["staff"])
    message = refused(res, name)
    assert value.split(",")[-1] in message


def test_the_queue_still_filters_by_known_values(town: dict) -> None:
    def ids(**params: Any) -> set[int]:
        res = town["client"].get("/api/admin/reports", query_string={"q": town["tag"], **params},
                                 headers=town["staff"])
        assert res.status_code == 200, res.json
        return {item["id"] for item in res.json["items"]}

    hole, lamp = town["hole"]["id"], town["lamp"]["id"]
    assert ids() == {hole, lamp}
    assert ids(service="street_light") == {lamp}
    assert ids(service="pothole,street_light", status="submitted", priority="normal") == {hole, lamp}
    assert ids(area="I") == {hole, lamp}
    assert ids(area="II") == set()  # a district of Kraków without them: a real empty answer


def test_a_queue_range_that_ends_before_it_starts_is_422(town: dict) -> None:
    now = datetime.now(UTC)
    day = timedelta(days=1)
    get = town["client"].get
    res = get("/api/admin/reports", headers=town["staff"],
              query_string={"since": (now + day).isoformat(), "until": (now - day).isoformat()})
    refused(res, "since")
    res = get("/api/admin/reports", headers=town["staff"],
              query_string={"q": town["tag"], "since": (now - day).isoformat(), "until": (now + day).isoformat()})
    assert {i["id"] for i in res.json["items"]} == {town["hole"]["id"], town["lamp"]["id"]}


# -- the staff web queue and its map -----------------------------------------------------------------------------


def _error_of(html: str) -> str:
    found = re.search(r'<p class="error"[^>]*>([^<]+)</p>', html)
    assert found, html[:500]
    return found.group(1)


def test_the_queue_page_says_which_filter_names_nothing(app: Flask, town: dict) -> None:
    c, _ = web_session(app, town["emails"]["dispatcher"])
    for query, shown in (("area=XIX", "XIX"), ("service=teleport", "teleport"), ("status=lost", "lost"),
                         ("sort=sideways", "sideways"), ("since=notadate", "notadate"),
                         ("since=2026-05-01&until=2026-01-01", "")):
        res = c.get(f"/admin/queue?{query}", base_url=HTTPS)
        assert res.status_code == 422, query
        assert shown in _error_of(res.get_data(as_text=True)), query
    fine = c.get(f"/admin/queue?service=street_light&q={town['tag']}", base_url=HTTPS).get_data(as_text=True)
    assert town["lamp"]["public_id"] in fine and town["hole"]["public_id"] not in fine


def test_the_queue_map_refuses_unknown_values_in_the_api_error_shape(app: Flask, town: dict) -> None:
    c, _ = web_session(app, town["emails"]["dispatcher"])
    res = c.get("/admin/queue/points.json?area=XIX", base_url=HTTPS)
    assert "XIX" in refused(res, "area")
    points = c.get(f"/admin/queue/points.json?service=street_light&q={town['tag']}", base_url=HTTPS)
    assert [p["id"] for p in points.json["points"]] == [town["lamp"]["id"]]


def test_the_queue_page_names_statuses_and_orders_in_words_not_codes(app: Flask, town: dict) -> None:
    c, _ = web_session(app, town["emails"]["dispatcher"])  # a Polish-speaking dispatcher
    status = _error_of(c.get("/admin/queue?status=lost", base_url=HTTPS).get_data(as_text=True))
    assert "lost" in status and "Zgłoszone" in status and "W realizacji" in status
    assert "in_progress" not in status and "submitted" not in status
    res = c.get("/admin/queue?sort=sideways", base_url=HTTPS)
    order = _error_of(res.get_data(as_text=True))
    assert "sideways" in order and "Najnowsze najpierw" in order and "newest" not in order
    options = re.search(r'<select name="sort">(.*?)</select>', res.get_data(as_text=True), re.S).group(1)
    assert re.findall(r'<option value="(\w+)" ?(?:selected)?>([^<]+)</option>', options) == [
        ("newest", "Najnowsze najpierw"), ("oldest", "Najstarsze najpierw"),
        ("due", "Najbliższy termin najpierw"), ("updated", "Ostatnio zmienione")]


def test_an_unknown_overdue_choice_is_refused_by_the_queue_page_and_its_map(app: Flask, town: dict) -> None:
    c, _ = web_session(app, town["emails"]["dispatcher"])
    res = c.get(f"/admin/queue?overdue=bogus&q={town['tag']}", base_url=HTTPS)
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and "bogus" in _error_of(html) and "Po terminie" in _error_of(html)
    assert town["hole"]["public_id"] not in html  # not the whole queue as if the filter were not there
    assert "bogus" in refused(c.get(f"/admin/queue/points.json?overdue=bogus&q={town['tag']}", base_url=HTTPS),
                              "overdue")
    fine = c.get(f"/admin/queue/points.json?overdue=false&q={town['tag']}", base_url=HTTPS)
    assert {p["id"] for p in fine.json["points"]} == {town["hole"]["id"], town["lamp"]["id"]}
    assert {p["status_label"] for p in fine.json["points"]} == {"Zgłoszone"}  # the map's tooltip, in words


def test_empty_items_in_the_map_s_lists_are_ignored_alike_for_status_and_service(town: dict) -> None:
    c = town["client"]
    box = {"bbox": "19.9440,50.0645,19.9465,50.0665", "zoom": 18}

    def ids(**params: str) -> set[int]:
        res = c.get("/api/v1/reports", query_string={**box, **params})
        assert res.status_code == 200, (params, res.json)
        return {f["id"] for f in res.json["features"]}

    everything = ids()
    assert town["lamp"]["id"] in everything
    assert ids(status=",") == ids(service=",") == everything
    assert ids(status="open,") == ids(status="open")
    assert town["lamp"]["id"] in ids(service="street_light,") == ids(service="street_light")


def test_the_catalogue_refuses_an_unknown_or_other_jurisdiction_given_with_a_point(town: dict) -> None:
    get = town["client"].get
    point = {"lat": LAMP["lat"], "lon": LAMP["lon"]}
    assert get("/api/v1/services", query_string={**point, "jurisdiction": "bogus"}).status_code == 404
    other = get("/api/v1/services", query_string={**point, "jurisdiction": "1206"})
    assert other.status_code == 422 and "1206" in other.json["message"]
    same = get("/api/v1/services", query_string={**point, "jurisdiction": "1261011"})
    assert same.status_code == 200 and same.json["jurisdiction"]["code"] == "1261011"
    assert get("/api/v1/services", query_string=point).json["jurisdiction"]["code"] == "1261011"


# -- indicator values (staff API and open data) and the dashboard ---------------------------------------------


@pytest.fixture(scope="module")
def values(app: Flask, town: dict) -> dict[str, Any]:
    """The demo catalogue, and stored values of `sla-on-time` for three months of 1990: the municipality's and
    district I's."""
    from backend.db import session
    from backend.models import Area, Indicator, IndicatorValue, Jurisdiction

    assert run_cli(app, "load-indicators", "1261011", CATALOGUE).exit_code == 0
    with app.app_context():
        s = session()
        jid = s.scalar(select(Jurisdiction.id).where(Jurisdiction.code == "1261011"))
        ind = s.scalar(select(Indicator.id).where(Indicator.jurisdiction_id == jid, Indicator.code == "sla-on-time"))
        area = s.scalar(select(Area.id).where(Area.jurisdiction_id == jid, Area.code == "I"))
        s.execute(delete(IndicatorValue).where(IndicatorValue.indicator_id == ind,
                                               IndicatorValue.period_start.in_(PERIODS)))
        for start in PERIODS:
            for area_id in (None, area):
                s.add(IndicatorValue(indicator_id=ind, jurisdiction_id=jid, period_start=start, granularity="month",
                                     service_id=None, area_id=area_id, provenance="operational", n=40,
                                     numerator=30, denominator=40, value=75.0, status="amber", suppressed=False))
        s.commit()
    return {"manager": api_headers(app, town["emails"]["manager"])}


@pytest.mark.parametrize(("name", "value"), [("indicator", "no-such-indicator"), ("area", "XIX"),
                                             ("service", "teleport")])
@pytest.mark.parametrize("path", ["/api/admin/indicator-values", "/api/v1/open-data/indicator-values"])
def test_indicator_values_refuse_codes_the_municipality_does_not_have(
        town: dict, values: dict, path: str, name: str, value: str) -> None:
    res = town["client"].get(path, query_string={"jurisdiction": "krakow", name: value}, headers=values["manager"])
    assert value in refused(res, name)


def test_open_data_does_not_take_another_municipality_s_district(town: dict, values: dict) -> None:
    res = town["client"].get("/api/v1/open-data/indicator-values",
                             query_string={"jurisdiction": "powiat-krakowski", "area": "I"})
    refused(res, "area")


@pytest.mark.parametrize("path", ["/api/admin/indicator-values", "/api/v1/open-data/indicator-values"])
def test_indicator_values_filter_by_known_values_and_refuse_an_inverted_range(
        town: dict, values: dict, path: str) -> None:
    get = town["client"].get
    query = {"jurisdiction": "krakow", "indicator": "sla-on-time"}
    refused(get(path, query_string={**query, "from": "1990-03", "to": "1990-01"}, headers=values["manager"]), "from")
    res = get(path, query_string={**query, "from": "1990-01", "to": "1990-02"}, headers=values["manager"])
    assert res.status_code == 200
    assert [(i["period"], i["area"]) for i in res.json["items"]] == [  # in the feed's stable order
        ("1990-01", None), ("1990-01", "I"), ("1990-02", None), ("1990-02", "I")]
    res = get(path, query_string={**query, "period": "1990-03", "area": "I"}, headers=values["manager"])
    assert [(i["period"], i["area"], i["value"]) for i in res.json["items"]] == [("1990-03", "I", 75.0)]


def test_the_dashboard_s_data_refuses_unknown_choices_naming_them(app: Flask, town: dict, values: dict) -> None:
    c, _ = web_session(app, town["emails"]["manager"])
    for path, name in (("/admin/indicators/overview.json?area=XIX", "area"),
                       ("/admin/indicators/overview.json?service=teleport", "service"),
                       ("/admin/indicators/overview.json?group=nope", "group"),
                       ("/admin/indicators/overview.json?period=0001-01", "period"),
                       ("/admin/indicators/sla-on-time/data.json?provenance=evil", "provenance"),
                       ("/admin/indicators/sla-on-time/data.json?compare=garbage", "compare"),
                       ("/admin/indicators/sla-on-time/data.json?period=9999-12", "period")):
        refused(c.get(path, base_url=HTTPS), name)
    for path in ("/admin/indicators/sla-on-time/values?period=9999-12",
                 "/admin/indicators/sla-on-time/values?period=0001-01"):
        assert c.get(path, base_url=HTTPS).status_code == 422, path
    chosen = c.get("/admin/indicators/sla-on-time/data.json?period=1990-02&area=I", base_url=HTTPS)
    assert chosen.status_code == 200 and chosen.json["area"]["code"] == "I"
    assert [(v["period"], v["value"]) for v in chosen.json["trend"] if v["period"].startswith("1990")] == [
        ("1990-01", 75.0), ("1990-02", 75.0), ("1990-03", 75.0)]
