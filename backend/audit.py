"""The audit log: every staff action recorded in the action's own transaction."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import session
from backend.models import AuditEntry, StaffUser


def record(
    s: Session,
    actor: StaffUser | None,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    jurisdiction_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    api_key_id: int | None = None,
) -> AuditEntry:
    """Append an entry (who, when, what, before, after) to the caller's transaction."""
    if api_key_id is None and has_request_context() and g.get("api_key") is not None:
        api_key_id = g.api_key.id  # a machine client acting through the admin API
    entry = AuditEntry(
        staff_id=actor.id if actor else None,
        api_key_id=api_key_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        jurisdiction_id=jurisdiction_id,
        before=before,
        after=after,
        ip=request.remote_addr if has_request_context() else None,
    )
    s.add(entry)
    return entry


def entries(
    *,
    jurisdiction_id: int | None,
    target_type: str | None = None,
    target_id: int | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Newest first; a jurisdiction's entries, or every entry when jurisdiction_id is None."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if jurisdiction_id is not None:
        stmt = stmt.where(AuditEntry.jurisdiction_id == jurisdiction_id)
    if target_type is not None:
        stmt = stmt.where(AuditEntry.target_type == target_type, AuditEntry.target_id == target_id)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    s = session()
    rows = list(s.scalars(stmt))
    s.rollback()
    return rows
