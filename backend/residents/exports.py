"""What is stored about a person, as JSON-ready records: the resident's own export (GET /api/v1/me/export) and
the pieces the staff's export on a person's request is made of (`backend.residents.person_data`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.db import session
from backend.i18n import pick
from backend.models import (
    Area,
    Device,
    DevicePlace,
    FeedbackAnswer,
    FeedbackRequest,
    Jurisdiction,
    Notification,
    Report,
    ReportSupport,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from backend.residents.places import PlaceView, places
from backend.residents.pseudonyms import feedback_device, feedback_resident, survey_respondent
from geo.points import lonlat


class DeviceExport(TypedDict):
    id: int
    platform: str
    locale: str
    has_push_token: bool
    created_at: datetime
    last_seen_at: datetime | None


class ContactExport(TypedDict):
    name: str | None
    email: str | None
    phone: str | None


class ReportExport(TypedDict):
    id: int
    public_id: str
    service_code: str
    description: str
    status: str
    lon: float
    lat: float
    address: str | None
    answers: dict[str, Any]
    anonymous: bool
    requested_at: datetime
    with_contact: bool


class SupportExport(TypedDict):
    report_id: int
    public_id: str
    created_at: datetime


class NotificationExport(TypedDict):
    kind: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class PlaceExport(TypedDict):
    label: str
    lon: float
    lat: float
    jurisdiction: str
    area: str | None
    created_at: datetime


class AnswerExport(TypedDict):
    question: str
    number: int | None
    choices: list[str] | None
    text: str | None
    dont_know: bool


class SurveyAnswersExport(TypedDict):
    survey: str
    title: str
    answered_at: datetime
    answers: list[AnswerExport]


class FeedbackExport(TypedDict):
    public_id: str
    fixed: bool
    satisfaction: int | None
    comment: str | None
    answered_at: datetime


class Export(TypedDict):
    """Everything stored about a device and its resident (data portability; a JSON document)."""

    device: DeviceExport
    contact: ContactExport | None
    reports: list[ReportExport]
    supports: list[SupportExport]
    places: list[PlaceExport]
    notification_topics: list[str]
    notifications: list[NotificationExport]
    survey_answers: list[SurveyAnswersExport]
    feedback: list[FeedbackExport]


def export(device_id: int) -> Export:
    """Everything stored about this device and its resident (data portability)."""
    s = session()
    device = s.get_one(Device, device_id)
    saved = [place_export(p) for p in places(device)]  # reads in its own transaction: first
    resident = device.resident
    reports = s.scalars(select(Report).where(Report.device_id == device_id).order_by(Report.requested_at)).all()
    return {
        "device": device_export(device),
        "contact": None
        if resident is None
        else {"name": resident.name, "email": resident.email, "phone": resident.phone},
        "reports": [report_export(r) for r in reports],
        "supports": supports_export(s, [device_id], None),
        "places": saved,
        "notification_topics": list(device.topics or []),
        "notifications": notifications_export(s, [device_id], [], None),
        "survey_answers": survey_answers_export(s, [device_id], None, device.locale),
        "feedback": feedback_export(s, [device_id], [], None),
    }


def device_export(device: Device) -> DeviceExport:
    return {
        "id": device.id,
        "platform": device.platform,
        "locale": device.locale,
        "has_push_token": device.push_token is not None,
        "created_at": device.created_at,
        "last_seen_at": device.last_seen_at,
    }


def place_export(p: PlaceView) -> PlaceExport:
    area = None if p.area is None else p.area.code
    return {
        "label": p.label,
        "lon": p.lon,
        "lat": p.lat,
        "jurisdiction": p.jurisdiction.code,
        "area": area,
        "created_at": p.created_at,
    }


def places_export(s: Session, devices: Sequence[int], jurisdiction_id: int) -> list[PlaceExport]:
    """The places the devices follow in one municipality (read in the caller's transaction)."""
    rows = s.execute(
        select(DevicePlace, Area.code, Jurisdiction.code)
        .outerjoin(Area, Area.id == DevicePlace.area_id)
        .join(Jurisdiction, Jurisdiction.id == DevicePlace.jurisdiction_id)
        .where(DevicePlace.device_id.in_(list(devices)), DevicePlace.jurisdiction_id == jurisdiction_id)
        .order_by(DevicePlace.id)
    ).all()
    out: list[PlaceExport] = []
    for place, area, jurisdiction in rows:
        lon, lat = lonlat(place.location)
        out.append(
            {
                "label": place.label,
                "lon": lon,
                "lat": lat,
                "jurisdiction": jurisdiction,
                "area": area,
                "created_at": place.created_at,
            }
        )
    return out


def report_export(r: Report) -> ReportExport:
    lon, lat = lonlat(r.location)
    return {
        "id": r.id,
        "public_id": r.public_id,
        "service_code": r.service.code,
        "description": r.description,
        "status": r.status,
        "lon": lon,
        "lat": lat,
        "address": r.address,
        "answers": r.answers,
        "anonymous": r.anonymous,
        "requested_at": r.requested_at,
        "with_contact": r.reporter_id is not None,
    }


def supports_export(s: Session, devices: Sequence[int], jurisdiction_id: int | None) -> list[SupportExport]:
    """The devices' "me too"s (on reports of one municipality, or of all when None)."""
    stmt = (
        select(ReportSupport, Report.public_id)
        .join(Report, Report.id == ReportSupport.report_id)
        .where(ReportSupport.device_id.in_(list(devices)))
        .order_by(ReportSupport.created_at)
    )
    if jurisdiction_id is not None:
        stmt = stmt.where(Report.jurisdiction_id == jurisdiction_id)
    return [
        {"report_id": x.report_id, "public_id": public_id, "created_at": x.created_at}
        for x, public_id in s.execute(stmt)
    ]


def notifications_export(
    s: Session, devices: Sequence[int], residents: Sequence[int], jurisdiction_id: int | None
) -> list[NotificationExport]:
    """The inbox of the devices and the e-mails to the resident records."""
    stmt = (
        select(Notification)
        .where(or_(Notification.device_id.in_(list(devices)), Notification.resident_id.in_(list(residents))))
        .order_by(Notification.id)
    )
    if jurisdiction_id is not None:
        stmt = stmt.where(Notification.jurisdiction_id == jurisdiction_id)
    return [
        {"kind": n.kind, "title": n.title, "body": n.body, "created_at": n.created_at, "read_at": n.read_at}
        for n in s.scalars(stmt)
    ]


def survey_answers_export(
    s: Session, devices: Sequence[int], jurisdiction_id: int | None, lang: str
) -> list[SurveyAnswersExport]:
    """The devices' survey responses (to one municipality's surveys, or to all when None), found through their
    pseudonyms (`backend.residents.pseudonyms`)."""
    stmt = select(Survey.key).distinct()
    responses = (
        select(SurveyResponse, Survey)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .order_by(SurveyResponse.created_at)
    )
    if jurisdiction_id is not None:  # two municipalities may each have a survey with the same key
        stmt = stmt.where(Survey.jurisdiction_id == jurisdiction_id)
        responses = responses.where(Survey.jurisdiction_id == jurisdiction_id)
    hashes = [survey_respondent(key, d) for key in s.scalars(stmt) for d in devices]
    if not hashes:
        return []
    rows = s.execute(responses.where(SurveyResponse.respondent_hash.in_(hashes))).all()
    answers: dict[int, list[AnswerExport]] = {}
    for a, code in s.execute(
        select(SurveyAnswer, SurveyQuestion.code)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(SurveyAnswer.response_id.in_([r.id for r, _ in rows]))
        .order_by(SurveyQuestion.position)
    ):
        answers.setdefault(a.response_id, []).append(
            {"question": code, "number": a.number, "choices": a.choices, "text": a.text, "dont_know": a.dont_know}
        )
    return [
        {
            "survey": survey.key,
            "title": pick(survey.title, lang, lang),
            "answered_at": r.created_at,
            "answers": answers.get(r.id, []),
        }
        for r, survey in rows
    ]


def feedback_export(
    s: Session, devices: Sequence[int], residents: Sequence[int], jurisdiction_id: int | None
) -> list[FeedbackExport]:
    """The "Is it fixed?" answers given from the devices or through the links e-mailed to the resident records,
    about the reports they filed or supported."""
    concerned = select(Report.id).where(
        or_(
            Report.device_id.in_(list(devices)),
            Report.reporter_id.in_(list(residents)),
            Report.id.in_(select(ReportSupport.report_id).where(ReportSupport.device_id.in_(list(devices)))),
        )
    )
    if jurisdiction_id is not None:
        concerned = concerned.where(Report.jurisdiction_id == jurisdiction_id)
    requests = s.scalars(select(FeedbackRequest.id).where(FeedbackRequest.report_id.in_(concerned))).all()
    pseudonyms = [feedback_device(r, d) for r in requests for d in devices]
    pseudonyms += [feedback_resident(r, x) for r in requests for x in residents]
    if not pseudonyms:
        return []
    return [
        {
            "public_id": public_id,
            "fixed": a.fixed,
            "satisfaction": a.satisfaction,
            "comment": a.comment,
            "answered_at": a.created_at,
        }
        for a, public_id in s.execute(
            select(FeedbackAnswer, Report.public_id)
            .join(Report, Report.id == FeedbackAnswer.report_id)
            .where(FeedbackAnswer.respondent_hash.in_(pseudonyms))
            .order_by(FeedbackAnswer.created_at)
        )
    ]
