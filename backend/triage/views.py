"""The shapes of what triage reads: the queue's filters and page, the map points, a report's staff view, photo
moderation and the audit trail. The HTTP schemas in admin/api decide the wire names; these decide the types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, NotRequired, TypedDict


class TextQuery(NamedTuple):
    """A search normalised once by the database as the reports' search columns are (lower + unaccent):
    its words as a tsquery, and one LIKE pattern per word for partial words (served by the trigram index).
    A report matches when it has all the words, or contains each of them as a part of a word."""

    tsquery: str
    patterns: tuple[str, ...]


class QueueFilters(TypedDict, total=False):
    """The queue's filters (from the API's query schema or the web form); all optional."""

    status: list[str] | None
    service: list[str] | None
    department: list[str] | None
    area: list[str] | None
    priority: list[str] | None
    #: How the reports reached the city (`backend.vocabulary.Channel`: app, web, open311…).
    channel: list[str] | None
    overdue: bool | None
    hidden: bool | None
    assignee_id: int | None
    since: datetime | None
    until: datetime | None
    q: str | TextQuery | None


class CodeName(TypedDict):
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class QueuePhoto:
    id: int
    url: str
    thumbnail_url: str | None


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One queue row as the staff see it."""

    id: int
    public_id: str
    service_code: str
    service_name: str
    description: str
    status: str
    lat: float
    lon: float
    address: str | None
    jurisdiction: CodeName
    area: CodeName | None
    requested_at: datetime
    updated_at: datetime
    sla_due_at: datetime | None
    support_count: int
    merged_into: int | None
    photos: list[QueuePhoto]
    priority: str
    hidden: bool
    assignee_id: int | None
    etag: str
    overdue: bool
    department: CodeName | None


class QueuePage(TypedDict):
    """One page of the queue (the web adds `error` to an empty page when the filters were refused)."""

    items: list[QueueItem]
    next_cursor: str | None
    counts: dict[str, int]
    counts_exact: bool
    error: NotRequired[str]


class MapPoint(TypedDict):
    """A report on the queue's map (sent as JSON by the web UI)."""

    id: int
    public_id: str
    status: str
    lon: float
    lat: float
    overdue: bool


class Contact(TypedDict):
    name: str | None
    email: str | None
    phone: str | None


class StaffPhoto(TypedDict):
    id: int
    state: str
    url: str
    thumbnail_url: str | None
    width: int | None
    height: int | None
    created_at: datetime


class TimelineEntry(TypedDict):
    id: int
    kind: str
    public: bool
    at: datetime
    from_status: str | None
    to_status: str | None
    body: str | None
    by: str | None


class StaffReport(TypedDict):
    """Everything about a report that a staff member may see (the web's form snapshot subscripts it)."""

    id: int
    public_id: str
    service_code: str
    service_name: str
    description: str
    status: str
    lat: float
    lon: float
    address: str | None
    jurisdiction: dict[str, str] | None
    area: dict[str, str] | None
    requested_at: datetime
    updated_at: datetime
    sla_due_at: datetime | None
    support_count: int
    merged_into: int | None
    priority: str
    hidden: bool
    channel: str
    answers: dict[str, Any]
    anonymous: bool
    contact: Contact | None
    department: CodeName | None
    photos: list[StaffPhoto]
    timeline: list[TimelineEntry]
    nearby: list[dict[str, Any]]
    etag: str
    assignee_id: int | None


@dataclass(frozen=True, slots=True)
class ModeratedPhoto:
    """A photo after moderation, and its report."""

    id: int
    state: str
    url: str
    thumbnail_url: str | None
    width: int | None
    height: int | None
    created_at: datetime
    report_id: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of a report's audit trail."""

    at: datetime
    action: str
    actor: str
    before: list[tuple[str, str]]  # (field, value) in words, one per changed field
    after: list[tuple[str, str]]
