"""What a valid survey answer is: the rules the app's answers and an imported survey's CSV cells share (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from backend.errors import DomainError
from backend.models import Survey, SurveyQuestion
from backend.surveys.answers import MAX_TEXT, answer_row, check_answers

AREAS = {"I": 1, "II": 2}


def q(code: str, kind: str, **kw: Any) -> SurveyQuestion:
    defaults: dict[str, Any] = {"required": False, "dont_know": False, "options": [], "show_if_code": None}
    return SurveyQuestion(id=len(code), code=code, kind=kind, **{**defaults, **kw})


def refused(question: SurveyQuestion, value: Any) -> str:
    with pytest.raises(DomainError) as exc:
        answer_row(question, value, AREAS, f"answers.{question.code}")
    assert exc.value.field == f"answers.{question.code}"
    return exc.value.message


def test_scales_take_whole_numbers_within_their_bounds() -> None:
    likert, nps = q("sat", "likert5"), q("rec", "nps")
    assert answer_row(likert, 5, AREAS, "f")["number"] == 5
    assert answer_row(nps, 0, AREAS, "f")["number"] == 0
    assert "1" in refused(likert, 0) and "5" in refused(likert, 6)
    assert "10" in refused(nps, 11)
    refused(likert, True)  # a boolean is not a score
    refused(likert, "4")  # nor is text


def test_dont_know_only_where_the_question_offers_it() -> None:
    assert answer_row(q("a", "likert5", dont_know=True), "dont_know", AREAS, "f")["dont_know"] is True
    refused(q("a", "likert5"), "dont_know")


def test_choices_are_the_questions_options_or_its_districts() -> None:
    single = q("one", "single", options=[{"code": "bus"}, {"code": "tram"}])
    multiple = q("many", "multiple", options=[{"code": "bus"}, {"code": "tram"}])
    assert answer_row(single, "tram", AREAS, "f")["choices"] == ["tram"]
    refused(single, "car")
    assert answer_row(multiple, ["bus", "tram"], AREAS, "f")["choices"] == ["bus", "tram"]
    refused(multiple, ["bus", "bus"])  # the same option twice
    refused(multiple, ["bus", "car"])
    assert answer_row(q("where", "district"), "II", AREAS, "f")["choices"] == ["II"]
    refused(q("where", "district"), "XX")


def test_text_is_trimmed_and_has_a_limit() -> None:
    assert answer_row(q("c", "text"), "  potholes  ", AREAS, "f")["text"] == "potholes"
    refused(q("c", "text"), "x" * (MAX_TEXT + 1))


def test_a_survey_refuses_unknown_questions_missing_required_ones_and_hidden_answers() -> None:
    first = q("uses", "single", required=True, options=[{"code": "yes"}, {"code": "no"}])
    follow = q("sat", "likert5", required=True, show_if_code="uses", show_if_values=["yes"])
    survey = Survey(questions=[first, follow])
    assert [r["number"] for r in check_answers(survey, {"uses": "yes", "sat": 4}, AREAS)] == [None, 4]
    assert len(check_answers(survey, {"uses": "no"}, AREAS)) == 1  # the follow-up is not asked, not required
    for answers, field in (
        ({"uses": "yes", "sat": 4, "bogus": 1}, "answers.bogus"),
        ({"uses": "yes"}, "answers.sat"),
        ({"uses": "no", "sat": 4}, "answers.sat"),
        ({}, "answers.uses"),
    ):
        with pytest.raises(DomainError) as exc:
            check_answers(survey, answers, AREAS)
        assert exc.value.field == field, answers
