"""Survey results: answer distributions and means with 95% intervals per question, overall and per district,
small cells suppressed; the CSV export."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from backend.db import session
from backend.models import (
    Area,
    StaffUser,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from backend.stats import MIN_CELL, t_interval, wilson
from backend.surveys.definitions import own_survey
from backend.surveys.invitations import invited
from backend.surveys.views import QuestionResult, Summary, SurveyResults


def summarise(kind: str, counts: dict[int, int]) -> Summary:
    """n, mean, its interval, top-2-box with its interval (1–5) or NPS (0–10), from a distribution."""
    n = sum(counts.values())
    if n < MIN_CELL:
        return {"n": n, "suppressed": True}
    mean = sum(k * v for k, v in counts.items()) / n
    var = sum(v * (k - mean) ** 2 for k, v in counts.items()) / (n - 1) if n > 1 else 0.0
    out: Summary = {
        "n": n,
        "distribution": {str(k): v for k, v in sorted(counts.items())},
        "mean": mean,
        "mean_ci": t_interval(mean, math.sqrt(var), n),
        "suppressed": False,
    }
    if kind == "likert5":
        top = counts.get(4, 0) + counts.get(5, 0)
        out["top2"], out["top2_ci"] = top / n, wilson(top, n)
    else:
        promoters = sum(v for k, v in counts.items() if k >= 9)
        detractors = sum(v for k, v in counts.items() if k <= 6)
        out["nps"] = 100 * (promoters - detractors) / n
    return out


def _answer_counts(s: Session, survey_id: int) -> tuple[dict[int, Any], dict[int, int], dict[int, dict[str, int]]]:
    """Counted in SQL: numeric answers per question × area × value, "don't know" per question, choices per
    question × option."""

    def answers(*columns: Any) -> Select[Any]:
        return select(*columns).join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)

    numeric = s.execute(
        answers(SurveyAnswer.question_id, SurveyResponse.area_id, SurveyAnswer.number, func.count())
        .where(SurveyResponse.survey_id == survey_id, SurveyAnswer.number.isnot(None))
        .group_by(SurveyAnswer.question_id, SurveyResponse.area_id, SurveyAnswer.number)
    ).all()
    dont_know: dict[int, int] = dict(
        s.execute(
            answers(SurveyAnswer.question_id, func.count())
            .where(SurveyResponse.survey_id == survey_id, SurveyAnswer.dont_know)
            .group_by(SurveyAnswer.question_id)
        ).all()
    )
    choice = s.execute(
        answers(SurveyAnswer.question_id, func.unnest(SurveyAnswer.choices).label("c"), func.count())
        .where(SurveyResponse.survey_id == survey_id, SurveyAnswer.choices.isnot(None))
        .group_by(SurveyAnswer.question_id, "c")
    ).all()
    per: dict[int, dict[Any, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for qid, area_id, number, n in numeric:
        per[qid][area_id][number] = per[qid][area_id].get(number, 0) + n
    choices: dict[int, dict[str, int]] = defaultdict(dict)
    for qid, code, n in choice:
        choices[qid][code] = n
    return per, dont_know, choices


def _question_result(
    q: SurveyQuestion,
    per_area: dict[Any, dict[int, int]],
    dont_know: int,
    choices: dict[str, int],
    areas: dict[int, str],
) -> QuestionResult:
    """One question's result: overall and by area for scales, the distribution for choices."""
    entry: QuestionResult = {
        "code": q.code,
        "kind": q.kind,
        "service_code": q.service_code,
        "dimension": q.dimension,
        "dont_know": dont_know,
    }
    if q.kind in ("likert5", "nps"):
        overall: dict[int, int] = defaultdict(int)
        for counts in per_area.values():
            for k, v in counts.items():
                overall[k] += v
        entry["overall"] = summarise(q.kind, dict(overall))
        entry["by_area"] = {
            areas.get(a, "-"): summarise(q.kind, c)
            for a, c in sorted(per_area.items(), key=lambda item: areas.get(item[0], "~"))
        }
    elif q.kind in ("single", "multiple", "district"):
        n = sum(choices.values())
        entry["overall"] = (
            {"n": n, "suppressed": True} if n < MIN_CELL else {"n": n, "distribution": choices, "suppressed": False}
        )
    return entry


def results(staff: StaffUser, survey_id: int) -> SurveyResults:
    """Per question: distribution, mean, top-2-box or NPS with n and 95% intervals, overall and by area;
    cells under MIN_CELL responses suppressed."""
    s = session()
    survey = own_survey(s, staff, survey_id)
    areas = dict(s.execute(select(Area.id, Area.code).where(Area.jurisdiction_id == survey.jurisdiction_id)).all())
    per, dont_know, choices = _answer_counts(s, survey.id)
    total = s.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)) or 0
    sent_to = invited(s, survey.id)
    out_questions = [
        _question_result(q, per[q.id], dont_know.get(q.id, 0), choices[q.id], areas) for q in survey.questions
    ]
    s.rollback()
    return {
        "survey_id": survey.id,
        "key": survey.key,
        "version": survey.version,
        "provenance": survey.provenance,
        "responses": total,
        "invited": sent_to,
        "response_rate": (total / sent_to) if sent_to else None,
        "min_cell": MIN_CELL,
        "questions": out_questions,
    }


def export(staff: StaffUser, survey_id: int) -> list[list[Any]]:
    """Anonymised responses for a CSV: a header, then per response (shuffled) area, weight, provenance and
    one column per question — no response id, no time, no hash."""
    s = session()
    survey = own_survey(s, staff, survey_id)
    areas = dict(s.execute(select(Area.id, Area.code).where(Area.jurisdiction_id == survey.jurisdiction_id)).all())
    codes = {q.id: q.code for q in survey.questions}
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    for rid, qid, number, choices, text, dont_know in s.execute(
        select(
            SurveyAnswer.response_id,
            SurveyAnswer.question_id,
            SurveyAnswer.number,
            SurveyAnswer.choices,
            SurveyAnswer.text,
            SurveyAnswer.dont_know,
        )
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey.id)
    ):
        answers[rid][codes[qid]] = (
            "dont_know" if dont_know else number if number is not None else "|".join(choices) if choices else text
        )
    responses = s.execute(
        select(SurveyResponse.id, SurveyResponse.area_id, SurveyResponse.weight, SurveyResponse.provenance)
        .where(SurveyResponse.survey_id == survey.id)
        .order_by(func.random())
    ).all()
    s.rollback()
    header = ["area", "weight", "provenance", *codes.values()]
    return [
        header,
        *[
            [areas.get(a, "") if a is not None else "", w, p, *[answers[rid].get(c, "") for c in codes.values()]]
            for rid, a, w, p in responses
        ],
    ]
