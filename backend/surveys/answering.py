"""Residents answering surveys: the surveys open to a device (by the survey's audience, `audience`), the survey as
a resident sees it, answers checked against the questions, one response per respondent."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, exists, or_, select

from backend.db import session, unit_of_work
from backend.errors import Conflict, NotFound
from backend.i18n import gettext, pick
from backend.models import (
    Area,
    Device,
    DevicePlace,
    Jurisdiction,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    utcnow,
)
from backend.surveys.answers import AnswerRow, check_answers
from backend.surveys.audience import invitation_reaching, meant_for
from backend.surveys.views import OpenSurvey, ResidentQuestion, ResidentSurvey

HOME_LABELS = ("home", "dom", "дім", "дом")


def respondent_hash(survey_key: str, device_id: int) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"survey:{survey_key}:{device_id}".encode(), hashlib.sha256).hexdigest()


def resident_view(survey: Survey, lang: str, fallback: str, areas: list[Area]) -> ResidentSurvey:
    """A survey as the app shows it (also the managers' preview)."""

    def tr(texts: dict[str, str] | None) -> str:
        return pick(texts, lang, fallback)

    def question(q: SurveyQuestion) -> ResidentQuestion:
        return {
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

    return {
        "id": survey.id,
        "title": tr(survey.title),
        "intro": tr(survey.intro),
        "closes_at": survey.closes_at,
        "questions": [question(q) for q in survey.questions],
    }


def _open() -> Any:
    now = utcnow()
    return select(Survey).where(
        Survey.status == "published",
        or_(Survey.opens_at.is_(None), Survey.opens_at <= now),
        or_(Survey.closes_at.is_(None), Survey.closes_at > now),
        Survey.provenance == "opt-in",
    )


def open_for(device: Device, lang: str) -> list[OpenSurvey]:
    """Open app surveys meant for this device (the survey's audience, as its invitation reaches it)."""
    s = session()
    out: list[OpenSurvey] = []
    for survey in s.scalars(_open().order_by(Survey.published_at.desc())):
        if not meant_for(s, survey, device):
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
            OpenSurvey(
                id=survey.id,
                title=pick(survey.title, lang, j.default_language),
                closes_at=survey.closes_at,
                answered=answered,
                questions=len(survey.questions),
            )
        )
    s.rollback()
    return out


def for_device(device: Device, survey_id: int, lang: str) -> ResidentSurvey:
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
    if survey is None or survey.provenance != "opt-in" or survey.status == "draft" or not meant_for(s, survey, device):
        raise NotFound(gettext("Not found."))
    return survey


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
                areas[choices[0]]
                for r, q in zip(rows, _answered(survey, rows), strict=True)
                if q.kind == "district" and (choices := r["choices"])
            ),
            None,
        ) or _home_area(s, device, survey.jurisdiction_id)
        response = SurveyResponse(
            survey_id=survey.id,
            respondent_hash=digest,
            idempotency_key=idempotency_key,
            area_id=area_id,
            provenance="opt-in",
            invitation_id=invitation_reaching(s, survey.id, device.id),
            created_at=now,
        )
        s.add(response)
        s.flush()
        s.execute(cast(Table, SurveyAnswer.__table__).insert(), [{**r, "response_id": response.id} for r in rows])
        receipt = {"id": response.id, "survey_id": survey.id, "created_at": now}
    return receipt, True


def _answered(survey: Survey, rows: list[AnswerRow]) -> list[SurveyQuestion]:
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
