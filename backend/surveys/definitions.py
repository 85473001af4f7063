"""Satisfaction surveys: definitions and versions (managers), what residents see and answer, and results.

Responses hold no device id: only `respondent_hash`, an HMAC of the device id under the app's secret and
the survey's key, which stops a second response (to any version of the survey) and nothing else.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import math
import secrets
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from flask import current_app
from sqlalchemy import exists, func, or_, select

from backend import audit
from backend.db import session, unit_of_work
from backend.errors import Conflict, DomainError, NotFound
from backend.i18n import gettext, pick
from backend.models import (
    DIMENSIONS,
    QUESTION_KINDS,
    Area,
    Broadcast,
    Device,
    DevicePlace,
    Jurisdiction,
    Notification,
    Report,
    Service,
    StaffUser,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    utcnow,
)
from backend.stats import t_interval, wilson
from push.broadcasts import request_send

MAX_TEXT = 2000
#: Cells with fewer responses than this show no number.
MIN_CELL = 5
HOME_LABELS = ("home", "dom", "дім", "дом")


# -- definitions -------------------------------------------------------------------------------------------


def _check_definition(s: Any, jurisdiction: Jurisdiction, spec: dict[str, Any]) -> None:
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
    seen: dict[str, dict[str, Any]] = {}
    for q in questions:
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
        seen[code] = q


def _valid_value(q: dict[str, Any], value: Any) -> bool:
    kind = q["kind"]
    if kind in ("single", "multiple"):
        return value in {o["code"] for o in q.get("options") or []}
    if kind == "likert5":
        return str(value) in {"1", "2", "3", "4", "5"}
    if kind == "nps":
        return str(value) in {str(i) for i in range(11)}
    return False


def _build(s: Any, survey: Survey, spec: dict[str, Any], jurisdiction: Jurisdiction) -> None:
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


def create(staff: StaffUser, spec: dict[str, Any], provenance: str = "opt-in") -> dict[str, Any]:
    """A new survey (a draft, version 1)."""
    with unit_of_work() as s:
        jurisdiction = s.get_one(Jurisdiction, staff.jurisdiction_id)
        _check_definition(s, jurisdiction, spec)
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
        _build(s, survey, spec, jurisdiction)
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


def _own(s: Any, staff: StaffUser, survey_id: int, lock: bool = False) -> Survey:
    if not 0 < survey_id < 2**31:
        raise NotFound(gettext("Not found."))
    survey = s.get(Survey, survey_id, with_for_update=lock)
    if survey is None or survey.jurisdiction_id != staff.jurisdiction_id:
        raise NotFound(gettext("Not found."))
    return survey


def update(staff: StaffUser, survey_id: int, spec: dict[str, Any]) -> dict[str, Any]:
    """Change a draft; a published survey gets a new draft version instead (the published one stays as it is)."""
    with unit_of_work() as s:
        current = _own(s, staff, survey_id, lock=True)
        jurisdiction = s.get_one(Jurisdiction, staff.jurisdiction_id)
        _check_definition(s, jurisdiction, spec)
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
                version=int(latest) + 1,
                status="draft",
                provenance=current.provenance,
                created_by_staff_id=staff.id,
            )
        with s.no_autoflush:
            _build(s, target, spec, jurisdiction)
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


def publish(staff: StaffUser, survey_id: int) -> dict[str, Any]:
    """Publish a draft (from then on immutable); an earlier published version of it is closed."""
    with unit_of_work() as s:
        survey = _own(s, staff, survey_id, lock=True)
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


def close(staff: StaffUser, survey_id: int) -> dict[str, Any]:
    with unit_of_work() as s:
        survey = _own(s, staff, survey_id, lock=True)
        if survey.status != "published":
            raise Conflict(gettext("Only a published survey can be closed."), field="status")
        survey.status, survey.closes_at = "closed", utcnow()
        audit.record(s, staff, "survey.close", "survey", survey.id, jurisdiction_id=survey.jurisdiction_id)
    return definition(staff, survey_id)


def definition(staff: StaffUser, survey_id: int) -> dict[str, Any]:
    s = session()
    survey = _own(s, staff, survey_id)
    areas = dict(s.execute(select(Area.id, Area.code).where(Area.jurisdiction_id == survey.jurisdiction_id)).all())
    out = {
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
        "reporter_services": survey.reporter_services,
        "reporter_days": survey.reporter_days,
        "published_at": survey.published_at,
        "responses": s.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)),
        "questions": [
            {
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
            for q in survey.questions
        ],
    }
    s.rollback()
    return out


def listing(staff: StaffUser) -> list[dict[str, Any]]:
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


# -- what residents see ------------------------------------------------------------------------------------


def respondent_hash(survey_key: str, device_id: int) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"survey:{survey_key}:{device_id}".encode(), hashlib.sha256).hexdigest()


def resident_view(survey: Survey, lang: str, fallback: str, areas: list[Area]) -> dict[str, Any]:
    """A survey as the app shows it (also the managers' preview)."""

    def tr(texts: dict[str, str] | None) -> str:
        return pick(texts, lang, fallback)

    return {
        "id": survey.id,
        "title": tr(survey.title),
        "intro": tr(survey.intro),
        "closes_at": survey.closes_at,
        "questions": [
            {
                "code": q.code,
                "kind": q.kind,
                "text": tr(q.text),
                "required": q.required,
                "dont_know": q.dont_know,
                "options": [{"code": o["code"], "label": tr(o.get("label"))} for o in q.options or []]
                or ([{"code": a.code, "label": tr(a.name)} for a in areas] if q.kind == "district" else []),
                "scale_labels": (q.scale_labels or {}).get(lang) or (q.scale_labels or {}).get(fallback) or [],
                "show_if": {"code": q.show_if_code, "values": q.show_if_values} if q.show_if_code else None,
            }
            for q in survey.questions
        ],
    }


def _device_jurisdictions(s: Any, device: Device) -> set[int]:
    places = set(s.scalars(select(DevicePlace.jurisdiction_id).where(DevicePlace.device_id == device.id)))
    return places | ({device.jurisdiction_id} if device.jurisdiction_id else set())


def _meant_for(s: Any, survey: Survey, device: Device) -> bool:
    if survey.audience == "areas":
        return bool(
            s.scalar(
                select(
                    exists().where(DevicePlace.device_id == device.id, DevicePlace.area_id.in_(survey.area_ids or []))
                )
            )
        )
    if survey.audience == "reporters":
        since = utcnow() - timedelta(days=survey.reporter_days or 90)
        services = select(Service.id).where(
            Service.jurisdiction_id == survey.jurisdiction_id, Service.code.in_(survey.reporter_services or [])
        )
        return bool(
            s.scalar(
                select(
                    exists().where(
                        Report.device_id == device.id, Report.requested_at >= since, Report.service_id.in_(services)
                    )
                )
            )
        )
    return True


def _open() -> Any:
    now = utcnow()
    return select(Survey).where(
        Survey.status == "published",
        or_(Survey.opens_at.is_(None), Survey.opens_at <= now),
        or_(Survey.closes_at.is_(None), Survey.closes_at > now),
        Survey.provenance == "opt-in",
    )


def open_for(device: Device, lang: str) -> list[dict[str, Any]]:
    """Open app surveys meant for this device (its municipality and places, the survey's audience)."""
    s = session()
    out = []
    for survey in s.scalars(
        _open().where(Survey.jurisdiction_id.in_(_device_jurisdictions(s, device))).order_by(Survey.published_at.desc())
    ):
        if not _meant_for(s, survey, device):
            continue
        j = s.get_one(Jurisdiction, survey.jurisdiction_id)
        answered = bool(
            s.scalar(
                select(
                    exists().where(
                        SurveyResponse.survey_id == survey.id,
                        SurveyResponse.respondent_hash == respondent_hash(survey.key, device.id),
                    )
                )
            )
        )
        out.append(
            {
                "id": survey.id,
                "title": pick(survey.title, lang, j.default_language),
                "closes_at": survey.closes_at,
                "answered": answered,
                "questions": len(survey.questions),
            }
        )
    s.rollback()
    return out


def for_device(device: Device, survey_id: int, lang: str) -> dict[str, Any]:
    s = session()
    survey = _reachable(s, device, survey_id)
    j = s.get_one(Jurisdiction, survey.jurisdiction_id)
    areas = list(s.scalars(select(Area).where(Area.jurisdiction_id == j.id).order_by(Area.code)))
    view = resident_view(survey, lang, j.default_language, areas)
    s.rollback()
    return view


def _reachable(s: Any, device: Device, survey_id: int) -> Survey:
    if not 0 < survey_id < 2**31:
        raise NotFound(gettext("Not found."))
    survey = s.get(Survey, survey_id)
    if (
        survey is None
        or survey.provenance != "opt-in"
        or survey.status == "draft"
        or survey.jurisdiction_id not in _device_jurisdictions(s, device)
        or not _meant_for(s, survey, device)
    ):
        raise NotFound(gettext("Not found."))
    return survey


# -- answering ---------------------------------------------------------------------------------------------


def _visible(q: SurveyQuestion, answers: dict[str, Any]) -> bool:
    if not q.show_if_code:
        return True
    given = answers.get(q.show_if_code)
    values = given if isinstance(given, list) else [given]
    return any(str(v) in (q.show_if_values or []) for v in values if v is not None and v != "dont_know")


def check_answers(survey: Survey, answers: dict[str, Any], areas: dict[str, int]) -> list[dict[str, Any]]:
    """Validate answers against the questions (422 naming the question); returns the rows to store."""
    by_code = {q.code: q for q in survey.questions}
    unknown = sorted(set(answers) - set(by_code))
    if unknown:
        raise DomainError(gettext("Unknown question."), field=f"answers.{unknown[0]}")
    rows = []
    for q in survey.questions:
        field = f"answers.{q.code}"
        present = q.code in answers and answers[q.code] not in (None, "", [])
        if not _visible(q, answers):
            if present:
                raise DomainError(gettext("This question is not shown for the answers given."), field=field)
            continue
        if not present:
            if q.required:
                raise DomainError(gettext("Missing data for required field."), field=field)
            continue
        value = answers[q.code]
        row: dict[str, Any] = {"question_id": q.id, "number": None, "choices": None, "text": None, "dont_know": False}
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
        elif q.kind == "single":
            if value not in {o["code"] for o in q.options}:
                raise DomainError(gettext("Not one of the options."), field=field)
            row["choices"] = [value]
        elif q.kind == "multiple":
            codes = {o["code"] for o in q.options}
            if not isinstance(value, list) or len(set(value)) != len(value) or not set(value) <= codes:
                raise DomainError(gettext("Not one of the options."), field=field)
            row["choices"] = list(value)
        elif q.kind == "district":
            if value not in areas:
                raise DomainError(gettext("Unknown area: {0}.").format(value), field=field)
            row["choices"] = [value]
        else:
            if not isinstance(value, str) or len(value) > MAX_TEXT:
                raise DomainError(gettext("Longer than maximum length {0}.").format(MAX_TEXT), field=field)
            row["text"] = value.strip()
        rows.append(row)
    return rows


def respond(device: Device, survey_id: int, answers: dict[str, Any], idempotency_key: str | None) -> tuple[dict, bool]:
    """Store a response; returns (receipt, created). A second response to the survey is 409, unless it is a
    retry with the same Idempotency-Key (then the first receipt comes back)."""
    with unit_of_work() as s:
        survey = _reachable(s, device, survey_id)
        now = utcnow()
        if (
            survey.status != "published"
            or (survey.closes_at and survey.closes_at <= now)
            or (survey.opens_at and survey.opens_at > now)
        ):
            raise Conflict(gettext("This survey is closed."), field="survey")
        digest = respondent_hash(survey.key, device.id)
        earlier = (
            s.execute(
                select(SurveyResponse)
                .join(Survey, Survey.id == SurveyResponse.survey_id)
                .where(
                    Survey.jurisdiction_id == survey.jurisdiction_id,
                    Survey.key == survey.key,
                    SurveyResponse.respondent_hash == digest,
                )
            )
            .scalars()
            .first()
        )
        if earlier is not None:
            if idempotency_key and earlier.idempotency_key == idempotency_key and earlier.survey_id == survey.id:
                return {"id": earlier.id, "survey_id": survey.id, "created_at": earlier.created_at}, False
            raise Conflict(gettext("You have already answered this survey."), field="survey")
        areas = dict(s.execute(select(Area.code, Area.id).where(Area.jurisdiction_id == survey.jurisdiction_id)).all())
        rows = check_answers(survey, answers, areas)
        area_id = next(
            (
                areas[r["choices"][0]]
                for r, q in zip(rows, _answered(survey, rows), strict=True)
                if q.kind == "district"
            ),
            None,
        ) or _home_area(s, device, survey.jurisdiction_id)
        response = SurveyResponse(
            survey_id=survey.id,
            respondent_hash=digest,
            idempotency_key=idempotency_key,
            area_id=area_id,
            provenance="opt-in",
            created_at=now,
        )
        s.add(response)
        s.flush()
        s.execute(SurveyAnswer.__table__.insert(), [{**r, "response_id": response.id} for r in rows])
        receipt = {"id": response.id, "survey_id": survey.id, "created_at": now}
    return receipt, True


def _answered(survey: Survey, rows: list[dict[str, Any]]) -> list[SurveyQuestion]:
    by_id = {q.id: q for q in survey.questions}
    return [by_id[r["question_id"]] for r in rows]


def _home_area(s: Any, device: Device, jurisdiction_id: int) -> int | None:
    """The area of the device's saved home place (or of its first place in the municipality), if any."""
    places = s.execute(
        select(DevicePlace.label, DevicePlace.area_id)
        .where(DevicePlace.device_id == device.id, DevicePlace.jurisdiction_id == jurisdiction_id)
        .order_by(DevicePlace.id)
    ).all()
    home = next((a for label, a in places if label.strip().lower() in HOME_LABELS), None)
    return home if home is not None else (places[0][1] if places else None)


# -- results -----------------------------------------------------------------------------------------------


def summarise(kind: str, counts: dict[int, int]) -> dict[str, Any]:
    """n, mean, its interval, top-2-box with its interval (1–5) or NPS (0–10), from a distribution."""
    n = sum(counts.values())
    out: dict[str, Any] = {"n": n, "distribution": {str(k): v for k, v in sorted(counts.items())}}
    if n < MIN_CELL:
        return {"n": n, "suppressed": True}
    mean = sum(k * v for k, v in counts.items()) / n
    var = sum(v * (k - mean) ** 2 for k, v in counts.items()) / (n - 1) if n > 1 else 0.0
    out.update({"mean": mean, "mean_ci": t_interval(mean, math.sqrt(var), n), "suppressed": False})
    if kind == "likert5":
        top = counts.get(4, 0) + counts.get(5, 0)
        out.update({"top2": top / n, "top2_ci": wilson(top, n)})
    else:
        promoters = sum(v for k, v in counts.items() if k >= 9)
        detractors = sum(v for k, v in counts.items() if k <= 6)
        out["nps"] = 100 * (promoters - detractors) / n
    return out


def results(staff: StaffUser, survey_id: int) -> dict[str, Any]:
    """Per question: distribution, mean, top-2-box or NPS with n and 95% intervals, overall and by area;
    cells under MIN_CELL responses suppressed."""
    s = session()
    survey = _own(s, staff, survey_id)
    areas = dict(s.execute(select(Area.id, Area.code).where(Area.jurisdiction_id == survey.jurisdiction_id)).all())
    numeric = s.execute(
        select(SurveyAnswer.question_id, SurveyResponse.area_id, SurveyAnswer.number, func.count())
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey.id, SurveyAnswer.number.isnot(None))
        .group_by(SurveyAnswer.question_id, SurveyResponse.area_id, SurveyAnswer.number)
    ).all()
    dont_know = dict(
        s.execute(
            select(SurveyAnswer.question_id, func.count())
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .where(SurveyResponse.survey_id == survey.id, SurveyAnswer.dont_know)
            .group_by(SurveyAnswer.question_id)
        ).all()
    )
    choice = s.execute(
        select(SurveyAnswer.question_id, func.unnest(SurveyAnswer.choices).label("c"), func.count())
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey.id, SurveyAnswer.choices.isnot(None))
        .group_by(SurveyAnswer.question_id, "c")
    ).all()
    total = s.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id))
    sent_to = invited(s, survey.id)
    per: dict[int, dict[Any, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for qid, area_id, number, n in numeric:
        per[qid][area_id][number] = per[qid][area_id].get(number, 0) + n
    choices: dict[int, dict[str, int]] = defaultdict(dict)
    for qid, code, n in choice:
        choices[qid][code] = n
    out_questions = []
    for q in survey.questions:
        entry: dict[str, Any] = {
            "code": q.code,
            "kind": q.kind,
            "service_code": q.service_code,
            "dimension": q.dimension,
            "dont_know": dont_know.get(q.id, 0),
        }
        if q.kind in ("likert5", "nps"):
            overall: dict[int, int] = defaultdict(int)
            for counts in per[q.id].values():
                for k, v in counts.items():
                    overall[k] += v
            entry["overall"] = summarise(q.kind, dict(overall))
            entry["by_area"] = {
                areas.get(a, "-"): summarise(q.kind, c)
                for a, c in sorted(per[q.id].items(), key=lambda item: areas.get(item[0], "~"))
            }
        elif q.kind in ("single", "multiple", "district"):
            n = sum(choices[q.id].values())
            entry["overall"] = {"n": n, "distribution": choices[q.id], "suppressed": n < MIN_CELL}
            if n < MIN_CELL:
                entry["overall"] = {"n": n, "suppressed": True}
        out_questions.append(entry)
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


def preview(staff: StaffUser, survey_id: int, lang: str) -> dict[str, Any]:
    """A survey (any status) as residents would see it."""
    s = session()
    survey = _own(s, staff, survey_id)
    j = s.get_one(Jurisdiction, survey.jurisdiction_id)
    areas = list(s.scalars(select(Area).where(Area.jurisdiction_id == j.id).order_by(Area.code)))
    view = resident_view(survey, lang, j.default_language, areas)
    s.rollback()
    return view


def export(staff: StaffUser, survey_id: int) -> list[list[Any]]:
    """Anonymised responses for a CSV: a header, then per response (shuffled) area, weight, provenance and
    one column per question — no response id, no time, no hash."""
    s = session()
    survey = _own(s, staff, survey_id)
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
        *[[areas.get(a, ""), w, p, *[answers[rid].get(c, "") for c in codes.values()]] for rid, a, w, p in responses],
    ]


# -- representative surveys --------------------------------------------------------------------------------


def import_survey(jurisdiction_code: str, survey_file: Path, responses_csv: Path) -> dict[str, int]:
    """Import a survey a city commissioned: the definition and column mapping (YAML) and the respondents (CSV).
    Stored with provenance `representative` (never mixed with app answers). All or nothing: a bad value is
    refused with its line and column."""
    spec = yaml.safe_load(survey_file.read_text(encoding="utf-8")) or {}
    dont_know = {str(v) for v in spec.get("dont_know", [])}
    missing = {str(v) for v in spec.get("missing", ["", "NA"])}
    area_spec = spec.get("area") or {}
    with unit_of_work() as s:
        jurisdiction = s.scalars(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)).first()
        if jurisdiction is None:
            raise NotFound(gettext("Unknown municipality."), field="jurisdiction")
        _check_definition(s, jurisdiction, spec)
        key = spec.get("key") or survey_file.stem
        if s.scalars(select(Survey.id).where(Survey.jurisdiction_id == jurisdiction.id, Survey.key == key)).first():
            raise Conflict(f"{survey_file.name}: a survey with the key {key!r} was already imported", field="key")
        areas = dict(s.execute(select(Area.code, Area.id).where(Area.jurisdiction_id == jurisdiction.id)).all())
        area_map = {str(k): str(v) for k, v in (area_spec.get("map") or {}).items()}
        unknown = sorted(set(area_map.values()) - set(areas))
        if unknown:
            raise DomainError(f"{survey_file.name}: unknown area codes {', '.join(unknown)}", field="area")
        fielded = _fielded_at(spec, jurisdiction.timezone, survey_file.name)
        survey = Survey(
            jurisdiction_id=jurisdiction.id,
            key=key,
            version=1,
            status="closed",
            provenance="representative",
            published_at=utcnow(),
        )
        _build(s, survey, spec, jurisdiction)
        s.add(survey)
        s.flush()
        columns = {
            q.id: (q, str(next(x for x in spec["questions"] if x["code"] == q.code).get("column", q.code)))
            for q in survey.questions
        }
        responses: list[dict[str, Any]] = []
        answers: list[list[dict[str, Any]]] = []
        with responses_csv.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            needed = {c for _, c in columns.values()} | ({area_spec["column"]} if area_spec.get("column") else set())
            absent = sorted(needed - set(reader.fieldnames or []))
            if absent:
                raise DomainError(f"{responses_csv.name}: missing columns {', '.join(absent)}", field="responses")
            for line, row in enumerate(reader, start=2):
                raw_area = (row.get(area_spec.get("column", "")) or "").strip()
                code = area_map.get(raw_area, raw_area if raw_area in areas else None)
                weight = 1.0
                if spec.get("weight"):
                    try:
                        weight = float(row[spec["weight"]])
                    except (KeyError, ValueError) as exc:
                        raise DomainError(
                            f"{responses_csv.name} line {line}: no valid weight", field="responses"
                        ) from exc
                responses.append(
                    {
                        "survey_id": survey.id,
                        "area_id": areas.get(code) if code else None,
                        "weight": weight,
                        "provenance": "representative",
                        "source_ref": (row.get(spec.get("respondent_id", "id")) or "")[:64] or None,
                        "created_at": fielded,
                    }
                )
                mine = []
                for q, column in columns.values():
                    value = (row.get(column) or "").strip()
                    if value in missing:
                        continue
                    item = {"question_id": q.id, "number": None, "choices": None, "text": None, "dont_know": False}
                    if value in dont_know:
                        item["dont_know"] = True
                    elif q.kind in ("likert5", "nps"):
                        low, top = (1, 5) if q.kind == "likert5" else (0, 10)
                        if not value.isdigit() or not low <= int(value) <= top:
                            raise DomainError(
                                f"{responses_csv.name} line {line}, {column}: {value!r} is not between {low} and {top}",
                                field="responses",
                            )
                        item["number"] = int(value)
                    elif q.kind in ("single", "multiple"):
                        item["choices"] = [v for v in value.split("|") if v]
                    else:
                        item["text"] = value[:MAX_TEXT]
                    mine.append(item)
                answers.append(mine)
        ids = (
            s.execute(SurveyResponse.__table__.insert().returning(SurveyResponse.id), responses).scalars().all()
            if responses
            else []
        )
        rows = [{**a, "response_id": rid} for rid, mine in zip(ids, answers, strict=True) for a in mine]
        if rows:
            s.execute(SurveyAnswer.__table__.insert(), rows)
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


