"""The triage action map, in one place: each staff action is a typed command, and `perform` runs it under
the report's version check. The admin API and the staff web UI build the same commands from their own wire
formats (JSON with If-Match, a form with the version it showed) and call `perform`; a bulk action is the same
command applied report by report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.errors import DomainError
from backend.models import StaffUser
from backend.triage import actions


@dataclass(frozen=True, slots=True)
class ChangeStatus:
    status: str
    reason: str | None = None
    body: str | None = None


@dataclass(frozen=True, slots=True)
class Assign:
    department: str | None = None
    assignee_id: int | None = None


@dataclass(frozen=True, slots=True)
class SetPriority:
    priority: str


@dataclass(frozen=True, slots=True)
class Reply:
    body: str


@dataclass(frozen=True, slots=True)
class ReplyFromTemplate:
    status: str
    index: int = 0


@dataclass(frozen=True, slots=True)
class Note:
    body: str


@dataclass(frozen=True, slots=True)
class Recategorise:
    service_code: str


@dataclass(frozen=True, slots=True)
class Move:
    lat: float | None = None
    lon: float | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Merge:
    master_id: int


@dataclass(frozen=True, slots=True)
class ModerateText:
    hidden: bool | None = None
    description: str | None = None


Command = (
    ChangeStatus | Assign | SetPriority | Reply | ReplyFromTemplate | Note | Recategorise | Move | Merge | ModerateText
)

Runner = Callable[[StaffUser, int, str | None, Any], str]

#: action name (its access-policy entry is "reports.<name>") -> the command and the use case that runs it.
ACTIONS: dict[str, tuple[type, Runner]] = {
    "status": (ChangeStatus, lambda st, i, v, c: actions.change_status(st, i, v, c.status, c.reason, c.body)),
    "assign": (
        Assign,
        lambda st, i, v, c: actions.assign(st, i, v, department=c.department, assignee_id=c.assignee_id),
    ),
    "priority": (SetPriority, lambda st, i, v, c: actions.set_priority(st, i, v, c.priority)),
    "reply": (Reply, lambda st, i, v, c: actions.reply(st, i, v, c.body)),
    "template_reply": (ReplyFromTemplate, lambda st, i, v, c: actions.reply_from_template(st, i, v, c.status, c.index)),
    "note": (Note, lambda st, i, v, c: actions.note(st, i, v, c.body)),
    "recategorise": (Recategorise, lambda st, i, v, c: actions.recategorise(st, i, v, c.service_code)),
    "move": (Move, lambda st, i, v, c: actions.move(st, i, v, lat=c.lat, lon=c.lon, address=c.address)),
    "merge": (Merge, lambda st, i, v, c: actions.merge(st, i, v, c.master_id)),
    "moderate": (
        ModerateText,
        lambda st, i, v, c: actions.moderate_text(st, i, v, hidden=c.hidden, description=c.description),
    ),
}
_RUNNERS: dict[type, Runner] = dict(ACTIONS.values())

#: The actions staff may apply to many reports at once.
BULK_ACTIONS = ("status", "assign")


def perform(staff: StaffUser, report_id: int, version: str | None, command: Command) -> str:
    """Run one command on a report made from `version` (its ETag); returns the report's new version."""
    return _RUNNERS[type(command)](staff, report_id, version, command)


@dataclass(frozen=True, slots=True)
class BulkItem:
    id: int
    etag: str


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    id: int
    status: int
    etag: str | None = None
    message: str | None = None


def bulk(staff: StaffUser, items: list[BulkItem], command: ChangeStatus | Assign) -> list[BulkOutcome]:
    """Apply one command to many reports, each checked, audited and committed as if done one by one."""
    results = []
    for item in items:
        try:
            results.append(BulkOutcome(item.id, 200, etag=perform(staff, item.id, item.etag, command)))
        except DomainError as exc:
            results.append(BulkOutcome(item.id, exc.status, message=exc.message))
    return results
