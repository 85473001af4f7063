"""The address register: import, nearest address within 100 m, placement from an address alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import Address
from tests.conftest import ROOT
from tests.e2e.conftest import POTHOLE
from tests.integration.test_load_city import run_cli

FIXTURE = ROOT / "tests" / "fixtures" / "addresses_test.csv"


@pytest.fixture
def register(app: Flask, cities: dict) -> Iterator[None]:
    assert run_cli(app, "load-addresses", "1261011", str(FIXTURE)).exit_code == 0
    yield
    from backend.db import unit_of_work

    with app.app_context(), unit_of_work() as s:
        s.execute(Address.__table__.delete())


def test_reimport_replaces_the_register(app: Flask, register: None, db: Session, tmp_path: Path) -> None:
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {
        "type": "Point", "coordinates": [19.9370, 50.0600]}, "properties": {"street": "Grodzka", "house_number": "2"}}]}
    (tmp_path / "a.geojson").write_text(json.dumps(doc))
    result = run_cli(app, "load-addresses", "1261011", str(tmp_path / "a.geojson"))
    assert result.exit_code == 0 and "1 addresses" in result.output
    assert db.scalar(select(func.count()).select_from(Address)) == 1
    assert run_cli(app, "load-addresses", "1261011", str(FIXTURE)).exit_code == 0
    assert db.scalar(select(func.count()).select_from(Address)) == 4


def test_a_broken_register_file_names_the_line_and_changes_nothing(app: Flask, register: None, db: Session,
                                                                    tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("street,house_number,lat,lon\nGrodzka,1,50.06,19.93\nGrodzka,2,north,19.93\n")
    result = run_cli(app, "load-addresses", "1261011", str(bad))
    assert result.exit_code == 2 and "line 3" in result.output
    assert db.scalar(select(func.count()).select_from(Address)) == 4


def test_a_report_gets_the_nearest_address_within_100_m(register: None, resident) -> None:
    body = resident().report(lat=50.06232, lon=19.93880)  # a few metres from Floriańska 3
    assert body["address"] == "Floriańska 3"
    far = resident().report(lat=50.0700, lon=19.9200)  # nothing within 100 m
    assert far["address"] is None
    own = resident().report(lat=50.06232, lon=19.93880, address="by the gate")
    assert own["address"] == "by the gate"


@pytest.mark.parametrize(("typed", "expected"), [("Florianska 14", "Floriańska 14"),
                                                 ("ul. Floriańska 3", "Floriańska 3"),
                                                 ("Флоріанська 14", "Floriańska 14"),
                                                 ("swietego wawrzynca 7", "Świętego Wawrzyńca 7")])
def test_an_address_alone_places_the_report(register: None, resident, typed: str, expected: str) -> None:
    payload = {k: v for k, v in POTHOLE.items() if k not in ("lat", "lon")}
    res = resident().post("/api/v1/reports", {**payload, "address": typed})
    assert res.status_code == 201, res.json
    assert res.json["address"] == expected and res.json["area"]["code"] in ("I", "II", "XIII")


def test_an_unknown_address_without_a_location_is_422(register: None, resident) -> None:
    payload = {k: v for k, v in POTHOLE.items() if k not in ("lat", "lon")}
    res = resident().post("/api/v1/reports", {**payload, "address": "Marszałkowska 140"})
    assert res.status_code == 422 and "address" in res.json["errors"]["json"]
    res = resident().post("/api/v1/reports", payload)
    assert res.status_code == 422 and "lat" in res.json["errors"]["json"]
