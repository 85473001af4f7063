"""Answers to a service's extra questions, checked against the Open311 attribute model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.errors import DomainError
from backend.i18n import gettext
from backend.models import ServiceQuestion

MAX_STRING, MAX_TEXT = 300, 4000


def _bad(question: str, message: str, **params: Any) -> DomainError:
    return DomainError(gettext(message, **params), field=f"answers.{question}")


def _option_keys(q: ServiceQuestion) -> list[str]:
    return [str(o["key"]) for o in q.options]


def check_answers(questions: list[ServiceQuestion], answers: dict[str, Any] | None) -> dict[str, Any]:
    """Validated answers keyed by question code; raises DomainError naming `answers.CODE`."""
    answers = dict(answers or {})
    known = {q.code: q for q in questions}
    for code in answers:
        if code not in known:
            raise _bad(code, "This service has no question {code}.", code=code)
    out: dict[str, Any] = {}
    for q in questions:
        value = answers.get(q.code)
        if value is None or value == "" or value == []:
            if q.required:
                raise _bad(q.code, "This question must be answered.")
            continue
        out[q.code] = _check(q, value)
    return out


def _check(q: ServiceQuestion, value: Any) -> Any:
    """One answer checked and normalised by its question's datatype."""
    if q.datatype in ("string", "text"):
        return _check_text(q, value)
    if q.datatype == "number":
        return _check_number(q, value)
    if q.datatype == "datetime":
        return _check_datetime(q, value)
    return _check_options(q, value)


def _check_text(q: ServiceQuestion, value: Any) -> str:
    """A string (or text) answer within its maximum length, stripped."""
    if not isinstance(value, str):
        raise _bad(q.code, "Not a valid string.")
    limit = MAX_STRING if q.datatype == "string" else MAX_TEXT
    if len(value) > limit:
        raise _bad(q.code, "Longer than maximum length {max}.", max=limit)
    return value.strip()


def _check_number(q: ServiceQuestion, value: Any) -> int | float:
    """A finite number (an int when whole), given as a number or a string."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _bad(q.code, "Not a valid number.")
    try:
        number = float(value)
    except ValueError as exc:
        raise _bad(q.code, "Not a valid number.") from exc
    if number != number or number in (float("inf"), float("-inf")):
        raise _bad(q.code, "Not a valid number.")
    return int(number) if number.is_integer() else number


def _check_datetime(q: ServiceQuestion, value: Any) -> str:
    """An ISO 8601 date and time, normalised."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise _bad(q.code, "Not a valid date and time (ISO 8601).") from exc
    return parsed.isoformat()


def _check_options(q: ServiceQuestion, value: Any) -> str | list[str]:
    """A singlevaluelist answer (one option key) or a multivaluelist one (option keys in the options' order)."""
    keys = _option_keys(q)
    if q.datatype == "singlevaluelist":
        if not isinstance(value, str | int) or str(value) not in keys:
            raise _bad(q.code, "Not one of the options: {options}.", options=", ".join(keys))
        return str(value)
    # multivaluelist
    values = value if isinstance(value, list) else [value]
    if any(not isinstance(v, str | int) or str(v) not in keys for v in values):
        raise _bad(q.code, "Not one of the options: {options}.", options=", ".join(keys))
    return sorted({str(v) for v in values}, key=keys.index)
