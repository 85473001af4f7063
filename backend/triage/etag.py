"""ETags against lost updates: a report's version as staff see it, and the errors of a missing or stale If-Match."""

from __future__ import annotations

import hashlib
from datetime import datetime

from backend.errors import DomainError
from backend.models import Report


class PreconditionFailed(DomainError):
    status = 412


class PreconditionRequired(DomainError):
    status = 428


def etag(report: Report) -> str:
    """The version of a report as staff see it (changes with every staff or resident change)."""
    return etag_of(report.id, report.updated_at, report.support_count, report.hidden)


def etag_of(report_id: int, updated_at: datetime, support_count: int, hidden: bool) -> str:
    raw = f"{report_id}:{updated_at.isoformat()}:{support_count}:{hidden}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]