# -- invitations -------------------------------------------------------------------------------------------

INVITATION = "A short survey from {city}: {title}"


def invite(staff: StaffUser, survey_id: int, per_minute: int) -> dict[str, Any]:
    """Invite the survey's audience by push (topic `surveys`), at most `per_minute` devices a minute; the
    invitation is a private broadcast whose statistics give the response rate."""

    with unit_of_work() as s:
        survey = _own(s, staff, survey_id)
        if survey.status != "published" or survey.provenance != "opt-in":
            raise Conflict(gettext("Only a published app survey can be sent out."), field="status")
        j = s.get_one(Jurisdiction, survey.jurisdiction_id)
        texts = {
            lang: {
                "title": pick(survey.title, lang, j.default_language),
                "body": gettext(
                    INVITATION,
                    lang,
                    city=pick(j.name, lang, j.default_language),
                    title=pick(survey.title, lang, j.default_language),
                ),
            }
            for lang in ("pl", "uk", "en")
        }
        reporters = survey.audience == "reporters"
        service_ids = (
            list(
                s.scalars(
                    select(Service.id).where(
                        Service.jurisdiction_id == j.id, Service.code.in_(survey.reporter_services or [])
                    )
                )
            )
            if reporters
            else None
        )
        b = Broadcast(
            jurisdiction_id=j.id,
            topic="surveys",
            audience="areas" if survey.audience == "areas" else "jurisdiction",
            area_ids=survey.area_ids if survey.audience == "areas" else None,
            texts=texts,
            private=True,
            send_at=utcnow(),
            expires_at=survey.closes_at,
            status="scheduled",
            survey_id=survey.id,
            per_minute=per_minute,
            created_by_staff_id=staff.id,
            reporter_service_ids=service_ids or ([0] if reporters else None),
            reporters_since=utcnow() - timedelta(days=survey.reporter_days or 90) if reporters else None,
        )
        s.add(b)
        s.flush()
        audit.record(
            s,
            staff,
            "survey.invite",
            "survey",
            survey.id,
            jurisdiction_id=j.id,
            after={"broadcast_id": b.id, "per_minute": per_minute},
        )
        request_send(s, b.id)
        bid = b.id
    return {"broadcast_id": bid, "survey_id": survey_id, "per_minute": per_minute}


def invited(s: Any, survey_id: int) -> int:
    """Devices invited to this survey version (notifications of its invitation broadcasts)."""

    return int(
        s.scalar(
            select(func.count())
            .select_from(Notification)
            .join(Broadcast, Broadcast.id == Notification.broadcast_id)
            .where(Broadcast.survey_id == survey_id)
        )
        or 0
    )
