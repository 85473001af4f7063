"""Triage: the state machine and every staff action on a report, each one transaction, audited.

Writes name the version of the report they were made from (its ETag, which the HTTP side reads from If-Match
or the form): the row is locked, the version compared, and a stale one is refused (412), so of two writes made
from the same version exactly one wins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend import audit
from backend.db import session, unit_of_work
from backend.errors import Conflict, DomainError, NotFound
from backend.i18n import gettext, pick
from backend.models import PRIORITIES, Department, Photo, Report, ReportEvent, ReportSupport, Service, StaffUser, utcnow
from backend.outbox import add_event
from backend.reporting import counts
from backend.reporting.lifecycle import record_status, reopen
from backend.reporting.relocation import place_in, relocate
from backend.reporting.sla import due_for
from backend.reporting.states import check_merge, check_move, is_reopening
from backend.triage.access import visible_report
from backend.triage.etag import PreconditionFailed, PreconditionRequired, etag


def _locked(s: Session, staff: StaffUser, report_id: int, version: str | None) -> Report:
    if not version:
        raise PreconditionRequired(gettext("Send If-Match with the report's ETag."))
    visible_report(s, staff, report_id)
    report = s.get_one(Report, report_id, with_for_update=True, populate_existing=True)
    if version != etag(report):
        raise PreconditionFailed(gettext("Someone else changed this report; reload it and try again."))
    return report


def _act(
    staff: StaffUser,
    report_id: int,
    version: str | None,
    action: str,
    change: Callable[[Session, Report], dict[str, Any]],
) -> str:
    """Run one action under the ETag check and record it in the audit log; returns the new ETag."""
    with unit_of_work() as s:
        report = _locked(s, staff, report_id, version)
        before_after = change(s, report)
        report.updated_at = utcnow()
        audit.record(
            s,
            staff,
            action,
            "report",
            report.id,
            jurisdiction_id=report.jurisdiction_id,
            before=before_after.get("before"),
            after=before_after.get("after"),
        )
        s.flush()
        new = etag(report)
    return new


def change_status(
    staff: StaffUser,
    report_id: int,
    version: str | None,
    to_status: str,
    reason: str | None = None,
    body: str | None = None,
) -> str:
    """Move a report through the state machine (409 for a transition it does not allow)."""

    def change(s: Session, report: Report) -> dict[str, Any]:
        current = report.status
        check_move(current, to_status, reason)
        if is_reopening(current, to_status):
            reopen(s, report, staff_id=staff.id, body=body)
        else:
            record_status(s, report, to_status, staff_id=staff.id, body=body, reason=reason)
        after = {"status": to_status, "reason": reason} if reason else {"status": to_status}  # only a rejection's
        return {"before": {"status": current}, "after": after}

    return _act(staff, report_id, version, "report.status", change)


def assign(
    staff: StaffUser,
    report_id: int,
    version: str | None,
    *,
    department: str | None = None,
    assignee_id: int | None = None,
) -> str:
    """Route to a department and/or a person of the jurisdiction."""

    def change(s: Session, report: Report) -> dict[str, Any]:
        before = {"department_id": report.department_id, "assignee_id": report.assignee_id}
        if department is not None:
            dept = s.scalars(
                select(Department).where(
                    Department.jurisdiction_id == report.jurisdiction_id,
                    Department.code == department,
                    Department.active,
                )
            ).first()
            if dept is None:
                raise NotFound(gettext("Not found."), field="department")
            with counts.recount(s, report):
                report.department_id = dept.id
        if assignee_id is not None:
            person = s.get(StaffUser, assignee_id)
            if person is None or person.jurisdiction_id != report.jurisdiction_id or not person.active:
                raise NotFound(gettext("Not found."), field="assignee_id")
            report.assignee_id = person.id
        s.add(
            ReportEvent(
                report_id=report.id,
                kind="assignment",
                public=False,
                actor_staff_id=staff.id,
                data={"department_id": report.department_id, "assignee_id": report.assignee_id},
            )
        )
        return {"before": before, "after": {"department_id": report.department_id, "assignee_id": report.assignee_id}}

    return _act(staff, report_id, version, "report.assign", change)


def set_priority(staff: StaffUser, report_id: int, version: str | None, priority: str) -> str:
    def change(s: Session, report: Report) -> dict[str, Any]:
        if priority not in PRIORITIES:
            raise DomainError(gettext("Must be one of: {0}.").format(", ".join(PRIORITIES)), field="priority")
        before = report.priority
        with counts.recount(s, report):
            report.priority = priority
        s.add(
            ReportEvent(
                report_id=report.id,
                kind="priority",
                public=False,
                actor_staff_id=staff.id,
                data={"from": before, "to": priority},
            )
        )
        return {"before": {"priority": before}, "after": {"priority": priority}}

    return _act(staff, report_id, version, "report.priority", change)


def reply(staff: StaffUser, report_id: int, version: str | None, body: str) -> str:
    """A public reply, shown on the report's timeline and sent to the reporter and supporters."""

    def change(s: Session, report: Report) -> dict[str, Any]:
        s.add(ReportEvent(report_id=report.id, kind="reply", public=True, actor_staff_id=staff.id, body=body))
        add_event(s, "report.replied", {"report_id": report.id, "body": body})
        return {"after": {"reply": body}}

    return _act(staff, report_id, version, "report.reply", change)


