"""Importing a survey fielded elsewhere (its definition and a CSV of responses), e.g. a city's annual
resident survey, so its answers count like those given in the app."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from backend.db import unit_of_work
from backend.errors import Conflict, DomainError, NotFound
from backend.i18n import gettext
from backend.models import (
    Area,
    Jurisdiction,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    utcnow,
)
from backend.surveys.answers import MAX_TEXT, AnswerRow, answer_row
from backend.surveys.definitions import build_survey, check_definition
from backend.surveys.import_codes import check_options, dont_know_codes, with_text_codes


@dataclass(frozen=True)
class _Layout:
    """How the CSV maps onto the survey: a column per question, the area column and its codes, weights."""

    columns: dict[int, tuple[SurveyQuestion, str]]
    areas: dict[str, int]
    area_map: dict[str, str]
    area_column: str
    weight_column: str | None
    id_column: str
    missing: set[str]
    #: Per question id: the cell values read as "don't know" for that question.
    dont_know: dict[int, frozenset[str]]


def _answer(q: SurveyQuestion, value: str, where: str, layout: _Layout) -> AnswerRow:
    """One cell of the CSV, read as the app would send it and checked by the same rules (a bad value is
    refused with its line and column)."""
    given: Any = value
    if value in layout.dont_know[q.id]:
        given = "dont_know"
    elif q.kind in ("likert5", "nps"):
        given = int(value) if value.isascii() and value.isdigit() else value
    elif q.kind in ("single", "multiple"):
        given = check_options(q, value, where)
    elif q.kind != "district":
        given = value[:MAX_TEXT]  # a fielded survey's long comment is kept, cut, rather than refused
    try:
        return answer_row(q, given, layout.areas, "responses")
    except DomainError as exc:
        raise DomainError(f"{where}: {value!r}: {exc.message}", field="responses") from exc


def _respondent(row: dict[str, str], line: int, name: str, layout: _Layout) -> tuple[dict[str, Any], list[Any]]:
    """One CSV line: the response's columns (without survey and time) and its answers."""
    raw_area = (row.get(layout.area_column) or "").strip()
    code = layout.area_map.get(raw_area, raw_area if raw_area in layout.areas else None)
    weight = 1.0
    if layout.weight_column:
        try:
            weight = float(row[layout.weight_column])
        except (KeyError, ValueError) as exc:
            raise DomainError(f"{name} line {line}: no valid weight", field="responses") from exc
    response = {
        "area_id": layout.areas.get(code) if code else None,
        "weight": weight,
        "source_ref": (row.get(layout.id_column) or "")[:64] or None,
    }
    answers = [
        _answer(q, value, f"{name} line {line}, column {column}", layout)
        for q, column in layout.columns.values()
        if (value := (row.get(column) or "").strip()) not in layout.missing
    ]
    return response, answers


