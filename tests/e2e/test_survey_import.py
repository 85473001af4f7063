"""Importing a fielded survey (`hromada import-survey`): "don't know" codes per question type never swallow a
valid answer of a scale, and a choice cell outside the question's options refuses the whole file, naming its line,
column and value. Checked against the real Kansas City resident survey."""

from __future__ import annotations

import csv
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.e2e.test_surveys import KC_CSV, manager  # noqa: F401 - the module's manager fixture

# q10_01 of the Kansas City file is answered on 1–10 with 99 for "don't know"; the 1–5 items use 9 for it. A file
# like this names both codes for the whole survey.
NPS_ITEM, LIKERT_ITEM = "q10_01", "q3_01"


def kc_spec(tmp_path: Path, dont_know: str, nps_dont_know: bool = True) -> tuple[Path, str]:
    key = f"kc-nps-{uuid.uuid4().hex[:6]}"
    spec = tmp_path / f"{key}.yaml"
    spec.write_text(
        f"key: {key}\ntitle: {{en: KC, pl: KC}}\nrespondent_id: id\ndont_know: {dont_know}\n"
        'area:\n  column: counci\n  map: {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI"}\n'
        "questions:\n"
        f"  - {{code: sat, column: {LIKERT_ITEM}, kind: likert5, dont_know: true, "
        "text: {en: Satisfaction, pl: Zadowolenie}}\n"
        f"  - {{code: rec, column: {NPS_ITEM}, kind: nps, dont_know: {str(nps_dont_know).lower()}, "
        "text: {en: Recommend, pl: Polecenie}}\n"
    )
    return spec, key


def raw_column(column: str) -> list[str]:
    with KC_CSV.open(newline="") as f:
        return [row[column].strip() for row in csv.DictReader(f)]


def results_of(app: Flask, headers: dict[str, str], survey_id: int) -> dict[str, Any]:
    res = app.test_client().get(f"/api/admin/surveys/{survey_id}/results", headers=headers)
    assert res.status_code == 200, res.json
    return {q["code"]: q for q in res.json["questions"]}


def imported(app: Flask, key: str) -> int:
    from backend.db import session
    from backend.models import Survey

    with app.app_context():
        found = session().scalar(select(func.count()).select_from(Survey).where(Survey.key == key))
        session().rollback()
    return int(found or 0)


def expected_nps(values: list[int]) -> float:
    return 100 * (sum(v >= 9 for v in values) - sum(v <= 6 for v in values)) / len(values)


@pytest.mark.parametrize("dont_know", ['["9", "99"]', "{likert5: ['9'], nps: ['99']}"])
def test_an_nps_item_keeps_its_nines_and_its_nps_equals_the_raw_kansas_city_file(
        app: Flask, manager: dict, tmp_path: Path, dont_know: str) -> None:  # noqa: F811
    from backend.surveys import import_survey

    spec, _ = kc_spec(tmp_path, dont_know)
    with app.app_context():
        done = import_survey("1261011", spec, KC_CSV)
    got = results_of(app, manager, done["survey_id"])
    raw = raw_column(NPS_ITEM)
    scores = [int(v) for v in raw if v.isdigit() and 0 <= int(v) <= 10]
    assert Counter(scores)[9] > 30  # the file has nines to lose
    assert got["rec"]["overall"]["n"] == len(scores)
    assert got["rec"]["overall"]["nps"] == pytest.approx(expected_nps(scores), abs=1e-9)
    assert got["rec"]["dont_know"] == raw.count("99")
    likert = raw_column(LIKERT_ITEM)  # on the 1–5 item, 9 is still "don't know"
    assert got["sat"]["dont_know"] == likert.count("9")
    assert got["sat"]["overall"]["n"] == sum(v in "12345" and len(v) == 1 for v in likert)


def test_a_dont_know_code_that_is_an_answer_of_its_scale_is_refused_and_nothing_is_imported(
        app: Flask, tmp_path: Path) -> None:
    from backend.errors import DomainError
    from backend.surveys import import_survey

    spec, key = kc_spec(tmp_path, "{likert5: ['9'], nps: ['9', '99']}")
    with app.app_context(), pytest.raises(DomainError) as refused:
        import_survey("1261011", spec, KC_CSV)
    assert refused.value.field == "dont_know"
    assert "'9'" in refused.value.message and "nps" in refused.value.message
    assert imported(app, key) == 0
    spec, key = kc_spec(tmp_path, "{likert5: ['9'], ratings: ['99']}")  # no such question type
    with app.app_context(), pytest.raises(DomainError) as unknown:
        import_survey("1261011", spec, KC_CSV)
    assert unknown.value.field == "dont_know" and "ratings" in unknown.value.message