def note(staff: StaffUser, report_id: int, version: str | None, body: str) -> str:
    """An internal note, never shown to residents."""

    def change(s: Session, report: Report) -> dict[str, Any]:
        s.add(ReportEvent(report_id=report.id, kind="note", public=False, actor_staff_id=staff.id, body=body))
        return {"after": {"note": body}}

    return _act(staff, report_id, version, "report.note", change)


def recategorise(staff: StaffUser, report_id: int, version: str | None, service_code: str) -> str:
    """Move to another service: re-routed to its department, SLA recomputed from the submission."""

    def change(s: Session, report: Report) -> dict[str, Any]:
        service = s.scalars(
            select(Service).where(
                Service.jurisdiction_id == report.jurisdiction_id, Service.code == service_code, Service.active
            )
        ).first()
        if service is None:
            raise NotFound(gettext("Not found."), field="service_code")
        before = {
            "service_id": report.service_id,
            "department_id": report.department_id,
            "sla_due_at": report.sla_due_at.isoformat() if report.sla_due_at else None,
        }
        with counts.recount(s, report):
            report.service_id, report.service, report.department_id = service.id, service, service.department_id
            report.sla_due_at = due_for(report, report.requested_at)
        if service.id != before["service_id"]:  # a new category is told; re-routing within one is not
            s.add(
                ReportEvent(
                    report_id=report.id,
                    kind="recategorised",
                    public=True,
                    actor_staff_id=staff.id,
                    data={"from": before["service_id"], "to": service.id, "service_name": service.name},
                )
            )
            add_event(s, "report.recategorised", {"report_id": report.id, "service_name": service.name})
        return {
            "before": before,
            "after": {
                "service_id": service.id,
                "department_id": service.department_id,
                "sla_due_at": report.sla_due_at.isoformat() if report.sla_due_at else None,
            },
        }

    return _act(staff, report_id, version, "report.recategorise", change)


def move(
    staff: StaffUser,
    report_id: int,
    version: str | None,
    *,
    lat: float | None = None,
    lon: float | None = None,
    address: str | None = None,
) -> str:
    """Correct where the report is (a point, an address, or both), inside its municipality; the reporter and
    supporters are told the corrected address."""

    def change(s: Session, report: Report) -> dict[str, Any]:
        before, after = relocate(s, report, place_in(s, report, lon, lat, address), staff_id=staff.id)
        return {"before": before, "after": after}

    return _act(staff, report_id, version, "report.move", change)


