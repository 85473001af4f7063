"""What the Open311 use cases answer: typed values, texts already in the asked language, times as aware datetimes.

The HTTP side turns them into Open311's fields (its names, W3C dates in the jurisdiction's timezone, JSON or
XML).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.cities.geography import Named


@dataclass(frozen=True)
class JurisdictionRef:
    """A jurisdiction served here, as the other use cases take it."""

    id: int
    code: str
    timezone: str
    default_language: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class ServiceSummary:
    """An active service of the list."""

    code: str
    name: str
    description: str
    has_questions: bool
    keywords: tuple[str, ...]
    group: str | None


@dataclass(frozen=True)
class AttributeValue:
    key: str
    name: str


@dataclass(frozen=True)
class Attribute:
    """An extra question of a service; `position` counts from 0."""

    code: str
    datatype: str
    required: bool
    hint: str
    position: int
    description: str
    values: tuple[AttributeValue, ...]


@dataclass(frozen=True)
class ServiceDefinition:
    service_code: str
    attributes: tuple[Attribute, ...]


@dataclass(frozen=True)
class RequestToken:
    """A filed request's id and the token its submission was answered with."""

    service_request_id: str
    token: str


@dataclass(frozen=True)
class StatusNote:
    """A public event of a request: when, the status it led to (if any), and its public words (a reply, a status
    change's reason and comment, a new category, a corrected location) in the answer's language."""

    at: datetime
    status: str | None
    notes: str | None


@dataclass(frozen=True)
class RequestExtras:
    """What the common extensions add to a request."""

    internal_status: str
    area: Named | None
    duplicate_of: str | None
    support_count: int
    history: tuple[StatusNote, ...]
    photos: tuple[str, ...]


@dataclass(frozen=True)
class ServiceRequest:
    """A report as an Open311 service request; `updated_at` is when it closed, for a closed one."""

    service_request_id: str
    closed: bool
    status_notes: str | None
    service_name: str
    service_code: str
    description: str
    agency: str | None
    requested_at: datetime
    updated_at: datetime
    expected_at: datetime | None
    address: str | None
    lat: float
    lon: float
    media_url: str | None
    extras: RequestExtras
