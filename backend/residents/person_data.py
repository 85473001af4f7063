"""A person's data on their request, handled by the municipality's administrators: for people without an app
session (Open311 and e-mail reporters) and for staff acting on a resident's request.

The person is found by the e-mail address or the phone number they gave (`backend.residents.lookup`) among the
resident records this municipality holds: those one of its reports links to (its staff see them on the report).
Several municipalities may hold one record (an app install keeps one record for the contact data given with its
reports anywhere): each sees and erases only its own part. The export lists what is held here: its reports, the
supports of its reports, an app install set to it, the places saved in it, its notifications, the answers to its
surveys. The erasure removes the same; a record with its app installs is deleted (as a resident's own DELETE
/api/v1/me does, `backend.residents.erasure.forget`) only when no other municipality holds anything about the person;
otherwise the answer says so, in words, for that municipality to handle. Both are audited, one entry per record
(who, when, which record, how many reports here), never with the contact data itself; the entries of one request
share their moment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from backend import audit
from backend.db import session, unit_of_work
from backend.errors import NotFound
from backend.i18n import gettext
from backend.models import AuditEntry, Device, Jurisdiction, Report, Resident, StaffUser
from backend.models.base import utcnow
from backend.residents import exports, lookup
from backend.residents.erasure import Erased, forget, forget_here, held_elsewhere
from backend.vocabulary import AuditAction, label

#: What an audit entry of this tool is about, and its actions.
TARGET = "resident"
ACTIONS = (AuditAction.PERSONAL_DATA_EXPORT, AuditAction.PERSONAL_DATA_ERASE)


class RecordExport(TypedDict):
    """One resident record: the contact data a person gave."""

    id: int
    name: str | None
    email: str | None
    phone: str | None
    locale: str | None
    created_at: datetime


class DeviceExport(exports.DeviceExport):
    notification_topics: list[str]


class PersonExport(TypedDict):
    """What this municipality holds about a person (a JSON document)."""

    jurisdiction: str
    records: list[RecordExport]
    reports: list[exports.ReportExport]
    devices: list[DeviceExport]
    supports: list[exports.SupportExport]
    places: list[exports.PlaceExport]
    notifications: list[exports.NotificationExport]
    survey_answers: list[exports.SurveyAnswersExport]
    feedback: list[exports.FeedbackExport]


class Erasure(TypedDict):
    """What an erasure removed here: contact records, app installs, supports, and how many of this municipality's
    reports lost the link; how many records stay because another municipality holds data too, and that in words."""

    records: int
    devices: int
    supports: int
    reports: int
    kept: int
    notice: str | None


def export_person(staff: StaffUser, email: str | None, phone: str | None) -> PersonExport:
    """What this municipality holds about the person with this e-mail address or phone number; audited."""
    with unit_of_work() as s:
        jurisdiction = s.get_one(Jurisdiction, staff.jurisdiction_id)
        records = _found(s, jurisdiction, email, phone)
        ids = [r.id for r in records]
        devices = s.scalars(select(Device).where(Device.resident_id.in_(ids)).order_by(Device.id)).all()
        device_ids = [d.id for d in devices]
        reports = s.scalars(_reports_here(jurisdiction.id, ids, device_ids).order_by(Report.requested_at)).all()
        set_here = [d for d in devices if d.jurisdiction_id == jurisdiction.id]
        out: PersonExport = {
            "jurisdiction": jurisdiction.code,
            "records": [_record(r) for r in records],
            "reports": [exports.report_export(r) for r in reports],
            "devices": [{**exports.device_export(d), "notification_topics": list(d.topics or [])} for d in set_here],
            "supports": exports.supports_export(s, device_ids, jurisdiction.id),
            "places": exports.places_export(s, device_ids, jurisdiction.id),
            "notifications": exports.notifications_export(s, device_ids, ids, jurisdiction.id),
            "survey_answers": exports.survey_answers_export(
                s, device_ids, jurisdiction.id, jurisdiction.default_language
            ),
            "feedback": exports.feedback_export(s, device_ids, ids, jurisdiction.id),
        }
        counts, moment = _per_record(reports, devices), utcnow()
        for record_id in ids:
            audit.record(
                s,
                staff,
                AuditAction.PERSONAL_DATA_EXPORT,
                TARGET,
                record_id,
                jurisdiction_id=jurisdiction.id,
                after={"reports": counts[record_id]},
            ).at = moment  # one request: its entries share their moment (the request log shows them as one)
    return out


def erase_person(staff: StaffUser, email: str | None, phone: str | None) -> Erasure:
    """Erase what this municipality holds about the person with this e-mail address or phone number; the record
    and app installs too (as DELETE /api/v1/me does) when no other municipality holds anything about them; audited."""
    with unit_of_work() as s:
        jurisdiction = s.get_one(Jurisdiction, staff.jurisdiction_id)
        here = jurisdiction.id
        ids = [r.id for r in _found(s, jurisdiction, email, phone, lock=True)]
        devices = s.scalars(select(Device).where(Device.resident_id.in_(ids)).with_for_update()).all()
        counts = _per_record(s.scalars(_reports_here(here, ids, [d.id for d in devices])).all(), devices)
        installs = {r: [d.id for d in devices if d.resident_id == r] for r in ids}
        shared = [r for r in ids if held_elsewhere(s, here, installs[r], r)]
        alone = [r for r in ids if r not in shared]
        nothing = Erased(reports=0, devices=0, records=0, supports=0)
        whole = forget(s, [d for r in alone for d in installs[r]], alone) if alone else nothing
        part = forget_here(s, here, [d for r in shared for d in installs[r]], shared) if shared else nothing
        moment = utcnow()
        for record_id in ids:
            audit.record(
                s,
                staff,
                AuditAction.PERSONAL_DATA_ERASE,
                TARGET,
                record_id,
                jurisdiction_id=here,
                after={"reports": counts[record_id], "elsewhere": record_id in shared},
            ).at = moment
    return _erasure(whole, part, len(shared))


def held_with_another(staff: StaffUser, email: str | None, phone: str | None) -> bool:
    """Whether the person with this e-mail address or phone number (NotFound if this municipality holds nothing about
    them) also has data with another municipality, so that an erasure here leaves their contact data to it."""
    with unit_of_work() as s:
        here = staff.jurisdiction_id
        jurisdiction = s.get_one(Jurisdiction, here)
        ids = [r.id for r in _found(s, jurisdiction, email, phone)]
        devices = s.scalars(select(Device).where(Device.resident_id.in_(ids))).all()
        shared = any(held_elsewhere(s, here, [d.id for d in devices if d.resident_id == r], r) for r in ids)
        s.rollback()
    return shared


def _erasure(whole: Erased, part: Erased, kept: int) -> Erasure:
    notice = None
    if kept:
        notice = gettext(
            "The person also has data with another municipality: only what your municipality holds was erased. "
            "That municipality handles the rest on the person's request."
        )
    return {
        "records": whole.records + part.records,
        "devices": whole.devices + part.devices,
        "supports": whole.supports + part.supports,
        "reports": whole.reports + part.reports,
        "kept": kept,
        "notice": notice,
    }


def _found(
    s: Session, jurisdiction: Jurisdiction, email: str | None, phone: str | None, lock: bool = False
) -> list[Resident]:
    """The resident records this municipality holds (one of its reports links them) with this e-mail address or
    phone number (NotFound if none)."""
    wanted = lookup.wanted(jurisdiction, email, phone)
    here = exists().where(Report.jurisdiction_id == jurisdiction.id, Report.reporter_id == Resident.id)
    stmt = select(Resident).where(lookup.candidates(wanted), here).order_by(Resident.id)
    records = [r for r in s.scalars(stmt.with_for_update() if lock else stmt) if lookup.matches(wanted, r)]
    if not records:
        raise NotFound(gettext("Nobody with this e-mail address or phone number has data in your municipality."))
    return records


def _reports_here(jurisdiction_id: int, residents: Sequence[int], devices: Sequence[int]) -> Select[Report]:
    return select(Report).where(
        Report.jurisdiction_id == jurisdiction_id,
        or_(Report.reporter_id.in_(list(residents)), Report.device_id.in_(list(devices))),
    )


def _per_record(reports: Sequence[Report], devices: Sequence[Device]) -> Counter[int]:
    """How many of the reports belong to each resident record (through the record or one of its app installs)."""
    owner = {d.id: d.resident_id for d in devices}
    counts: Counter[int] = Counter()
    for r in reports:
        record = r.reporter_id if r.reporter_id is not None else owner.get(r.device_id or 0)
        if record is not None:
            counts[record] += 1
    return counts


def _record(r: Resident) -> RecordExport:
    return {
        "id": r.id,
        "name": r.name,
        "email": r.email,
        "phone": r.phone,
        "locale": r.locale,
        "created_at": r.created_at,
    }


class RequestLogEntry(TypedDict):
    """One export or erasure request in words: when, who, what, how many contact records and reports it covered."""

    at: datetime
    who: str
    what: str
    records: int
    reports: int


def request_log(staff: StaffUser, lang: str, limit: int = 20) -> list[RequestLogEntry]:
    """The municipality's latest exports and erasures of personal data, newest first, one per request: the audit
    log keeps one entry per contact record, and the entries of one request share their actor, action and moment."""
    s = session()
    rows = s.execute(
        select(AuditEntry, StaffUser.email)
        .outerjoin(StaffUser, StaffUser.id == AuditEntry.staff_id)
        .where(AuditEntry.jurisdiction_id == staff.jurisdiction_id, AuditEntry.action.in_(ACTIONS))
        .order_by(AuditEntry.id.desc())
        .execution_options(yield_per=200)
    )
    out: list[RequestLogEntry] = []
    last: tuple[int | None, int | None, str, datetime] | None = None
    for e, who in rows:
        key = (e.staff_id, e.api_key_id, e.action, e.at)
        if key == last:
            out[-1]["records"] += 1
            out[-1]["reports"] += int((e.after or {}).get("reports") or 0)
            continue
        if len(out) == limit:
            break
        out.append(
            {
                "at": e.at,
                "who": who or "—",
                "what": label(e.action, lang, AuditAction),
                "records": 1,
                "reports": int((e.after or {}).get("reports") or 0),
            }
        )
        last = key
    rows.close()
    s.rollback()
    return out
