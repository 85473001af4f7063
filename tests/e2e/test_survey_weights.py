"""Survey results with design weights: where the responses carry weights, the results (staff API and the survey's
page) give the weighted figures by the indicators' definition — a district's design-weighted mean, the whole
municipality's post-stratified by district population, with the Kish effective n — beside the unweighted n.
Checked against an independent computation from the Kansas City file with a weight per interview mode."""

from __future__ import annotations

import csv
import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from backend.staff import create_staff
from tests.e2e.conftest import HTTPS, PASSWORD, api_headers, web_session
from tests.e2e.test_surveys import KC_CSV

ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI"}
#: A mode adjustment of the kind a fielding company delivers: mail and phone answers weigh more than web ones.
MODE_WEIGHT = {"Web": 0.8, "Mail": 1.35, "Phone": 2.5}
SPEC = """key: {key}
title: {{en: KC weighted, pl: KC ważone}}
respondent_id: id
weight: w
dont_know: {{likert5: ["9"], nps: ["99"], single: ["9"]}}
area:
  column: counci
  map: {{"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI"}}
questions:
  - {{code: sat, column: q3_01, kind: likert5, dont_know: true, text: {{en: Satisfaction, pl: Zadowolenie}}}}
  - {{code: rec, column: q10_01, kind: nps, dont_know: true, text: {{en: Recommend, pl: Polecenie}}}}
  - {{code: own, column: q24_w, kind: single, dont_know: true, text: {{en: Own or rent, pl: Własność}},
     options: [{{code: "1", label: {{en: own, pl: własne}}}}, {{code: "2", label: {{en: rent, pl: wynajem}}}}]}}
"""


@pytest.fixture(scope="module")
def staff(app: Flask, cities: dict) -> dict[str, Any]:
    email = f"weights-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="manager", jurisdiction_code="1261011")
    web = web_session(app, email)[0]
    with web.session_transaction(base_url=HTTPS) as kept:
        kept["lang"] = "en"
    return {"api": api_headers(app, email), "web": web}


def rows() -> list[dict[str, str]]:
    with KC_CSV.open(newline="") as f:
        return list(csv.DictReader(f))


def import_kc(app: Flask, tmp_path: Path, weighted: bool) -> int:
    from backend.surveys import import_survey

    data = rows()
    out = tmp_path / "kc-weighted.csv"
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, [*data[0].keys(), "w"])
        writer.writeheader()
        writer.writerows({**r, "w": MODE_WEIGHT[r["method"]] if weighted else 1} for r in data)
    spec = tmp_path / "kc-weighted.yaml"
    spec.write_text(SPEC.format(key=f"kc-w-{uuid.uuid4().hex[:6]}"))
    with app.app_context():
        return int(import_survey("1261011", spec, out)["survey_id"])


def populations(app: Flask) -> dict[str, int]:
    from backend.db import session

    with app.app_context():
        found = dict(session().execute(text(
            "SELECT a.code, a.population FROM areas a JOIN jurisdictions j ON j.id = a.jurisdiction_id "
            "WHERE j.code = '1261011' AND a.code IN ('I','II','III','IV','V','VI')")).all())
        session().rollback()
    return found


def by_hand(column: str, valid: Callable[[str], bool], score: Callable[[str], float],
            pops: dict[str, int]) -> tuple[dict[str, float], float, float]:
    """Per district Σw·x/Σw; the municipality Σ P·m / Σ P; Kish n (Σv)²/Σv² of v = P·w/Σw (the README's rule)."""
    answers: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in rows():
        if valid(r[column]):
            answers[ROMAN[r["counci"]]].append((MODE_WEIGHT[r["method"]], score(r[column])))
    means = {a: sum(w * x for w, x in wx) / sum(w for w, _ in wx) for a, wx in answers.items()}
    total = sum(pops[a] for a in answers)
    overall = sum(pops[a] * means[a] for a in answers) / total
    v = [pops[a] * w / sum(ww for ww, _ in wx) for a, wx in answers.items() for w, _ in wx]
    return means, overall, sum(v) ** 2 / sum(x * x for x in v)


