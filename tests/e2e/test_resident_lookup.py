"""Before filing, through HTTP on the Kraków demo register (real streets of Stare Miasto): the address candidates
for what a resident types (city name, postcode, "ul."/"вул." and misspellings tolerated, in the reader's
language), and what a point is (municipality, district, nearest address; a clear answer outside)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ROOT
from tests.e2e.conftest import POTHOLE
from tests.integration.test_load_city import run_cli

DEMO = ROOT / "cities" / "krakow" / "addresses.csv"
#: Real Kraków streets of the kinds written with a prefix ("al.", "pl.", "os."), added to the demo register here.
EXTRA = [
    {"street": "aleja Adama Mickiewicza", "street_uk": "алея Адама Міцкевича", "house_number": "30",
     "postcode": "30-059", "lat": "50.06650", "lon": "19.92330"},
    {"street": "plac Wszystkich Świętych", "street_uk": "площа Всіх Святих", "house_number": "3",
     "postcode": "31-004", "lat": "50.05930", "lon": "19.93700"},
    {"street": "osiedle Centrum A", "street_uk": "осідле Центрум А", "house_number": "1",
     "postcode": "31-923", "lat": "50.07190", "lon": "20.03780"},
]


def _row(street: str, number: str) -> dict[str, str]:
    with DEMO.open(encoding="utf-8") as fh:
        return next(r for r in csv.DictReader(fh) if r["street"] == street and r["house_number"] == number)


FLORIANSKA_12 = _row("Floriańska", "12")


@pytest.fixture(scope="module")
def register(app: Flask, cities: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The demo register of Kraków (and the three streets above), removed afterwards."""
    path: Path = tmp_path_factory.mktemp("register") / "addresses.csv"
    with DEMO.open(encoding="utf-8") as src, path.open("w", encoding="utf-8", newline="") as out:
        rows = list(csv.DictReader(src))
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows + EXTRA)
    loaded = run_cli(app, "load-addresses", "1261011", str(path))
    assert loaded.exit_code == 0, loaded.output
    yield
    from backend.db import unit_of_work
    from backend.models import Address

    with app.app_context(), unit_of_work() as s:
        s.execute(Address.__table__.delete())


def addresses(client: FlaskClient, q: str, lang: str = "en", **more: object) -> dict:
    res = client.get("/api/v1/addresses", query_string={"q": q, **more}, headers={"Accept-Language": lang})
    assert res.status_code == 200, res.json
    return dict(res.json)


@pytest.mark.parametrize("typed", [
    "Floriańska 12, Kraków",
    "ul. Floriańska 12, 31-019 Kraków",
    "Floriańska 12, 31-019 Kraków, Polska",
    "FLORIANSKA 12",
    "florjanska 12",
    "12 Floriańska",
    "вул. Флоріанська 12",
    "Флоріанська 12, Краків",
])
def test_an_address_is_found_however_it_is_typed(client: FlaskClient, register: None, typed: str) -> None:
    first = addresses(client, typed)["items"][0]
    assert first["label"] == "Floriańska 12" and first["postcode"] == "31-019"
    assert (first["lat"], first["lon"]) == (float(FLORIANSKA_12["lat"]), float(FLORIANSKA_12["lon"]))
    assert first["jurisdiction"] == {"code": "1261011", "name": "Kraków"}
    assert first["area"] == {"code": "I", "name": "Stare Miasto"}


@pytest.mark.parametrize(("typed", "label"), [
    ("al. Mickiewicza 30", "aleja Adama Mickiewicza 30"),
    ("pl. Wszystkich Świętych 3", "plac Wszystkich Świętych 3"),
    ("os. Centrum A 1", "osiedle Centrum A 1"),
    ("św. Jana 7", "Świętego Jana 7"),
    ("sw Anny 5", "Świętej Anny 5"),
])
def test_street_kinds_and_abbreviations_are_understood(client: FlaskClient, register: None, typed: str,
                                                       label: str) -> None:
    assert addresses(client, typed)["items"][0]["label"] == label


def test_the_answer_is_in_the_readers_language_where_the_register_has_it(client: FlaskClient, register: None,
                                                                         resident) -> None:
    assert addresses(client, "Floriańska 12", "uk")["items"][0]["label"] == "Флоріанська 12"
    assert addresses(client, "вул. Флоріанська 12", "pl")["items"][0]["label"] == "Floriańska 12"
    ukrainian_device = resident(locale="uk")
    res = ukrainian_device.client.get("/api/v1/addresses?q=Rynek+G%C5%82%C3%B3wny+1", headers=ukrainian_device.headers)
    assert res.json["items"][0]["label"] == "Ринок Головний 1"
    assert res.json["items"][0]["street"] == "Ринок Головний"
    assert addresses(client, "Ринок Головний 1", "en")["items"][0]["label"] == "Rynek Główny 1"


def test_the_house_typed_comes_first_then_the_street_in_order(client: FlaskClient, register: None) -> None:
    labels = [i["label"] for i in addresses(client, "Szewska 1", limit=5)["items"]]
    assert labels == ["Szewska 1", "Szewska 10", "Szewska 11", "Szewska 12", "Szewska 13"]
    labels = [i["label"] for i in addresses(client, "Szewska", limit=3)["items"]]
    assert labels == ["Szewska 1", "Szewska 2", "Szewska 3"]


