"""What staff see of reports, within their jurisdiction (and department), and photo moderation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend import audit, storage
from backend.db import session, unit_of_work
from backend.errors import NotFound
from backend.i18n import gettext, pick
from backend.models import Jurisdiction, Photo, ReportEvent, StaffUser
from backend.report_words import entry_words
from backend.reporting.photos import apply_moderation
from backend.reporting.presenters import media_url, public_report
from backend.reporting.submission import nearby_reports
from backend.staff.policy import sees
from backend.triage.access import visible_report
from backend.triage.audit_view import shown_before
from backend.triage.audit_words import in_words
from backend.triage.etag import etag
from backend.triage.views import AuditEntry, Contact, ModeratedPhoto, StaffPhoto, StaffReport, TimelineEntry


def _staff_photo(p: Photo) -> StaffPhoto:
    return {
        "id": p.id,
        "state": p.state,
        "url": p.external_url or media_url("photos", p.name),
        "thumbnail_url": media_url("thumbs", p.name) if p.has_thumbnail else None,
        "width": p.width,
        "height": p.height,
        "created_at": p.created_at,
    }


def detail(staff: StaffUser, report_id: int) -> StaffReport:
    """Everything about a report that this staff member may see."""

    s = session()
    report = visible_report(s, staff, report_id)
    lang = staff.locale
    fallback = report.jurisdiction.default_language
    view = public_report(report, lang)
    events = s.scalars(
        select(ReportEvent)
        .where(ReportEvent.report_id == report.id)
        .options(selectinload(ReportEvent.actor_staff))
        .order_by(ReportEvent.created_at, ReportEvent.id)
    ).all()
    contact: Contact | None = None
    if sees(staff, "reports.contact") and report.reporter is not None and not report.anonymous:
        contact = {"name": report.reporter.name, "email": report.reporter.email, "phone": report.reporter.phone}
    out: StaffReport = {
        "id": view["id"],
        "public_id": view["public_id"],
        "service_code": view["service_code"],
        "service_name": view["service_name"],
        "description": view["description"],
        "status": view["status"],
        "lat": view["lat"],
        "lon": view["lon"],
        "address": view["address"],
        "jurisdiction": view["jurisdiction"],
        "area": view["area"],
        "requested_at": view["requested_at"],
        "updated_at": view["updated_at"],
        "sla_due_at": view["sla_due_at"],
        "support_count": view["support_count"],
        "merged_into": view["merged_into"],
        "priority": report.priority,
        "hidden": report.hidden,
        "channel": report.channel,
        "answers": report.answers,
        "anonymous": report.anonymous,
        "contact": contact,
        "department": None
        if report.department is None
        else {"code": report.department.code, "name": pick(report.department.name, lang, fallback)},
        "photos": [_staff_photo(p) for p in report.photos],
        "timeline": [_timeline_entry(e, lang, fallback) for e in events],
        "nearby": nearby_reports(s, report, view["lon"], view["lat"], lang),
        "etag": etag(report),
        "assignee_id": report.assignee_id,
    }
    s.rollback()
    return out


def _timeline_entry(e: ReportEvent, lang: str, fallback: str) -> TimelineEntry:
    """An entry as staff see it: a public one with the words residents read (in the staff member's language)."""
    return {
        "id": e.id,
        "kind": e.kind,
        "public": e.public,
        "at": e.created_at,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "body": entry_words(e.kind, e.to_status, e.body, e.data, lang, fallback) if e.public else e.body,
        "by": e.actor_staff.full_name or e.actor_staff.email if e.actor_staff else None,
    }


def moderate_photo(staff: StaffUser, photo_id: int, approve: bool) -> ModeratedPhoto:
    """Approve (public) or hide a photo of a report this staff member can see; audited."""
    if not 0 < photo_id < 2**63:
        raise NotFound(gettext("Not found."))
    with unit_of_work() as s:
        photo = s.get(Photo, photo_id, with_for_update=True)
        if photo is None:
            raise NotFound(gettext("Not found."))
        report = visible_report(s, staff, photo.report_id)
        before = {"state": photo.state}
        apply_moderation(s, photo, approve, staff.id)
        audit.record(
            s,
            staff,
            "photo.moderate",
            "photo",
            photo.id,
            jurisdiction_id=report.jurisdiction_id,
            before=before,
            after={"state": photo.state, "report_id": report.id},
        )
    return ModeratedPhoto(**_staff_photo(photo), report_id=photo.report_id)


def photo_file_for_staff(staff: StaffUser, kind: str, name: str) -> str:
    """The file of any photo (pending and hidden included) of a report this staff member can see."""

    s = session()
    photo = s.scalars(select(Photo).where(Photo.name == name)).first()
    if photo is None or (kind == "thumbs" and not photo.has_thumbnail):
        raise NotFound(gettext("Not found."))
    visible_report(s, staff, photo.report_id)
    s.rollback()
    return str(storage.path_of(kind, name))


def audit_trail(staff: StaffUser, report_id: int, lang: str) -> list[AuditEntry]:
    """The report's audit entries, newest first, in words in `lang` (for the roles allowed to see them)."""

    s = session()
    visible_report(s, staff, report_id)
    entries = audit.entries(jurisdiction_id=staff.jurisdiction_id, target_type="report", target_id=report_id)
    people = dict(
        s.execute(
            select(StaffUser.id, StaffUser.email).where(StaffUser.id.in_({e.staff_id for e in entries if e.staff_id}))
        ).all()
    )
    private = sees(staff, "reports.audit_private")
    j = s.get_one(Jurisdiction, staff.jurisdiction_id)
    words = in_words(s, [(shown_before(e, private), e.after) for e in entries], lang, j.default_language, j.timezone)
    s.rollback()
    return [
        AuditEntry(
            at=e.at,
            action=e.action,
            actor=(people.get(e.staff_id) if e.staff_id else None)
            or (f"API key #{e.api_key_id}" if e.api_key_id else "—"),
            before=before,
            after=after,
        )
        for e, (before, after) in zip(entries, words, strict=True)
    ]
