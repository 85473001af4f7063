"""Satisfaction surveys: definitions and versions (managers), what residents see and answer, and results.

Responses hold no device id: only `respondent_hash`, an HMAC of the device id under the app's secret and
the survey's key, which stops a second response (to any version of the survey) and nothing else."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from backend import audit
from backend.db import session, unit_of_work
from backend.errors import Conflict, DomainError, NotFound
from backend.i18n import gettext
from backend.models import (
    DIMENSIONS,
    QUESTION_KINDS,
    Area,
    Jurisdiction,
    Service,
    StaffUser,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    utcnow,
)
from backend.surveys.answering import resident_view
from backend.surveys.views import QuestionView, ResidentSurvey, SurveyDefinition, SurveySpec


def check_definition(s: Any, jurisdiction: Jurisdiction, spec: Mapping[str, Any]) -> None:
    """A survey definition checked before it is stored (422 naming the field)."""
    if not (spec.get("title") or {}).get(jurisdiction.default_language):
        raise DomainError(
            gettext(
                "A text in the municipality's language ({language}) is required.",
                language=jurisdiction.default_language,
            ),
            field="title",
        )
    services = set(s.scalars(select(Service.code).where(Service.jurisdiction_id == jurisdiction.id)))
    unknown = sorted(set(spec.get("service_codes") or []) - services)
    if unknown:
        raise DomainError(gettext("Unknown service: {0}.").format(", ".join(unknown)), field="service_codes")
    questions = spec.get("questions") or []
    if not questions:
        raise DomainError(gettext("A survey needs at least one question."), field="questions")
    seen: dict[str, Mapping[str, Any]] = {}
    for q in questions:
        _check_question(q, seen, jurisdiction, services)
        seen[q["code"]] = q


def _check_question(
    q: Mapping[str, Any], seen: dict[str, Mapping[str, Any]], jurisdiction: Jurisdiction, services: set[str]
) -> None:
    """One question of a definition: its code, kind, text, options, dimension, service and condition."""
    code = q.get("code")
    field = f"questions.{code}"
    if not code or code in seen:
        raise DomainError(gettext("Each question needs its own code."), field=field)
    if q.get("kind") not in QUESTION_KINDS:
        raise DomainError(gettext("Must be one of: {0}.").format(", ".join(QUESTION_KINDS)), field=field)
    if not (q.get("text") or {}).get(jurisdiction.default_language):
        raise DomainError(
            gettext(
                "A text in the municipality's language ({language}) is required.",
                language=jurisdiction.default_language,
            ),
            field=field,
        )
    if q["kind"] in ("single", "multiple") and not q.get("options"):
        raise DomainError(gettext("A choice question needs options."), field=field)
    if q.get("dimension") and q["dimension"] not in DIMENSIONS:
        raise DomainError(gettext("Must be one of: {0}.").format(", ".join(DIMENSIONS)), field=field)
    if q.get("service_code") and q["service_code"] not in services:
        raise DomainError(gettext("Unknown service: {0}.").format(q["service_code"]), field=field)
    cond = q.get("show_if")
    if cond:
        source = seen.get(cond.get("code", ""))
        if source is None:
            raise DomainError(gettext("A condition must refer to an earlier question."), field=field)
        if not cond.get("values") or not all(_valid_value(source, v) for v in cond["values"]):
            raise DomainError(gettext("The condition's values are not answers of that question."), field=field)


def _valid_value(q: Mapping[str, Any], value: Any) -> bool:
    kind = q["kind"]
    if kind in ("single", "multiple"):
        return value in {o["code"] for o in q.get("options") or []}
    if kind == "likert5":
        return str(value) in {"1", "2", "3", "4", "5"}
    if kind == "nps":
        return str(value) in {str(i) for i in range(11)}
    return False


def build_survey(s: Any, survey: Survey, spec: Mapping[str, Any], jurisdiction: Jurisdiction) -> None:
    areas = dict(s.execute(select(Area.code, Area.id).where(Area.jurisdiction_id == jurisdiction.id)).all())
    survey.title, survey.intro = spec["title"], spec.get("intro") or {}
    survey.service_codes = spec.get("service_codes") or []
    survey.opens_at, survey.closes_at = spec.get("opens_at"), spec.get("closes_at")
    survey.audience = spec.get("audience") or "everyone"
    if survey.audience == "areas":
        unknown = sorted(set(spec.get("areas") or []) - set(areas))
        if unknown or not spec.get("areas"):
            raise DomainError(gettext("Unknown area: {0}.").format(", ".join(unknown) or "-"), field="areas")
        survey.area_ids = [areas[c] for c in spec["areas"]]
    survey.reporter_services = spec.get("reporter_services") or None
    survey.reporter_days = spec.get("reporter_days")
    survey.questions = [
        SurveyQuestion(
            position=i,
            code=q["code"],
            kind=q["kind"],
            required=bool(q.get("required")),
            dont_know=bool(q.get("dont_know")),
            text=q["text"],
            options=q.get("options") or [],
            scale_labels=q.get("scale_labels") or {},
            service_code=q.get("service_code"),
            dimension=q.get("dimension"),
            show_if_code=(q.get("show_if") or {}).get("code"),
            show_if_values=[str(v) for v in (q.get("show_if") or {}).get("values") or []] or None,
        )
        for i, q in enumerate(spec["questions"])
    ]


def create(staff: StaffUser, spec: SurveySpec, provenance: str = "opt-in") -> SurveyDefinition:
    """A new survey (a draft, version 1)."""
    with unit_of_work() as s:
        jurisdiction = s.get_one(Jurisdiction, staff.jurisdiction_id)
        check_definition(s, jurisdiction, spec)
        key = spec.get("key") or secrets.token_hex(6)
        if s.scalars(select(Survey.id).where(Survey.jurisdiction_id == jurisdiction.id, Survey.key == key)).first():
            raise Conflict(gettext("This code is taken."), field="key")
        survey = Survey(
            jurisdiction_id=jurisdiction.id,
            key=key,
            version=1,
            status="draft",
            provenance=provenance,
            created_by_staff_id=staff.id,
        )
        build_survey(s, survey, spec, jurisdiction)
        s.add(survey)
        s.flush()
        audit.record(
            s,
            staff,
            "survey.create",
            "survey",
            survey.id,
            jurisdiction_id=jurisdiction.id,
            after={"key": key, "version": 1},
        )
        sid = survey.id
    return definition(staff, sid)


def own_survey(s: Any, staff: StaffUser, survey_id: int, lock: bool = False) -> Survey:
    if not 0 < survey_id < 2**31:
        raise NotFound(gettext("Not found."))
    survey = s.get(Survey, survey_id, with_for_update=lock)
    if survey is None or survey.jurisdiction_id != staff.jurisdiction_id:
        raise NotFound(gettext("Not found."))
    return survey


def update(staff: StaffUser, survey_id: int, spec: SurveySpec) -> SurveyDefinition:
    """Change a draft; a published survey gets a new draft version instead (the published one stays as it is)."""
    with unit_of_work() as s:
        current = own_survey(s, staff, survey_id, lock=True)
        jurisdiction = s.get_one(Jurisdiction, staff.jurisdiction_id)
        check_definition(s, jurisdiction, spec)
        if current.status == "draft":
            target = current
        else:
            latest = s.scalar(
                select(func.max(Survey.version)).where(
                    Survey.jurisdiction_id == jurisdiction.id, Survey.key == current.key
                )
            )
            target = Survey(
                jurisdiction_id=jurisdiction.id,
                key=current.key,
                version=(latest or 0) + 1,
                status="draft",
                provenance=current.provenance,
                created_by_staff_id=staff.id,
            )
        with s.no_autoflush:
            build_survey(s, target, spec, jurisdiction)
        s.add(target)
        s.flush()
        audit.record(
            s,
            staff,
            "survey.update",
            "survey",
            target.id,
            jurisdiction_id=jurisdiction.id,
            after={"key": target.key, "version": target.version},
        )
        sid = target.id
    return definition(staff, sid)


def publish(staff: StaffUser, survey_id: int) -> SurveyDefinition:
    """Publish a draft (from then on immutable); an earlier published version of it is closed."""
    with unit_of_work() as s:
        survey = own_survey(s, staff, survey_id, lock=True)
        if survey.status != "draft":
            raise Conflict(gettext("Only a draft can be published."), field="status")
        for other in s.scalars(
            select(Survey).where(
                Survey.jurisdiction_id == survey.jurisdiction_id, Survey.key == survey.key, Survey.status == "published"
            )
        ):
            other.status = "closed"
        survey.status, survey.published_at = "published", utcnow()
        audit.record(
            s,
            staff,
            "survey.publish",
            "survey",
            survey.id,
            jurisdiction_id=survey.jurisdiction_id,
            after={"version": survey.version},
        )
    return definition(staff, survey_id)


def close(staff: StaffUser, survey_id: int) -> SurveyDefinition:
    with unit_of_work() as s:
        survey = own_survey(s, staff, survey_id, lock=True)
        if survey.status != "published":
            raise Conflict(gettext("Only a published survey can be closed."), field="status")
        survey.status, survey.closes_at = "closed", utcnow()
        audit.record(s, staff, "survey.close", "survey", survey.id, jurisdiction_id=survey.jurisdiction_id)
    return definition(staff, survey_id)


def definition(staff: StaffUser, survey_id: int) -> SurveyDefinition:
    s = session()
    survey = own_survey(s, staff, survey_id)
    areas = dict(s.execute(select(Area.id, Area.code).where(Area.jurisdiction_id == survey.jurisdiction_id)).all())
    out: SurveyDefinition = {
        "id": survey.id,
        "key": survey.key,
        "version": survey.version,
        "status": survey.status,
        "provenance": survey.provenance,
        "title": survey.title,
        "intro": survey.intro,
        "service_codes": survey.service_codes,
        "opens_at": survey.opens_at,
        "closes_at": survey.closes_at,
        "audience": survey.audience,
        "areas": [areas[i] for i in survey.area_ids or [] if i in areas],
        "reporter_services": survey.reporter_services or [],
        "reporter_days": survey.reporter_days,
        "published_at": survey.published_at,
        "responses": s.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)) or 0,
        "questions": [_question_view(q) for q in survey.questions],
    }
    s.rollback()
    return out


def _question_view(q: SurveyQuestion) -> QuestionView:
    return {
        "code": q.code,
        "kind": q.kind,
        "required": q.required,
        "dont_know": q.dont_know,
        "text": q.text,
        "options": q.options,
        "scale_labels": q.scale_labels,
        "service_code": q.service_code,
        "dimension": q.dimension,
        "show_if": {"code": q.show_if_code, "values": q.show_if_values} if q.show_if_code else None,
    }


def listing(staff: StaffUser) -> list[SurveyDefinition]:
    s = session()
    ids = list(
        s.scalars(
            select(Survey.id)
            .where(Survey.jurisdiction_id == staff.jurisdiction_id)
            .order_by(Survey.key, Survey.version.desc())
        )
    )
    s.rollback()
    return [definition(staff, i) for i in ids]


def preview(staff: StaffUser, survey_id: int, lang: str) -> ResidentSurvey:
    """A survey (any status) as residents would see it."""
    s = session()
    survey = own_survey(s, staff, survey_id)
    j = s.get_one(Jurisdiction, survey.jurisdiction_id)
    areas = list(s.scalars(select(Area).where(Area.jurisdiction_id == j.id).order_by(Area.code)))
    view = resident_view(survey, lang, j.default_language, areas)
    s.rollback()
    return view