def test_a_postcode_alone_lists_its_addresses(client: FlaskClient, register: None) -> None:
    items = addresses(client, "31-005", limit=20)["items"]
    assert items and {i["street"] for i in items} == {"Bracka"} and {i["postcode"] for i in items} == {"31-005"}


def test_a_municipality_named_limits_the_search_to_it(client: FlaskClient, register: None) -> None:
    assert addresses(client, "Floriańska 12, Powiat krakowski")["items"] == []
    assert addresses(client, "Floriańska 12", jurisdiction="1206")["items"] == []
    assert addresses(client, "Floriańska 12", jurisdiction="1261011")["items"][0]["label"] == "Floriańska 12"
    unknown = client.get("/api/v1/addresses", query_string={"q": "Floriańska 12", "jurisdiction": "9999"})
    assert unknown.status_code == 404 and "jurisdiction" in unknown.json["errors"]["json"]


def test_nothing_found_says_what_to_do_next_in_the_readers_language(client: FlaskClient, register: None) -> None:
    unknown = addresses(client, "Marszałkowska 140", "pl")
    assert unknown["items"] == [] and "mapie" in unknown["message"]
    assert "мапі" in addresses(client, "Marszałkowska 140", "uk")["message"]
    only_city = addresses(client, "Kraków", "en")
    assert only_city["items"] == [] and "street" in only_city["message"]
    assert addresses(client, "Floriańska 12")["message"] is None


@pytest.mark.parametrize(("query", "field"), [
    ({}, "q"), ({"q": ""}, "q"), ({"q": "   "}, "q"), ({"q": "x" * 201}, "q"),
    ({"q": "Floriańska", "limit": 0}, "limit"), ({"q": "Floriańska", "limit": 21}, "limit"),
])
def test_bad_input_is_a_422_naming_the_parameter(client: FlaskClient, register: None, query: dict,
                                                 field: str) -> None:
    res = client.get("/api/v1/addresses", query_string=query, headers={"Accept-Language": "uk"})
    assert res.status_code == 422 and field in res.json["errors"]["query"]


def test_a_report_with_only_an_address_typed_with_the_city_is_placed_on_it(register: None, resident) -> None:
    payload = {k: v for k, v in POTHOLE.items() if k not in ("lat", "lon")}
    res = resident().post("/api/v1/reports", {**payload, "address": "ul. Floriańska 12, 31-019 Kraków"})
    assert res.status_code == 201, res.json
    assert res.json["address"] == "Floriańska 12" and res.json["area"]["code"] == "I"
    assert (res.json["lat"], res.json["lon"]) == (float(FLORIANSKA_12["lat"]), float(FLORIANSKA_12["lon"]))


# -- what a point is ---------------------------------------------------------------------------------------


def test_a_point_in_krakow_names_its_municipality_district_and_nearest_address(client: FlaskClient,
                                                                               register: None) -> None:
    res = client.get("/api/v1/locate?lat=50.06232&lon=19.93880", headers={"Accept-Language": "uk"})
    assert res.status_code == 200
    body = res.json
    assert body["inside"] is True and body["message"] is None
    assert body["jurisdiction"] == {"code": "1261011", "name": "Краків", "default_language": "pl",
                                    "languages": ["pl", "uk", "en"]}
    assert body["area"] == {"code": "I", "name": "Stare Miasto"}
    assert body["address"]["label"] == "Флоріанська 3" and body["address"]["postcode"] == "31-019"
    assert 0 < body["address"]["distance_m"] < 20


def test_a_point_far_from_every_address_has_no_nearest_address(client: FlaskClient, register: None) -> None:
    body = client.get("/api/v1/locate?lat=50.0700&lon=19.9200").json
    assert body["inside"] is True and body["area"]["code"] == "V" and body["address"] is None
    powiat = client.get("/api/v1/locate?lat=50.2&lon=20.1").json
    assert powiat["jurisdiction"]["code"] == "1206" and powiat["jurisdiction"]["name"] == "Powiat krakowski"


def test_a_point_outside_every_municipality_is_a_clear_answer_not_an_error(client: FlaskClient,
                                                                           register: None) -> None:
    res = client.get("/api/v1/locate?lat=52.2297&lon=21.0122", headers={"Accept-Language": "pl"})  # Warsaw
    assert res.status_code == 200
    body = res.json
    assert body["inside"] is False and body["jurisdiction"] is None and body["area"] is None
    assert "Kraków" in body["message"] and "Powiat krakowski" in body["message"] and "gminie" in body["message"]


@pytest.mark.parametrize(("query", "field"), [
    ("lat=50.06", "lon"), ("lon=19.93", "lat"), ("lat=91&lon=19.93", "lat"), ("lat=50.06&lon=east", "lon"),
])
def test_a_bad_point_is_a_422_naming_the_parameter(client: FlaskClient, query: str, field: str) -> None:
    res = client.get(f"/api/v1/locate?{query}")
    assert res.status_code == 422 and field in res.json["errors"]["query"]


def test_the_resident_openapi_document_describes_the_lookups(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").json
    for path in ("/api/v1/addresses", "/api/v1/locate", "/api/v1/reports/nearby"):
        assert "get" in doc["paths"][path], path
    addresses_doc = doc["paths"]["/api/v1/addresses"]["get"]
    assert {p["name"] for p in addresses_doc["parameters"]} >= {"q", "jurisdiction", "limit"}
    assert addresses_doc["responses"]["200"]["content"]["application/json"]["example"]["items"]
