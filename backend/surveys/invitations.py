"""Inviting residents to answer a survey: a push broadcast to the survey's audience (`audience`: the devices that
find the survey in their list), once; the response rate counts the answers of the invited devices (a response
records the invitation that had reached its device)."""

from __future__ import annotations

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from backend import audit
from backend.db import unit_of_work
from backend.errors import Conflict
from backend.i18n import gettext, pick
from backend.models import (
    Broadcast,
    Jurisdiction,
    Notification,
    StaffUser,
    Survey,
    SurveyResponse,
    utcnow,
)
from backend.surveys.audience import audience_of
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


def invite(staff: StaffUser, survey_id: int, per_minute: int) -> Invitation:
    """Invite the survey's audience by push (topic `surveys`), at most `per_minute` devices a minute; the
    invitation is a private broadcast whose statistics give the response rate."""
    with unit_of_work() as s:
        survey = own_survey(s, staff, survey_id)
        if survey.status != "published" or survey.provenance != "opt-in":
            raise Conflict(gettext("Only a published app survey can be sent out."), field="status")
        j = s.get_one(Jurisdiction, survey.jurisdiction_id)
        texts = _texts(survey, j)
        target = audience_of(s, survey)
        b = Broadcast(
            jurisdiction_id=j.id,
            topic="surveys",
            audience=target.audience,
            area_ids=list(target.area_ids) or None,
            texts=texts,
            private=True,
            send_at=utcnow(),
            expires_at=survey.closes_at,
            status="scheduled",
            survey_id=survey.id,
            per_minute=per_minute,
            created_by_staff_id=staff.id,
            reporter_service_ids=list(target.reporter_service_ids) or None,
            reporters_since=target.reporters_since,
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


def invitation_replies(s: Session, survey: Survey) -> tuple[int, int]:
    """(devices invited to this survey version, each counted once however many invitations it got; the responses
    of those devices given after an invitation had reached them). The same rule as the `survey_response_rate`
    indicator's: a response records its invitation when it is given, and an erasure takes the device out of both."""
    invited = s.scalar(
        select(func.count(distinct(Notification.device_id)))
        .join(Broadcast, Broadcast.id == Notification.broadcast_id)
        .where(Broadcast.survey_id == survey.id)
    )
    answered = s.scalar(
        select(func.count()).where(SurveyResponse.survey_id == survey.id, SurveyResponse.invitation_id.isnot(None))
    )
    return int(invited or 0), min(int(answered or 0), int(invited or 0))