def likert(value: str) -> bool:
    return value in {"1", "2", "3", "4", "5"}


def nps_scale(value: str) -> bool:
    return value.isdigit() and 0 <= int(value) <= 10


def test_weighted_results_equal_an_independent_weighted_computation_and_the_page_says_so(
        app: Flask, staff: dict, tmp_path: Path) -> None:
    survey_id = import_kc(app, tmp_path, weighted=True)
    res = app.test_client().get(f"/api/admin/surveys/{survey_id}/results", headers=staff["api"]).json
    assert res["weighted"] is True
    got = {q["code"]: q for q in res["questions"]}
    pops = populations(app)
    checks = [
        ("sat", "q3_01", likert, float, "mean"),
        ("sat", "q3_01", likert, lambda v: float(int(v) >= 4), "top2"),
        ("rec", "q10_01", nps_scale, lambda v: 100.0 * ((int(v) >= 9) - (int(v) <= 6)), "nps"),
        ("own", "q24_w", lambda v: v in ("1", "2"), lambda v: float(v == "1"), "1"),
    ]
    for code, column, valid, score, figure in checks:
        means, overall, kish = by_hand(column, valid, score, pops)
        question = got[code]
        weighted = question["overall"]["weighted"]
        shown = weighted["distribution"][figure] if code == "own" else weighted[figure]
        assert shown == pytest.approx(overall, rel=1e-9), (code, figure)
        assert weighted["effective_n"] == pytest.approx(kish, rel=1e-9)
        assert question["overall"]["n"] == sum(valid(r[column]) for r in rows())  # the unweighted n stays
        for area, mean in means.items():
            if code != "own":
                assert question["by_area"][area]["weighted"][figure] == pytest.approx(mean, rel=1e-9)
    sat = got["sat"]["overall"]
    assert sat["weighted"]["mean"] != pytest.approx(sat["mean"], abs=1e-3)  # the weights change the figure
    page = staff["web"].get(f"/admin/surveys/{survey_id}", base_url=HTTPS).get_data(as_text=True)
    assert "Weighted by the design weights of the responses" in page
    block = re.search(r'data-code="sat".*?</article>', page, re.S).group(0)
    assert f"{sat['weighted']['mean']:.2f}" in block and f"n = {sat['n']}" in block
    assert f"{sat['weighted']['effective_n']:.0f}" in block
    shares = got["own"]["overall"]["weighted"]["distribution"]
    own = re.search(r'data-code="own".*?</article>', page, re.S).group(0)  # the options by their labels
    assert f"own {100 * shares['1']:.1f} % · rent {100 * shares['2']:.1f} %" in own


def test_a_survey_without_weights_shows_plain_figures_and_says_it_is_unweighted(
        app: Flask, staff: dict, tmp_path: Path) -> None:
    survey_id = import_kc(app, tmp_path, weighted=False)
    res = app.test_client().get(f"/api/admin/surveys/{survey_id}/results", headers=staff["api"]).json
    assert res["weighted"] is False
    assert all("weighted" not in q["overall"] for q in res["questions"])
    page = staff["web"].get(f"/admin/surveys/{survey_id}", base_url=HTTPS).get_data(as_text=True)
    assert "Weighted by the design weights of the responses" not in page
    assert "Unweighted: the responses carry no design weights." in page
    with staff["web"].session_transaction(base_url=HTTPS) as kept:
        kept["lang"] = "pl"
    try:
        page = staff["web"].get(f"/admin/surveys/{survey_id}", base_url=HTTPS).get_data(as_text=True)
    finally:
        with staff["web"].session_transaction(base_url=HTTPS) as kept:
            kept["lang"] = "en"
    assert "Bez ważenia: odpowiedzi nie mają wag ze schematu badania." in page
