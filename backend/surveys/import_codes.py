"""How the cells of a fielded survey's CSV are read: which codes mean "don't know" for which question, and choice
cells checked against the question's options (the line, column and value named). Pure rules, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from backend.errors import DomainError
from backend.i18n import gettext
from backend.models import QUESTION_KINDS, SurveyQuestion

#: The answers of the scales, as they are written in a CSV.
SCALES = {"likert5": frozenset(str(i) for i in range(1, 6)), "nps": frozenset(str(i) for i in range(11))}


def with_text_codes(spec: Any) -> dict[str, Any]:
    """The definition with its option codes and condition values as text: a YAML `code: 1` is the CSV's "1"."""
    if not isinstance(spec, dict):
        raise DomainError(gettext("The survey file is not a survey definition."), field="survey")
    questions = spec.get("questions")
    if not isinstance(questions, list):
        return spec
    return {**spec, "questions": [_question_as_text(q) for q in questions]}


def _question_as_text(q: Any) -> Any:
    if not isinstance(q, dict):
        return q
    out = dict(q)
    if isinstance(q.get("options"), list):
        out["options"] = [
            {**o, "code": str(o["code"])} if isinstance(o, dict) and o.get("code") is not None else o
            for o in q["options"]
        ]
    condition = q.get("show_if")
    if isinstance(condition, dict) and isinstance(condition.get("values"), list):
        out["show_if"] = {**condition, "values": [str(v) for v in condition["values"]]}
    return out


def _answers_of(q: SurveyQuestion, districts: Iterable[str]) -> frozenset[str]:
    """The cell values that are answers of a question (free text has no closed set)."""
    if q.kind in SCALES:
        return SCALES[q.kind]
    if q.kind in ("single", "multiple"):
        return frozenset(str(o["code"]) for o in q.options)
    if q.kind == "district":
        return frozenset(districts)
    return frozenset()


def _codes(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str | int):
        return frozenset({str(value)})
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return frozenset(str(v) for v in value)
    raise DomainError(gettext('"don\'t know" codes must be a list of values.'), field="dont_know")


def dont_know_codes(
    given: Any, questions: list[SurveyQuestion], areas: Mapping[str, int], area_map: Mapping[str, str]
) -> dict[int, frozenset[str]]:
    """Per question id, the cell values read as "don't know". `dont_know` is a list of codes for the whole survey,
    or codes per question type (`{likert5: [9], nps: [99]}`). A code means "don't know" only in questions that
    offer it, and never where it is one of the question's answers: a survey-wide 9 is "don't know" on a 1–5 scale
    and a score on an NPS scale. Per question type, a code that is an answer of the scale is refused."""
    districts = {*areas, *area_map}
    if not isinstance(given, dict):
        wide = _codes(given)
        return {q.id: wide - _answers_of(q, districts) if q.dont_know else frozenset() for q in questions}
    unknown = sorted(str(k) for k in given if k not in QUESTION_KINDS)
    if unknown:
        raise DomainError(
            gettext(
                'Unknown question type in "don\'t know" codes: {types} (one of: {kinds}).',
                types=", ".join(unknown),
                kinds=", ".join(QUESTION_KINDS),
            ),
            field="dont_know",
        )
    per_kind = {str(kind): _codes(codes) for kind, codes in given.items()}
    for q in questions:
        clash = sorted(per_kind.get(q.kind, frozenset()) & _answers_of(q, districts))
        if clash:
            raise DomainError(
                gettext(
                    '{code} is an answer of the {kind} question {question}: it cannot also mean "don\'t know".',
                    code=repr(clash[0]),
                    kind=q.kind,
                    question=q.code,
                ),
                field="dont_know",
            )
    return {q.id: per_kind.get(q.kind, frozenset()) if q.dont_know else frozenset() for q in questions}


def check_options(q: SurveyQuestion, value: str, where: str) -> str | list[str]:
    """A choice cell (one code, or codes separated by `|` for a multiple choice) checked against the question's
    options; an unknown code is refused naming the line, column and value, and the options there are."""
    codes = [str(o["code"]) for o in q.options]
    given = [v.strip() for v in value.split("|") if v.strip()] if q.kind == "multiple" else [value]
    unknown = next((v for v in given if v not in codes), None)
    if unknown is not None:
        raise DomainError(
            gettext(
                "{where}: {value} is not one of the options: {options}.",
                where=where,
                value=repr(unknown),
                options=", ".join(codes),
            ),
            field="responses",
        )
    return given if q.kind == "multiple" else value
