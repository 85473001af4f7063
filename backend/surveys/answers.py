"""What a valid answer to a survey question is, in one place: the app's answers and a fielded survey's imported
CSV cells are checked by the same rules (scale bounds, options, districts, "don't know", text length, show-if
conditions). Pure rules, no I/O: the rows they return are stored by the caller."""

from __future__ import annotations

from typing import Any, TypedDict

from backend.errors import DomainError
from backend.i18n import gettext
from backend.models import Survey, SurveyQuestion

#: The longest free-text answer kept.
MAX_TEXT = 2000


class AnswerRow(TypedDict):
    """One answer as stored (a survey_answers row without its response)."""

    question_id: int
    number: int | None
    choices: list[str] | None
    text: str | None
    dont_know: bool


def visible(q: SurveyQuestion, answers: dict[str, Any]) -> bool:
    """Whether a question is shown for the answers given (its show-if condition)."""
    if not q.show_if_code:
        return True
    given = answers.get(q.show_if_code)
    values = given if isinstance(given, list) else [given]
    return any(str(v) in (q.show_if_values or []) for v in values if v is not None and v != "dont_know")


def answer_row(q: SurveyQuestion, value: Any, areas: dict[str, int], field: str) -> AnswerRow:
    """One given answer checked against its question, as the row to store (422 naming the question)."""
    row: AnswerRow = {"question_id": q.id, "number": None, "choices": None, "text": None, "dont_know": False}
    if value == "dont_know":
        if not q.dont_know:
            raise DomainError(gettext('This question has no "don\'t know".'), field=field)
        row["dont_know"] = True
    elif q.kind in ("likert5", "nps"):
        top = 5 if q.kind == "likert5" else 10
        low = 1 if q.kind == "likert5" else 0
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= top:
            raise DomainError(gettext("Must be between {0} and {1}.").format(low, top), field=field)
        row["number"] = value
    elif q.kind in ("single", "multiple", "district"):
        row["choices"] = _choices(q, value, areas, field)
    else:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise DomainError(gettext("Longer than maximum length {0}.").format(MAX_TEXT), field=field)
        row["text"] = value.strip()
    return row


def _choices(q: SurveyQuestion, value: Any, areas: dict[str, int], field: str) -> list[str]:
    if q.kind == "district":
        if not isinstance(value, str):
            raise DomainError(gettext("Not one of the options."), field=field)
        if value not in areas:
            raise DomainError(gettext("Unknown area: {0}.").format(value), field=field)
        return [value]
    codes = {o["code"] for o in q.options}
    if q.kind == "single":
        if not isinstance(value, str) or value not in codes:
            raise DomainError(gettext("Not one of the options."), field=field)
        return [value]
    if (
        not isinstance(value, list)
        or not all(isinstance(v, str) for v in value)
        or len(set(value)) != len(value)
        or not set(value) <= codes
    ):
        raise DomainError(gettext("Not one of the options."), field=field)
    return list(value)


def check_answers(survey: Survey, answers: dict[str, Any], areas: dict[str, int]) -> list[AnswerRow]:
    """Validate answers against the questions (422 naming the question); returns the rows to store."""
    by_code = {q.code: q for q in survey.questions}
    unknown = sorted(set(answers) - set(by_code))
    if unknown:
        raise DomainError(gettext("Unknown question."), field=f"answers.{unknown[0]}")
    rows = []
    for q in survey.questions:
        field = f"answers.{q.code}"
        present = q.code in answers and answers[q.code] not in (None, "", [])
        if not visible(q, answers):
            if present:
                raise DomainError(gettext("This question is not shown for the answers given."), field=field)
            continue
        if not present:
            if q.required:
                raise DomainError(gettext("Missing data for required field."), field=field)
            continue
        rows.append(answer_row(q, answers[q.code], areas, field))
    return rows
