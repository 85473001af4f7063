"""Forgetting people: the one erasure of app installs and resident records (a resident's DELETE /api/v1/me and the
staff's erasure on a person's request both run it), one municipality's part of it for a person who also has data with
another, and retention's clean-up of contact data nothing needs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, cast, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from backend.models import (
    Device,
    DevicePlace,
    FeedbackAnswer,
    FeedbackRequest,
    Notification,
    Report,
    ReportEvent,
    ReportSupport,
    Resident,
    SignedLink,
    Survey,
    SurveyResponse,
    utcnow,
)
from backend.residents.pseudonyms import feedback_device, feedback_resident, survey_respondent


@dataclass(frozen=True, slots=True)
class Erased:
    """What an erasure changed: reports unlinked, app installs and resident records deleted, supports withdrawn."""

    reports: int
    devices: int
    records: int
    supports: int


def forget(s: Session, device_ids: Sequence[int], resident_ids: Sequence[int]) -> Erased:
    """Erase app installs and resident records inside the caller's transaction: the contact data, the devices
    with their tokens, places and inbox (ON DELETE CASCADE), their supports and the e-mail links sent to them.
    Reports stay, unlinked; survey and "Is it fixed?" answers stay in the statistics without their pseudonym.
    A resident record that a device not named here still uses is kept.

    Supports are withdrawn (each report's count goes down with them), so a count never includes a person who
    asked to be forgotten and always equals the supports stored."""
    devices, residents = list(device_ids), list(resident_ids)
    supported = s.scalars(
        delete(ReportSupport).where(ReportSupport.device_id.in_(devices)).returning(ReportSupport.report_id)
    ).all()
    _count_withdrawn(s, supported)
    unlinked = s.scalars(
        update(Report)
        .where(or_(Report.device_id.in_(devices), Report.reporter_id.in_(residents)))
        .values(reporter_id=None, device_id=None, anonymised_at=utcnow())
        .returning(Report.id)
    ).all()
    s.execute(update(ReportEvent).where(ReportEvent.actor_device_id.in_(devices)).values(actor_device_id=None))
    _unlink_answers(s, devices, residents, [*unlinked, *supported])
    if residents:
        s.execute(delete(SignedLink).where(SignedLink.subject["resident_id"].as_integer().in_(residents)))
    gone = len(s.scalars(delete(Device).where(Device.id.in_(devices)).returning(Device.id)).all())
    s.flush()
    records = delete_orphan_residents(s, residents) if residents else 0
    return Erased(reports=len(unlinked), devices=gone, records=records, supports=len(supported))


def held_elsewhere(s: Session, jurisdiction_id: int, device_ids: Sequence[int], resident_id: int) -> bool:
    """Whether a municipality other than this one holds anything about the person of this resident record and
    app installs: a report linked to them, an install set to it, a support of one of its reports, a place saved in
    it, a notification from it, an answer to one of its surveys."""
    devices, other = list(device_ids), Report.jurisdiction_id != jurisdiction_id
    held = or_(
        exists().where(Report.reporter_id == resident_id, other),
        exists().where(Report.device_id.in_(devices), other),
        exists().where(Device.id.in_(devices), Device.jurisdiction_id != jurisdiction_id),
        exists().where(ReportSupport.device_id.in_(devices), ReportSupport.report_id == Report.id, other),
        exists().where(DevicePlace.device_id.in_(devices), DevicePlace.jurisdiction_id != jurisdiction_id),
        exists().where(
            or_(Notification.device_id.in_(devices), Notification.resident_id == resident_id),
            Notification.jurisdiction_id != jurisdiction_id,
        ),
    )
    if s.scalar(select(held)):
        return True
    elsewhere = Survey.jurisdiction_id != jurisdiction_id
    hashes = _survey_pseudonyms(s, devices, elsewhere)
    answered = exists().where(
        SurveyResponse.respondent_hash.in_(hashes), SurveyResponse.survey_id == Survey.id, elsewhere
    )
    return bool(hashes) and bool(s.scalar(select(answered)))


def forget_here(s: Session, jurisdiction_id: int, device_ids: Sequence[int], resident_ids: Sequence[int]) -> Erased:
    """Erase one municipality's part of people who also have data with another, inside the caller's transaction:
    the links of its reports to them, their supports of its reports, their places in it, its notifications to them,
    their pseudonyms in its surveys and "Is it fixed?" answers, the e-mailed links about its reports; an app install
    set to it is set to none. The app installs and the resident records stay for the other municipality; a record's
    contact data (name, e-mail address, phone) is cleared when no report links it any more."""
    devices, residents = list(device_ids), list(resident_ids)
    here = select(Report.id).where(Report.jurisdiction_id == jurisdiction_id)
    supported = s.scalars(
        delete(ReportSupport)
        .where(ReportSupport.device_id.in_(devices), ReportSupport.report_id.in_(here))
        .returning(ReportSupport.report_id)
    ).all()
    _count_withdrawn(s, supported)
    unlinked = s.scalars(
        update(Report)
        .where(
            Report.jurisdiction_id == jurisdiction_id,
            or_(Report.device_id.in_(devices), Report.reporter_id.in_(residents)),
        )
        .values(reporter_id=None, device_id=None, anonymised_at=utcnow())
        .returning(Report.id)
    ).all()
    s.execute(
        update(ReportEvent)
        .where(ReportEvent.actor_device_id.in_(devices), ReportEvent.report_id.in_(here))
        .values(actor_device_id=None)
    )
    requests = _unlink_answers(s, devices, residents, [*unlinked, *supported], jurisdiction_id)
    about = SignedLink.subject["resident_id"].as_integer().in_(residents)
    s.execute(delete(SignedLink).where(about, SignedLink.subject["request_id"].as_integer().in_(requests)))
    s.execute(
        delete(DevicePlace).where(DevicePlace.device_id.in_(devices), DevicePlace.jurisdiction_id == jurisdiction_id)
    )
    s.execute(
        delete(Notification).where(
            or_(Notification.device_id.in_(devices), Notification.resident_id.in_(residents)),
            Notification.jurisdiction_id == jurisdiction_id,
        )
    )
    set_here = Device.id.in_(devices), Device.jurisdiction_id == jurisdiction_id
    s.execute(update(Device).where(*set_here).values(jurisdiction_id=None, updated_at=utcnow()))
    return Erased(reports=len(unlinked), devices=0, records=_forget_contacts(s, residents), supports=len(supported))


def _forget_contacts(s: Session, residents: list[int]) -> int:
    """Clear the contact data of these records where no report links them any more, with the links e-mailed to
    them (an app install keeps its record, for its settings)."""
    unused = s.scalars(
        update(Resident)
        .where(Resident.id.in_(residents), ~exists().where(Report.reporter_id == Resident.id))
        .values(name=None, email=None, phone=None, updated_at=utcnow())
        .returning(Resident.id)
    ).all()
    if unused:
        s.execute(delete(SignedLink).where(SignedLink.subject["resident_id"].as_integer().in_(unused)))
    return len(unused)


def _count_withdrawn(s: Session, supported: Sequence[int]) -> None:
    """Each report's support count goes down with the supports withdrawn from it."""
    for withdrawn, report_ids in _by_count(supported).items():
        s.execute(
            update(Report)
            .where(Report.id.in_(report_ids))
            .values(support_count=func.greatest(Report.support_count - withdrawn, 0))
        )


def _by_count(report_ids: Sequence[int]) -> dict[int, list[int]]:
    """Report ids grouped by how many of the withdrawn supports were theirs (two devices of one person: 2)."""
    grouped: dict[int, list[int]] = {}
    for report_id, n in Counter(report_ids).items():
        grouped.setdefault(n, []).append(report_id)
    return grouped


def _unlink_answers(
    s: Session, devices: list[int], residents: list[int], report_ids: list[int], jurisdiction_id: int | None = None
) -> list[int]:
    """Survey responses lose their pseudonym (nobody can tell whose they are, and the device that could answer
    again is gone) and their invitation (the device's invitations go with it, so it leaves the response rate);
    "Is it fixed?" answers get a random one (the column keeps one answer per respondent). With a municipality, only
    the answers to its surveys. Returns the "Is it fixed?" questions about the reports."""
    of = None if jurisdiction_id is None else Survey.jurisdiction_id == jurisdiction_id
    hashes = _survey_pseudonyms(s, devices, of)
    if hashes:
        responses = update(SurveyResponse).where(SurveyResponse.respondent_hash.in_(hashes))
        if of is not None:
            responses = responses.where(SurveyResponse.survey_id.in_(select(Survey.id).where(of)))
        s.execute(responses.values(respondent_hash=None, invitation_id=None))
    requests = s.scalars(select(FeedbackRequest.id).where(FeedbackRequest.report_id.in_(set(report_ids)))).all()
    pseudonyms = [feedback_device(r, d) for r in requests for d in devices]
    pseudonyms += [feedback_resident(r, x) for r in requests for x in residents]
    if pseudonyms:
        s.execute(
            update(FeedbackAnswer)
            .where(FeedbackAnswer.respondent_hash.in_(pseudonyms))
            .values(respondent_hash=cast(func.gen_random_uuid(), String))
        )
    return list(requests)


def _survey_pseudonyms(s: Session, devices: list[int], where: ColumnElement[bool] | None = None) -> list[str]:
    """The devices' pseudonyms in the surveys (all, or those `where` picks)."""
    if not devices:
        return []
    keys = select(Survey.key).distinct()
    return [survey_respondent(k, d) for k in s.scalars(keys if where is None else keys.where(where)) for d in devices]


def delete_orphan_residents(s: Session, ids: Sequence[int] | None = None) -> int:
    """Delete residents no device or report refers to any more (optionally only among `ids`); their e-mail
    notifications and deliveries go with them."""
    stmt = delete(Resident).where(
        ~exists().where(Device.resident_id == Resident.id), ~exists().where(Report.reporter_id == Resident.id)
    )
    if ids is not None:
        stmt = stmt.where(Resident.id.in_(list(ids)))
    return len(s.scalars(stmt.returning(Resident.id)).all())


def forget_unused_contacts(s: Session) -> int:
    """Clear the name, e-mail address and phone of resident records that no report links any more: an app install
    keeps its record (for its settings), without the contact data (a record without an install is deleted)."""
    return len(
        s.scalars(
            update(Resident)
            .where(
                ~exists().where(Report.reporter_id == Resident.id),
                or_(Resident.name.is_not(None), Resident.email.is_not(None), Resident.phone.is_not(None)),
            )
            .values(name=None, email=None, phone=None, updated_at=utcnow())
            .returning(Resident.id)
        ).all()
    )
