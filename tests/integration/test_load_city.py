"""`hromada load-city`: idempotent reloads; every defect exits non-zero, names file and field, writes nothing."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.cli import main
from backend.models import WASTE_FRACTIONS, Jurisdiction, Service, ServiceQuestion
from tests.conftest import CITIES, ROOT

TABLES = ("jurisdictions", "areas", "area_pieces", "departments", "service_groups", "services", "service_questions")


def snapshot(db: Session) -> dict[str, list]:
    """Every row of the catalogue tables, timestamps and geometry included."""
    out = {}
    for table in TABLES:
        rows = db.execute(text(f"SELECT to_jsonb(t)::text FROM {table} t ORDER BY id")).scalars().all()  # noqa: S608
        out[table] = rows
    db.rollback()
    return out


def run_cli(app: Flask, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_loading_krakow_again_changes_no_row(app: Flask, cities: dict, db: Session) -> None:
    before = snapshot(db)
    result = run_cli(app, "load-city", str(CITIES / "krakow"))
    assert result.exit_code == 0, result.output
    assert snapshot(db) == before
    assert len(before["services"]) >= 20


def test_a_changed_service_updates_only_that_row(app: Flask, cities: dict, db: Session, tmp_path: Path) -> None:
    target = tmp_path / "powiat"
    shutil.copytree(CITIES / "powiat-krakowski", target)
    spec = yaml.safe_load((target / "city.yaml").read_text())
    spec["services"][0]["sla_hours"] = 96
    (target / "city.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
    before = snapshot(db)
    try:
        assert run_cli(app, "load-city", str(target)).exit_code == 0
        after = snapshot(db)
        changed = {t for t in TABLES if before[t] != after[t]}
        assert changed == {"services", "jurisdictions"}  # the service, and the source digest
        old = [json.loads(r) for r in before["services"]]
        new = [json.loads(r) for r in after["services"]]
        diff = [(o["code"], n["sla_hours"]) for o, n in zip(old, new, strict=True) if o != n]
        assert diff == [("pothole", 96)]
        assert [n["updated_at"] != o["updated_at"] for o, n in zip(old, new, strict=True)].count(True) == 1
    finally:
        assert run_cli(app, "load-city", str(CITIES / "powiat-krakowski")).exit_code == 0


def _broken_city(tmp_path: Path, defect: str) -> tuple[Path, str, str]:
    """A copy of the powiat under a new code with one defect; returns (dir, file, field)."""
    target = tmp_path / defect
    shutil.copytree(CITIES / "powiat-krakowski", target)
    city_yaml = target / "city.yaml"
    spec = yaml.safe_load(city_yaml.read_text())
    spec["jurisdiction"].update(code="9999", slug="broken", report_prefix="BRK")
    spec["areas"]["exclude_jurisdictions"] = []
    if defect == "yaml":
        city_yaml.write_text(yaml.safe_dump(spec, allow_unicode=True) + "services: [unclosed\n")
        return target, "city.yaml", "line"
    if defect == "language":
        spec["jurisdiction"]["languages"] = ["pl", "de"]
        field = "jurisdiction.languages"
    elif defect == "department":
        spec["services"][1]["department"] = "no-such-department"
        field = "services.1.department"
    elif defect == "waste-fraction":  # the calendar says plastics_metal
        spec["services"][0]["questions"] = [
            {
                "code": "fraction",
                "datatype": "multivaluelist",
                "waste_fractions": True,
                "description": {"pl": "Które odpady?", "uk": "Які відходи?", "en": "Which waste?"},
                "options": [
                    {"key": "paper", "name": {"pl": "Papier", "uk": "Папір", "en": "Paper"}},
                    {"key": "plastic_metal", "name": {"pl": "Metale", "uk": "Метал", "en": "Metal"}},
                ],
            }
        ]
        field = "services.0.questions.0.options.1.key"
    elif defect == "not-polygons":
        doc = json.loads((target / "boundary.geojson").read_text())
        doc["features"].append(
            {
                "type": "Feature",
                "properties": {"code": "P", "name": "P"},
                "geometry": {"type": "Point", "coordinates": [19.9, 50.0]},
            }
        )
        (target / "boundary.geojson").write_text(json.dumps(doc))
        field = "features[1].geometry.type"
    elif defect == "clipped-away":
        # Detected only after rows were written: the whole area lies inside the excluded city.
        square = [[19.93, 50.06], [19.94, 50.06], [19.94, 50.065], [19.93, 50.065], [19.93, 50.06]]
        doc = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": "SQ", "name": "Rynek"},
                    "geometry": {"type": "Polygon", "coordinates": [square]},
                }
            ],
        }
        (target / "boundary.geojson").write_text(json.dumps(doc))
        spec["areas"]["exclude_jurisdictions"] = ["1261011"]
        field = "features[0]"
    city_yaml.write_text(yaml.safe_dump(spec, allow_unicode=True))
    return target, ("boundary.geojson" if defect in ("not-polygons", "clipped-away") else "city.yaml"), field


@pytest.fixture
def no_leftovers(app: Flask) -> object:
    yield
    from backend.db import unit_of_work

    with app.app_context(), unit_of_work() as s:
        s.execute(text("DELETE FROM jurisdictions WHERE code = '9999'"))


@pytest.mark.usefixtures("no_leftovers")
@pytest.mark.parametrize("defect", ["yaml", "language", "department", "waste-fraction", "not-polygons", "clipped-away"])
def test_a_defective_city_exits_non_zero_names_file_and_field_and_writes_nothing(
    app: Flask, cities: dict, db: Session, tmp_path: Path, defect: str
) -> None:
    directory, file_name, field = _broken_city(tmp_path, defect)
    before = snapshot(db)
    result = run_cli(app, "load-city", str(directory))
    assert result.exit_code != 0
    assert file_name in result.output and field in result.output, result.output
    assert snapshot(db) == before


def test_the_console_script_reports_a_defect_on_stderr(migrated: str, tmp_path: Path) -> None:
    directory, _, field = _broken_city(tmp_path, "department")
    env = {**os.environ, "DATABASE_URL": migrated}
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "hromada"), "load-city", str(directory)],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 2
    assert "city.yaml" in proc.stderr and field in proc.stderr


def test_a_catalogue_fraction_the_waste_calendar_lacks_is_refused_naming_the_calendars_keys(
    app: Flask, cities: dict, tmp_path: Path
) -> None:
    directory, _, field = _broken_city(tmp_path, "waste-fraction")
    result = run_cli(app, "load-city", str(directory))
    assert result.exit_code != 0
    assert field in result.output and "'plastic_metal'" in result.output, result.output
    assert ", ".join(WASTE_FRACTIONS) in result.output  # the keys it may use


def test_krakows_missed_collection_offers_the_fractions_of_its_waste_calendar(cities: dict, db: Session) -> None:
    options = db.scalars(
        select(ServiceQuestion.options)
        .join(Service, Service.id == ServiceQuestion.service_id)
        .join(Jurisdiction, Jurisdiction.id == Service.jurisdiction_id)
        .where(Jurisdiction.code == "1261011", Service.code == "missed_collection", ServiceQuestion.code == "fraction")
    ).one()
    keys = [o["key"] for o in options]
    assert "plastics_metal" in keys and set(keys) <= set(WASTE_FRACTIONS), keys
    with (CITIES / "krakow" / "waste.csv").open(encoding="utf-8") as f:
        calendar = {row["fraction"] for row in csv.DictReader(f)}
    assert calendar <= set(WASTE_FRACTIONS) and calendar - {"bulky"} <= set(keys), (calendar, keys)
