"""A staff member is told by e-mail whenever a credential of theirs changes: the password changed or reset, the
second factor turned on, off or reset by an administrator, a recovery code used, new recovery codes made.

Every such change is audited (`backend.audit.record` with one of `push.staff_mail.CREDENTIAL_CHANGES` on the
staff member), so the notice follows the audit entry: when one is added to a session, an outbox event joins it
in the same transaction (none if the change rolls back), and the worker mails the notice in the person's
language. Only with MAIL_SERVER set; without it nothing is written or sent.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from backend.i18n import LANGUAGES
from backend.models import AuditEntry, StaffUser, utcnow
from backend.outbox import add_event, handles
from push import staff_mail

CREDENTIAL_CHANGED = "staff.credential_changed"
log = logging.getLogger(__name__)


def _mail_configured() -> bool:
    return not has_app_context() or bool(current_app.config["HROMADA_SETTINGS"].MAIL_SERVER)


@event.listens_for(Session, "before_flush")
def _notice_credential_changes(s: Session, _ctx: object, _instances: object) -> None:
    changes = [
        entry
        for entry in s.new
        if isinstance(entry, AuditEntry)
        and entry.action in staff_mail.CREDENTIAL_CHANGES
        and entry.target_type == "staff"
        and entry.target_id is not None
    ]
    if not changes or not _mail_configured():
        return
    at = utcnow().strftime("%Y-%m-%d %H:%M")
    for entry in changes:
        add_event(s, CREDENTIAL_CHANGED, {"staff_id": entry.target_id, "change": entry.action, "at": at})


@handles(CREDENTIAL_CHANGED)
def send_credential_notice(s: Session, payload: dict[str, Any]) -> None:
    """In the worker: the notice to the staff member's address, in their language."""
    user = s.get(StaffUser, int(payload.get("staff_id") or 0))
    if user is None:
        return
    if not current_app.config["HROMADA_SETTINGS"].MAIL_SERVER:
        log.warning("credential change notice for staff %s not sent: no MAIL_SERVER", user.id)
        return
    lang = user.locale if user.locale in LANGUAGES else user.jurisdiction.default_language
    message = staff_mail.credential_changed(
        address=user.email,
        lang=lang,
        name=user.full_name,
        change=str(payload.get("change", "")),
        when=str(payload.get("at", "")),
    )
    if message is not None:
        staff_mail.send(message)
