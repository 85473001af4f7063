"""A report's audit entries in words for the staff page: one line per changed field, the field and its value in
the reader's language (statuses, priorities and reasons by their labels, departments, services, people and
reports by their names, yes/no for flags), never a code or a JSON document."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.i18n import gettext, pick
from backend.models import Area, Department, Report, Service, StaffUser
from backend.vocabulary import label

#: The fields an audit entry of a report records, as the words shown for them (msgids of the catalogues).
FIELDS = {
    "status": "Status",
    "reason": "Reason",
    "priority": "Priority",
    "department_id": "Department",
    "assignee_id": "Assignee",
    "service_id": "Service",
    "sla_due_at": "Due",
    "merged_into": "Merged into",
    "moved_supporters": "Supporters moved",
    "hidden": "Hidden from the public",
    "description": "Description",
    "note": "Internal note",
    "reply": "Public reply",
    "lat": "Latitude",
    "lon": "Longitude",
    "address": "Address",
    "area_id": "Area",
}

#: What a timeline entry's kind is called (msgids of the catalogues).
EVENT_KINDS = {
    "created": "Reported",
    "status": "Status change",
    "reply": "Public reply",
    "note": "Internal note",
    "assignment": "Assignment",
    "priority": "Priority change",
    "recategorised": "Category change",
    "moved": "Location change",
    "merged": "Merge",
    "moderation": "Moderation",
    "supported": "Support",
    "photo": "Photo",
}

_VOCABULARY = {"status": "report_status", "reason": "reject_reason", "priority": "priority"}
_MODELS: dict[str, Any] = {
    "department_id": Department,
    "service_id": Service,
    "assignee_id": StaffUser,
    "merged_into": Report,
    "area_id": Area,
}

Change = tuple[str, str]


def event_kind(kind: str, lang: str) -> str:
    """A timeline entry's kind in words (an unknown kind as it is)."""
    return gettext(EVENT_KINDS[kind], lang) if kind in EVENT_KINDS else kind


def _named(s: Session, entries: list[tuple[dict | None, dict | None]], lang: str, fallback: str) -> dict:
    """(field, id) -> the name of what an id in the entries points at."""
    wanted: dict[str, set[int]] = {field: set() for field in _MODELS}
    for before, after in entries:
        for side in (before or {}, after or {}):
            for field in _MODELS:
                if isinstance(side.get(field), int):
                    wanted[field].add(side[field])
    out: dict[tuple[str, int], str] = {}
    for field, ids in wanted.items():
        if not ids:
            continue
        model = _MODELS[field]
        for row in s.scalars(select(model).where(model.id.in_(ids))):
            if isinstance(row, StaffUser):
                out[(field, row.id)] = row.email
            elif isinstance(row, Report):
                out[(field, row.id)] = row.public_id
            else:
                out[(field, row.id)] = pick(row.name, lang, fallback)
    return out


def _value(field: str, value: Any, lang: str, names: dict, timezone: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("Yes" if value else "No", lang)
    if field in _VOCABULARY:
        return gettext("Open", lang) if value == "open" else label(str(value), lang, _VOCABULARY[field])
    if field in _MODELS:
        return names.get((field, value), f"#{value}")
    if field == "sla_due_at":
        try:
            return datetime.fromisoformat(value).astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def _lines(mine: dict | None, other: dict | None, lang: str, names: dict, timezone: str) -> list[Change]:
    """One line per field of `mine` that differs from `other` (all of them when none differs)."""
    if not mine:
        return []
    other = other or {}
    changed = {k: v for k, v in mine.items() if k not in other or other[k] != v}
    shown = {k: v for k, v in (changed or mine).items() if v is not None or k in other}
    return [
        (gettext(FIELDS[k], lang) if k in FIELDS else k, _value(k, v, lang, names, timezone)) for k, v in shown.items()
    ]


def in_words(
    s: Session, entries: list[tuple[dict | None, dict | None]], lang: str, fallback: str, timezone: str
) -> list[tuple[list[Change], list[Change]]]:
    """Each (before, after) pair as lines of (field, value) in words."""
    names = _named(s, entries, lang, fallback)
    return [
        (_lines(before, after, lang, names, timezone), _lines(after, before, lang, names, timezone))
        for before, after in entries
    ]
