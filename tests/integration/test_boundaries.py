"""Boundary import: invalid and self-intersecting polygons are repaired, other input refused."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from backend.cities import load_city
from backend.errors import CityDefinitionError
from tests.conftest import CITIES, ROOT, SHARED_DATA

POWIATY = SHARED_DATA / "boundaries" / "malopolska_powiaty.geojson"


def city_dir(tmp: Path, code: str, geojson: Path, code_prop: str, name_prop: str, **areas: object) -> Path:
    """A minimal city directory around a boundary file (based on the powiat's city.yaml)."""
    spec = yaml.safe_load((CITIES / "powiat-krakowski" / "city.yaml").read_text())
    spec["jurisdiction"].update(code=code, slug=f"t-{code.lower()}", report_prefix="TST")
    spec["areas"] = {"file": geojson.name, "code_property": code_prop, "name_property": name_prop, **areas}
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "city.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
    if geojson.parent != tmp:
        shutil.copy(geojson, tmp / geojson.name)
    return tmp


@pytest.fixture
def scratch_jurisdictions(app: Flask) -> Iterator[list[str]]:
    """Codes of jurisdictions a test creates; deleted afterwards so others see only the demo."""
    codes: list[str] = []
    yield codes
    from backend.db import unit_of_work

    with app.app_context(), unit_of_work() as s:
        for code in codes:
            s.execute(text("DELETE FROM jurisdictions WHERE code = :c"), {"c": code})


def _areas_vs_makevalid(db: Session, code: str, source: Path, code_prop: str) -> list[tuple]:
    features = json.loads(source.read_text())["features"]
    rows = []
    for f in features:
        stored = db.execute(
            text("""
            SELECT ST_IsValid(a.boundary), GeometryType(a.boundary), ST_Area(a.boundary::geography),
                   ST_Area(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)), 3)::geography),
                   ST_IsValid(ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326))
            FROM areas a JOIN jurisdictions j ON j.id = a.jurisdiction_id
            WHERE j.code = :j AND a.code = :c
        """),
            {"g": json.dumps(f["geometry"]), "j": code, "c": str(f["properties"][code_prop])},
        ).one()
        rows.append(tuple(stored))
    return rows


def test_invalid_powiat_polygons_are_stored_valid_with_their_area_kept(
    app: Flask, db: Session, tmp_path: Path, scratch_jurisdictions: list[str]
) -> None:
    scratch_jurisdictions.append("T12")
    load_city(city_dir(tmp_path, "T12", POWIATY, "id", "nazwa"))
    rows = _areas_vs_makevalid(db, "T12", POWIATY, "id")
    assert len(rows) == 22
    assert sum(1 for r in rows if not r[4]) == 10  # the input really had 10 invalid polygons
    for valid, gtype, stored_area, makevalid_area, _ in rows:
        assert valid and gtype == "MULTIPOLYGON"
        assert abs(stored_area - makevalid_area) <= 0.005 * makevalid_area


def test_a_bow_tie_polygon_becomes_a_valid_multipolygon_of_both_halves(
    app: Flask, db: Session, tmp_path: Path, scratch_jurisdictions: list[str]
) -> None:
    scratch_jurisdictions.append("TBOW")
    bowtie = ROOT / "tests" / "fixtures" / "bowtie.geojson"
    load_city(city_dir(tmp_path, "TBOW", bowtie, "code", "name"))
    ((valid, gtype, stored_area, makevalid_area, input_valid),) = _areas_vs_makevalid(db, "TBOW", bowtie, "code")
    assert not input_valid and valid and gtype == "MULTIPOLYGON"
    parts = db.execute(text("SELECT ST_NumGeometries(boundary) FROM areas WHERE code = 'BOW'")).scalar_one()
    assert parts == 2
    assert abs(stored_area - makevalid_area) <= 0.005 * makevalid_area


def test_a_boundary_in_the_polish_national_grid_is_reprojected(
    app: Flask, db: Session, tmp_path: Path, scratch_jurisdictions: list[str]
) -> None:
    scratch_jurisdictions.append("T2180")
    # A 200 m square in EPSG:2180 (PUWG 1992) around a point far from the demo cities.
    ring = json.loads(
        db.execute(
            text("""
        SELECT ST_AsGeoJSON(ST_Expand(ST_Transform(ST_SetSRID(ST_MakePoint(18.0, 49.5), 4326), 2180), 100))
    """)
        ).scalar_one()
    )
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2180"}},
        "features": [{"type": "Feature", "properties": {"code": "SQ", "name": "Square"}, "geometry": ring}],
    }
    (tmp_path / "square.geojson").write_text(json.dumps(doc))
    load_city(city_dir(tmp_path, "T2180", tmp_path / "square.geojson", "code", "name"))
    from geo.locate import locate

    loc = locate(db, 18.0, 49.5)
    assert loc is not None and loc.jurisdiction_code == "T2180"
    area = db.execute(text("SELECT ST_Area(boundary::geography) FROM areas WHERE code = 'SQ'")).scalar_one()
    assert 39_000 < area < 41_000  # 200 m x 200 m


def test_coordinates_that_are_not_longitude_latitude_are_refused(app: Flask, tmp_path: Path) -> None:
    ring = [[566000, 244000], [567000, 244000], [567000, 245000], [566000, 244000]]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "X", "name": "X"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    (tmp_path / "metres.geojson").write_text(json.dumps(doc))
    with app.app_context(), pytest.raises(CityDefinitionError) as err:
        load_city(city_dir(tmp_path, "TM", tmp_path / "metres.geojson", "code", "name"))
    assert "metres.geojson" in str(err.value) and "features[0].geometry.coordinates" in str(err.value)
