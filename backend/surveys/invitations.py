"""Inviting residents to answer a survey: a push broadcast to the survey's audience, once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import audit
from backend.db import unit_of_work
from backend.errors import Conflict
from backend.i18n import gettext, pick
from backend.models import (
    Broadcast,
    Jurisdiction,
    Notification,
    Service,
    StaffUser,
    Survey,
    utcnow,
)
from backend.surveys.definitions import own_survey
from backend.surveys.views import Invitation
from push.broadcasts import request_send

INVITATION = "A short survey from {city}: {title}"


def _texts(survey: Survey, j: Jurisdiction) -> dict[str, dict[str, str]]:
    """The invitation's title and body in every language."""
    return {
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


def _reporter_services(s: Session, survey: Survey, j: Jurisdiction) -> list[int]:
    """The services whose recent reporters a "reporters" survey is meant for."""
    wanted = Service.jurisdiction_id == j.id, Service.code.in_(survey.reporter_services or [])
    return list(s.scalars(select(Service.id).where(*wanted)))


def invite(staff: StaffUser, survey_id: int, per_minute: int) -> Invitation:
    """Invite the survey's audience by push (topic `surveys`), at most `per_minute` devices a minute; the
    invitation is a private broadcast whose statistics give the response rate."""
    with unit_of_work() as s:
        survey = own_survey(s, staff, survey_id)
        if survey.status != "published" or survey.provenance != "opt-in":
            raise Conflict(gettext("Only a published app survey can be sent out."), field="status")
        j = s.get_one(Jurisdiction, survey.jurisdiction_id)
        texts = _texts(survey, j)
        reporters = survey.audience == "reporters"
        service_ids = _reporter_services(s, survey, j) if reporters else None
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
    return Invitation(broadcast_id=bid, survey_id=survey_id, per_minute=per_minute)


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