def _read_responses(path: Path, layout: _Layout) -> list[tuple[dict[str, Any], list[Any]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        needed = {c for _, c in layout.columns.values()} | ({layout.area_column} if layout.area_column else set())
        absent = sorted(needed - set(reader.fieldnames or []))
        if absent:
            raise DomainError(f"{path.name}: missing columns {', '.join(absent)}", field="responses")
        return [_respondent(row, line, path.name, layout) for line, row in enumerate(reader, start=2)]


def _checked_key(s: Session, jurisdiction: Jurisdiction, spec: dict[str, Any], survey_file: Path) -> str:
    """The definition checked and its key not yet imported; returns the key."""
    check_definition(s, jurisdiction, spec)
    key = spec.get("key") or survey_file.stem
    if s.scalars(select(Survey.id).where(Survey.jurisdiction_id == jurisdiction.id, Survey.key == key)).first():
        raise Conflict(f"{survey_file.name}: a survey with the key {key!r} was already imported", field="key")
    return str(key)


def _area_codes(
    s: Session, jurisdiction: Jurisdiction, spec: dict[str, Any], name: str
) -> tuple[dict[str, int], dict[str, str]]:
    """The municipality's area ids by code, and the file's area values mapped to codes (all of them known)."""
    areas = dict(s.execute(select(Area.code, Area.id).where(Area.jurisdiction_id == jurisdiction.id)).all())
    area_map = {str(k): str(v) for k, v in ((spec.get("area") or {}).get("map") or {}).items()}
    unknown = sorted(set(area_map.values()) - set(areas))
    if unknown:
        raise DomainError(f"{name}: unknown area codes {', '.join(unknown)}", field="area")
    return areas, area_map


def _new_survey(s: Session, jurisdiction: Jurisdiction, spec: dict[str, Any], key: str) -> Survey:
    survey = Survey(
        jurisdiction_id=jurisdiction.id,
        key=key,
        version=1,
        status="closed",
        provenance="representative",
        published_at=utcnow(),
    )
    build_survey(s, survey, spec, jurisdiction)
    s.add(survey)
    s.flush()
    return survey


def _layout(spec: dict[str, Any], survey: Survey, areas: dict[str, int], area_map: dict[str, str]) -> _Layout:
    return _Layout(
        columns={
            q.id: (q, str(next(x for x in spec["questions"] if x["code"] == q.code).get("column", q.code)))
            for q in survey.questions
        },
        areas=areas,
        area_map=area_map,
        area_column=(spec.get("area") or {}).get("column", ""),
        weight_column=spec.get("weight"),
        id_column=spec.get("respondent_id", "id"),
        missing={str(v) for v in spec.get("missing", ["", "NA"])},
        dont_know=dont_know_codes(spec.get("dont_know"), survey.questions, areas, area_map),
    )


def import_survey(jurisdiction_code: str, survey_file: Path, responses_csv: Path) -> dict[str, int]:
    """Import a survey a city commissioned: the definition and column mapping (YAML) and the respondents (CSV).
    Stored with provenance `representative` (never mixed with app answers). All or nothing: a bad value is
    refused with its line, column and value, and nothing is stored."""
    spec = with_text_codes(yaml.safe_load(survey_file.read_text(encoding="utf-8")) or {})
    with unit_of_work() as s:
        jurisdiction = s.scalars(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)).first()
        if jurisdiction is None:
            raise NotFound(gettext("Unknown municipality."), field="jurisdiction")
        key = _checked_key(s, jurisdiction, spec, survey_file)
        areas, area_map = _area_codes(s, jurisdiction, spec, survey_file.name)
        fielded = _fielded_at(spec, jurisdiction.timezone, survey_file.name)
        survey = _new_survey(s, jurisdiction, spec, key)
        layout = _layout(spec, survey, areas, area_map)
        read = _read_responses(responses_csv, layout)
        responses = [
            {**r, "survey_id": survey.id, "provenance": "representative", "created_at": fielded} for r, _ in read
        ]
        ids = (
            s.execute(cast(Table, SurveyResponse.__table__).insert().returning(SurveyResponse.id), responses)
            .scalars()
            .all()
            if responses
            else []
        )
        rows = [{**a, "response_id": rid} for rid, (_, mine) in zip(ids, read, strict=True) for a in mine]
        if rows:
            s.execute(cast(Table, SurveyAnswer.__table__).insert(), rows)
    return {"survey_id": survey.id, "responses": len(responses), "answers": len(rows)}


def _fielded_at(spec: dict[str, Any], tz: str, name: str) -> datetime:
    """When the survey was in the field (`fielded_at`: a date, noon local time, or a time): its responses count
    in that period of the indicators. Without it, the time of the import."""
    value = spec.get("fielded_at")
    if value is None:
        return utcnow()
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))
    if isinstance(value, date):
        return datetime.combine(value, time(12), tzinfo=ZoneInfo(tz))
    raise DomainError(f"{name}: fielded_at must be a date (YYYY-MM-DD)", field="fielded_at")
