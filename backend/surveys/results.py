"""Survey results: answer distributions and means with 95% intervals per question, overall and per district,
small cells suppressed, weighted figures where the responses carry design weights (`weighting`), the response
rate of the invitations; the CSV export."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, Select, cast, exists, func, select
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
from backend.surveys.invitations import invitation_replies
from backend.surveys.views import QuestionResult, Summary, SurveyResults
from backend.surveys.weighting import AreaId, Tally, tallies, weighted_choices, weighted_scale


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


@dataclass
class _Counts:
    """A survey's answers counted in SQL: scale answers per question × district × value (with Σd, Σd²), "don't
    know" per question, choice questions' respondents per district and picks per option × district."""

    scales: dict[int, dict[AreaId, dict[int, Tally]]]
    dont_know: dict[int, int]
    answered: dict[int, dict[AreaId, Tally]] = field(default_factory=dict)
    picks: dict[int, dict[str, dict[AreaId, Tally]]] = field(default_factory=dict)


def count_statements(survey_id: int) -> dict[str, Select[Any]]:
    """The statements that count a survey's answers (also run by the benchmark): scale answers per question ×
    district × value, "don't know" per question, choice answers per question × district, picks per question ×
    district × option; each with its count, Σd and Σd² of the responses' weights."""

    def answers(*columns: Any) -> Select[Any]:
        return (
            select(*columns)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .where(SurveyResponse.survey_id == survey_id)
        )

    d = cast(SurveyResponse.weight, Float)
    weights = (func.count(), func.sum(d), func.sum(d * d))
    q, area = SurveyAnswer.question_id, SurveyResponse.area_id
    picked = func.unnest(SurveyAnswer.choices).label("c")
    return {
        "scales": answers(q, area, SurveyAnswer.number, *weights)
        .where(SurveyAnswer.number.isnot(None))
        .group_by(q, area, SurveyAnswer.number),
        "dont_know": answers(q, func.count()).where(SurveyAnswer.dont_know).group_by(q),
        "answered": answers(q, area, *weights).where(SurveyAnswer.choices.isnot(None)).group_by(q, area),
        "picks": answers(q, area, picked, *weights).where(SurveyAnswer.choices.isnot(None)).group_by(q, area, "c"),
    }


def _answer_counts(s: Session, survey_id: int) -> _Counts:
    stmts = count_statements(survey_id)
    counts = _Counts(
        tallies(s.execute(stmts["scales"]).all()), {qid: int(n) for qid, n in s.execute(stmts["dont_know"])}
    )
    for qid, area_id, n, dd, d2 in s.execute(stmts["answered"]):
        counts.answered.setdefault(qid, {})[area_id] = Tally(int(n), float(dd), float(d2))
    for qid, area_id, code, n, dd, d2 in s.execute(stmts["picks"]):
        counts.picks.setdefault(qid, {}).setdefault(code, {})[area_id] = Tally(int(n), float(dd), float(d2))
    return counts


@dataclass(frozen=True)
class _Scope:
    """What every question's result needs: district codes and populations, and whether to weight."""

    areas: dict[AreaId, str]
    populations: dict[int, int | None]
    weighted: bool


def _scale_summary(kind: str, per_area: dict[AreaId, dict[int, Tally]], scope: _Scope) -> Summary:
    counts: dict[int, int] = defaultdict(int)
    for tallies_of_area in per_area.values():
        for k, t in tallies_of_area.items():
            counts[k] += t.n
    out = summarise(kind, dict(counts))
    if scope.weighted and not out["suppressed"] and (figures := weighted_scale(kind, per_area, scope.populations)):
        out["weighted"] = figures
    return out


def _choice_summary(answered: dict[AreaId, Tally], picks: dict[str, dict[AreaId, Tally]], scope: _Scope) -> Summary:
    n = sum(t.n for t in answered.values())
    if n < MIN_CELL:
        return {"n": n, "suppressed": True}
    out: Summary = {
        "n": n,
        "distribution": {code: sum(t.n for t in per_area.values()) for code, per_area in picks.items()},
        "suppressed": False,
    }
    chosen = {code: {a: t.d for a, t in per_area.items()} for code, per_area in picks.items()}
    if scope.weighted and (figures := weighted_choices(answered, chosen, scope.populations)):
        out["weighted"] = figures
    return out


def _question_result(q: SurveyQuestion, counts: _Counts, scope: _Scope) -> QuestionResult:
    """One question's result: overall and by area for scales, the distribution for choices."""
    entry: QuestionResult = {
        "code": q.code,
        "kind": q.kind,
        "service_code": q.service_code,
        "dimension": q.dimension,
        "dont_know": counts.dont_know.get(q.id, 0),
    }
    if q.kind in ("likert5", "nps"):
        per_area = counts.scales.get(q.id, {})
        entry["overall"] = _scale_summary(q.kind, per_area, scope)
        entry["by_area"] = {
            scope.areas.get(a, "-"): _scale_summary(q.kind, {a: c}, scope)
            for a, c in sorted(per_area.items(), key=lambda item: scope.areas.get(item[0], "~"))
        }
    elif q.kind in ("single", "multiple", "district"):
        entry["overall"] = _choice_summary(counts.answered.get(q.id, {}), counts.picks.get(q.id, {}), scope)
    return entry


def results(staff: StaffUser, survey_id: int) -> SurveyResults:
    """Per question: distribution, mean, top-2-box or NPS with n and 95% intervals, overall and by area, and the
    weighted figures where the responses carry design weights; cells under MIN_CELL responses suppressed. The
    response rate counts only the responses of invited devices."""
    s = session()
    survey = own_survey(s, staff, survey_id)
    district_rows = s.execute(
        select(Area.id, Area.code, Area.population).where(Area.jurisdiction_id == survey.jurisdiction_id)
    ).all()
    weighted = bool(
        s.scalar(select(exists().where(SurveyResponse.survey_id == survey.id, SurveyResponse.weight != 1.0)))
    )
    scope = _Scope({a: c for a, c, _ in district_rows}, {a: p for a, _, p in district_rows}, weighted)
    counts = _answer_counts(s, survey.id)
    total = s.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)) or 0
    sent_to, from_invited = invitation_replies(s, survey)
    out_questions = [_question_result(q, counts, scope) for q in survey.questions]
    s.rollback()
    return {
        "survey_id": survey.id,
        "key": survey.key,
        "version": survey.version,
        "provenance": survey.provenance,
        "responses": total,
        "weighted": weighted,
        "invited": sent_to,
        "invited_responses": from_invited,
        "uninvited_responses": total - from_invited if survey.provenance == "opt-in" else 0,
        "response_rate": (from_invited / sent_to) if sent_to else None,
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
