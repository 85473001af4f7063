"""Triage: what staff see of a report, the queue and its map, and the actions of the state machine (status,
assignment, priority, replies, notes, re-categorising, moving, merging, moderation), each under an ETag and in the
audit log."""

from backend.reporting.states import REJECT_REASONS, TRANSITIONS
from backend.triage.access import visible_report
from backend.triage.actions import REPLY_TEMPLATES
from backend.triage.audit_view import AuditRecord, report_audit
from backend.triage.audit_words import event_kind
from backend.triage.commands import (
    ACTIONS,
    BULK_ACTIONS,
    Assign,
    BulkItem,
    BulkOutcome,
    ChangeStatus,
    Command,
    Merge,
    ModerateText,
    Move,
    Note,
    Recategorise,
    Reply,
    ReplyFromTemplate,
    SetPriority,
    bulk,
    perform,
)
from backend.triage.detail import audit_trail, moderate_photo, photo_file_for_staff
from backend.triage.detail import detail as report_detail
from backend.triage.etag import PreconditionFailed, PreconditionRequired, etag
from backend.triage.queue import SORTS, map_points, overdue_by_department
from backend.triage.queue import queue as queue_page
from backend.triage.views import (
    AuditEntry,
    MapPoint,
    ModeratedPhoto,
    QueueFilters,
    QueueItem,
    QueuePage,
    StaffReport,
    TimelineEntry,
)

__all__ = [
    "ACTIONS",
    "BULK_ACTIONS",
    "REJECT_REASONS",
    "REPLY_TEMPLATES",
    "SORTS",
    "TRANSITIONS",
    "TimelineEntry",
    "Assign",
    "AuditEntry",
    "BulkItem",
    "BulkOutcome",
    "ChangeStatus",
    "Command",
    "MapPoint",
    "Merge",
    "ModerateText",
    "ModeratedPhoto",
    "Move",
    "Note",
    "PreconditionFailed",
    "PreconditionRequired",
    "QueueFilters",
    "QueueItem",
    "QueuePage",
    "Recategorise",
    "Reply",
    "ReplyFromTemplate",
    "SetPriority",
    "StaffReport",
    "audit_trail",
    "event_kind",
    "AuditRecord",
    "report_audit",
    "bulk",
    "etag",
    "map_points",
    "moderate_photo",
    "overdue_by_department",
    "perform",
    "photo_file_for_staff",
    "queue_page",
    "report_detail",
    "visible_report",
]