def test_a_survey_wide_code_is_an_answer_where_the_question_offers_no_dont_know(
        app: Flask, manager: dict, tmp_path: Path) -> None:  # noqa: F811
    from backend.errors import DomainError
    from backend.surveys import import_survey

    spec, _ = kc_spec(tmp_path, '["9", "99"]', nps_dont_know=False)
    spec.write_text(spec.read_text().replace(f"column: {NPS_ITEM}", "column: q13_01"))  # 1–10, 99

    with app.app_context(), pytest.raises(DomainError) as refused:
        import_survey("1261011", spec, KC_CSV)
    first_99 = raw_column("q13_01").index("99") + 2  # a 9 comes earlier in the file: it is an answer here
    assert raw_column("q13_01").index("9") + 2 < first_99
    assert f"line {first_99}, column q13_01: '99'" in refused.value.message


CHOICE_SPEC = """key: {key}
title: {{en: Choices, pl: Wybory}}
respondent_id: id
dont_know: ["9"]
area: {{column: district}}
questions:
  - {{code: used, column: used, kind: single, dont_know: true, text: {{en: Used, pl: Korzystasz}},
     options: [{{code: "yes", label: {{en: "yes"}}}}, {{code: "no", label: {{en: "no"}}}}]}}
  - {{code: which, column: which, kind: multiple, text: {{en: Which, pl: Które}},
     options: [{{code: paper, label: {{en: paper}}}}, {{code: glass, label: {{en: glass}}}}]}}
"""


@pytest.mark.parametrize(("cells", "line", "column", "value"), [
    ("yes,paper\n2,I,maybe,glass\n", 3, "used", "maybe"),
    ("yes,paper\n2,I,no,paper|wood\n", 3, "which", "wood"),
    ("yes,paper| glass\n2,I,no,Glass\n", 3, "which", "Glass"),
])
def test_a_choice_outside_the_options_refuses_the_file_naming_line_column_and_value(
        app: Flask, tmp_path: Path, cells: str, line: int, column: str, value: str) -> None:
    from backend.db import session
    from backend.errors import DomainError
    from backend.models import SurveyResponse
    from backend.surveys import import_survey

    key = f"choices-{uuid.uuid4().hex[:6]}"
    (tmp_path / "c.yaml").write_text(CHOICE_SPEC.format(key=key))
    (tmp_path / "c.csv").write_text("id,district,used,which\n1,I," + cells)
    with app.app_context():
        before = session().scalar(select(func.count()).select_from(SurveyResponse))
        session().rollback()
        with pytest.raises(DomainError) as refused:
            import_survey("1261011", tmp_path / "c.yaml", tmp_path / "c.csv")
        after = session().scalar(select(func.count()).select_from(SurveyResponse))
        session().rollback()
    message = refused.value.message
    assert f"line {line}" in message and f"column {column}" in message and f"{value!r}" in message
    options = "yes, no" if column == "used" else "paper, glass"
    assert options in message  # what the column may hold
    assert imported(app, key) == 0 and after == before  # nothing half-imported


def test_numbered_options_match_the_numbers_in_the_file(app: Flask, manager: dict, tmp_path: Path) -> None:  # noqa: F811
    from backend.surveys import import_survey

    key = f"kc-own-{uuid.uuid4().hex[:6]}"
    (tmp_path / "own.yaml").write_text(
        f"key: {key}\ntitle: {{en: KC, pl: KC}}\nrespondent_id: id\ndont_know: ['9']\narea: {{column: counci}}\n"
        "questions:\n  - {code: own, column: q24_w, kind: single, dont_know: true,\n"
        "     text: {en: Own or rent, pl: Własność},\n"
        "     options: [{code: 1, label: {en: own}}, {code: 2, label: {en: rent}}]}\n")
    with app.app_context():
        done = import_survey("1261011", tmp_path / "own.yaml", KC_CSV)
    raw = Counter(raw_column("q24_w"))
    got = results_of(app, manager, done["survey_id"])["own"]
    assert got["overall"]["distribution"] == {"1": raw["1"], "2": raw["2"]}
    assert got["dont_know"] == raw["9"]
