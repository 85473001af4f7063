"""City definitions are checked before anything touches the database."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from backend.cities import read_city
from backend.errors import CityDefinitionError
from tests.conftest import CITIES


def write(tmp_path: Path, mutate) -> Path:  # type: ignore[no-untyped-def]
    spec = yaml.safe_load((CITIES / "krakow" / "city.yaml").read_text())
    mutate(spec)
    (tmp_path / "city.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
    (tmp_path / "districts.geojson").write_bytes((CITIES / "krakow" / "districts.geojson").read_bytes())
    return tmp_path


def test_the_krakow_demo_is_complete_in_three_languages() -> None:
    city, features, _ = read_city(CITIES / "krakow")
    assert city["jurisdiction"]["code"] == "1261011"
    assert len(features) == 18 and len(city["services"]) >= 20
    for svc in city["services"]:
        assert set(svc["name"]) == {"pl", "uk", "en"}


def test_a_missing_translation_names_the_service_and_language(tmp_path: Path) -> None:
    def drop_uk(spec: dict) -> None:
        del spec["services"][3]["name"]["uk"]

    with pytest.raises(CityDefinitionError) as err:
        read_city(write(tmp_path, drop_uk))
    assert "services.3.name.uk" in str(err.value) and "city.yaml" in str(err.value)


def test_a_list_question_without_options_is_refused(tmp_path: Path) -> None:
    def no_options(spec: dict) -> None:
        spec["services"][0]["questions"][0]["options"] = []

    with pytest.raises(CityDefinitionError) as err:
        read_city(write(tmp_path, no_options))
    assert "services.0.questions.0.options" in str(err.value)


def test_a_default_language_outside_the_languages_is_refused(tmp_path: Path) -> None:
    def default_de(spec: dict) -> None:
        spec["jurisdiction"]["default_language"] = "en"
        spec["jurisdiction"]["languages"] = ["pl", "uk"]

    with pytest.raises(CityDefinitionError) as err:
        read_city(write(tmp_path, default_de))
    assert "jurisdiction.default_language" in str(err.value)


def test_duplicate_service_codes_are_refused(tmp_path: Path) -> None:
    def dupe(spec: dict) -> None:
        spec["services"][1]["code"] = spec["services"][0]["code"]

    with pytest.raises(CityDefinitionError) as err:
        read_city(write(tmp_path, dupe))
    assert "duplicate code 'pothole'" in str(err.value)