def merge(staff: StaffUser, report_id: int, version: str | None, master_id: int) -> str:
    """Merge an open duplicate into a master: supporters and photos move, the duplicate closes pointing at it with
    one public entry on its timeline ("merged into …") and one notification."""

    def change(s: Session, report: Report) -> dict[str, Any]:
        if master_id == report.id:
            raise DomainError(gettext("A report cannot be merged into itself."), field="master_id")
        check_merge(report.status)
        master = _master(s, staff, master_id)
        supporters = set(s.scalars(select(ReportSupport.device_id).where(ReportSupport.report_id == report.id)))
        existing = set(s.scalars(select(ReportSupport.device_id).where(ReportSupport.report_id == master.id)))
        moving = supporters - existing - ({master.device_id} if master.device_id else set())
        if report.device_id and report.device_id not in existing and report.device_id != master.device_id:
            moving.add(report.device_id)  # the duplicate's reporter now supports the master
        for device_id in moving:
            s.add(ReportSupport(report_id=master.id, device_id=device_id))
        master.support_count += len(moving)
        s.execute(update(Photo).where(Photo.report_id == report.id).values(report_id=master.id))
        before = report.status
        report.merged_into_id = master.id
        master.updated_at = utcnow()
        record_status(s, report, "duplicate", staff_id=staff.id, merged_into=master)
        add_event(s, "report.merged", {"report_id": report.id, "master_id": master.id})
        return {
            "before": {"status": before},
            "after": {"status": "duplicate", "merged_into": master.id, "moved_supporters": len(moving)},
        }

    return _act(staff, report_id, version, "report.merge", change)


def _master(s: Session, staff: StaffUser, master_id: int) -> Report:
    """The report a duplicate may go into, locked: one of the staff member's municipality that the public sees and
    that was not merged itself (404 or 409 naming `master_id`)."""
    try:
        found = visible_report(s, staff, master_id)
    except NotFound as exc:
        raise NotFound(exc.message, field="master_id") from exc
    master = s.get_one(Report, found.id, with_for_update=True, populate_existing=True)
    if master.status == "duplicate":
        raise Conflict(gettext("Merged reports cannot be merged again."), field="master_id")
    if master.hidden:
        raise Conflict(gettext("A hidden report cannot take in duplicates; show it first."), field="master_id")
    return master


def moderate_text(
    staff: StaffUser,
    report_id: int,
    version: str | None,
    *,
    hidden: bool | None = None,
    description: str | None = None,
) -> str:
    """Hide or show a report, or redact its description (the original stays in the audit log)."""

    def change(s: Session, report: Report) -> dict[str, Any]:
        before = {"hidden": report.hidden, "description": report.description}
        if hidden is not None and hidden != report.hidden:
            with counts.recount(s, report):
                report.hidden = hidden
        if description is not None:
            report.description = description
        s.add(
            ReportEvent(
                report_id=report.id,
                kind="moderation",
                public=False,
                actor_staff_id=staff.id,
                data={"hidden": report.hidden, "redacted": description is not None},
            )
        )
        return {"before": before, "after": {"hidden": report.hidden, "description": report.description}}

    return _act(staff, report_id, version, "report.moderate", change)


#: Public reply templates per status (English msgids, rendered in the reporter's language).
REPLY_TEMPLATES: dict[str, list[str]] = {
    "acknowledged": ["Thank you, we have received your report {public_id} and passed it to {department}."],
    "in_progress": ["Work on your report {public_id} has started."],
    "resolved": ["The problem you reported ({public_id}) has been fixed. Thank you for your help."],
    "rejected": ["We cannot act on report {public_id}: it is outside the city's responsibility."],
}


def render_template(report: Report, status: str, index: int) -> str:
    """A reply template in the reporter's language, with the report's details filled in."""
    try:
        msgid = REPLY_TEMPLATES[status][index]
    except (KeyError, IndexError) as exc:
        raise NotFound(gettext("Not found."), field="template") from exc

    lang = report.locale or report.jurisdiction.default_language
    dept = pick(report.department.name, lang, report.jurisdiction.default_language) if report.department else ""
    return gettext(msgid, lang, public_id=report.public_id, department=dept or "-")


def reply_from_template(staff: StaffUser, report_id: int, version: str | None, status: str, index: int) -> str:
    """A public reply rendered from a template, in the reporter's language."""

    body = render_template(visible_report(session(), staff, report_id), status, index)
    return reply(staff, report_id, version, body)
