"""Triage: what staff see of a report, the queue and its map, and the actions of the state machine (status,
assignment, priority, replies, notes, merging, moderation), each under an ETag and in the audit log."""

from backend.triage.access import visible_report
from backend.triage.actions import (
    REJECT_REASONS,
    REPLY_TEMPLATES,
    TRANSITIONS,
    assign,
    bulk,
    change_status,
    merge,
    moderate_text,
    note,
    recategorise,
    reply,
    reply_from_template,
    set_priority,
)
from backend.triage.detail import audit_trail, moderate_photo, photo_file_for_staff
from backend.triage.detail import detail as report_detail
from backend.triage.etag import PreconditionFailed, PreconditionRequired, etag
from backend.triage.queue import SORTS, map_points, overdue_by_department
from backend.triage.queue import queue as queue_page

__all__ = [
    "REJECT_REASONS",
    "REPLY_TEMPLATES",
    "SORTS",
    "TRANSITIONS",
    "PreconditionFailed",
    "PreconditionRequired",
    "assign",
    "audit_trail",
    "bulk",
    "change_status",
    "etag",
    "map_points",
    "merge",
    "moderate_photo",
    "moderate_text",
    "note",
    "overdue_by_department",
    "photo_file_for_staff",
    "queue_page",
    "recategorise",
    "reply",
    "reply_from_template",
    "report_detail",
    "set_priority",
    "visible_report",
]
