"""A staff member's password: changing one's own, and resetting a forgotten one by an e-mailed link.

Changing needs the current password (a wrong one counts as a failed sign-in of that address and e-mail) and
ends every other session of that person; the one in use stays. A reset request gets the same answer whether or
not the e-mail belongs to anyone: it only writes an outbox event, and the handler (in the worker) looks the
address up and, for an active account, issues a signed link (`backend.links`, one hour, acts once) and mails it
in the staff member's language. Setting a password through the link ends every session of that person and
clears the account's failed sign-ins. Every new password goes through the one rule (`passwords.check`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import audit, links
from backend.db import session, unit_of_work
from backend.errors import DomainError
from backend.i18n import LANGUAGES, gettext
from backend.models import StaffUser
from backend.outbox import add_event, handles
from backend.security import digest, hash_password, typable
from backend.settings import Settings
from backend.staff import passwords, throttle
from backend.staff.sign_in import end_sessions
from push import staff_mail

RESET_REQUESTED = "staff.password_reset_requested"
log = logging.getLogger(__name__)


class WrongPassword(DomainError):
    """The current password given to change it is not right."""

    def __init__(self) -> None:
        super().__init__(gettext("The current password is not right."), field="current_password")


@dataclass(frozen=True)
class ResetPage:
    """What the reset page shows about a valid link: whose password it sets, and in which language."""

    email: str
    locale: str = "pl"


def _settings() -> Settings:
    settings: Settings = current_app.config["HROMADA_SETTINGS"]
    return settings


def _check_new(user: StaffUser, new_password: str) -> None:
    passwords.check(
        new_password,
        email=user.email,
        full_name=user.full_name,
        place_names=passwords.place_names(user.jurisdiction),
    )


def change_password(user_id: int, token_id: int, current_password: str, new_password: str, address: str) -> None:
    """Change one's own password; every other session of the person ends."""
    with unit_of_work() as s:
        user = s.get_one(StaffUser, user_id, with_for_update=True)
        throttle.refuse_if_waiting(address, user.email)
        if not throttle.current_password_matches(
            address, user.email, user.password_hash, current_password, "wrong current password"
        ):
            audit.record(
                s, user, "staff.password_change_failed", "staff", user.id, jurisdiction_id=user.jurisdiction_id
            )
            s.commit()
            raise WrongPassword()
        if new_password == current_password:
            raise passwords.WeakPassword(gettext("The new password must differ from the current one."))
        _check_new(user, new_password)
        with throttle.password_check():  # hashing costs what checking does
            user.password_hash = hash_password(new_password)
        ended = end_sessions(s, user.id, keep_token_id=token_id)
        audit.record(
            s,
            user,
            "staff.password_change",
            "staff",
            user.id,
            jurisdiction_id=user.jurisdiction_id,
            after={"sessions_ended": ended},
        )


def request_reset(email: str) -> None:
    """Ask for a reset link: the same work and answer for every e-mail (the worker looks it up). An e-mail with NUL
    or the like is nobody's: the same answer, nothing to look up."""
    if not typable(email):
        return
    with unit_of_work() as s:
        add_event(s, RESET_REQUESTED, {"email": email.strip().lower()[:254]})


def _fingerprint(user: StaffUser) -> str:
    """Changes with the password: a link made before a password change no longer works after it."""
    return digest(user.password_hash)[:16]


@handles(RESET_REQUESTED)
def send_reset_link(s: Session, payload: dict[str, Any]) -> None:
    """In the worker: for an active account, a one-hour link by e-mail; for any other address, nothing."""
    user = s.scalars(
        select(StaffUser).where(func.lower(StaffUser.email) == str(payload.get("email", "")), StaffUser.active)
    ).first()
    if user is None:
        return
    settings = _settings()
    if not settings.MAIL_SERVER:
        log.warning("password reset for staff %s not sent: no MAIL_SERVER", user.id)
        return
    minutes = settings.PASSWORD_RESET_MINUTES
    token = links.issue(
        s, links.PASSWORD_RESET, {"staff_id": user.id, "password": _fingerprint(user)}, timedelta(minutes=minutes)
    )
    lang = user.locale if user.locale in LANGUAGES else user.jurisdiction.default_language
    # The token goes in the query, which the access log leaves out (a log reader could use a path's token).
    link = f"{settings.public_base()}/admin/password-reset/new?token={token}"
    staff_mail.send(
        staff_mail.password_reset(address=user.email, lang=lang, name=user.full_name, link=link, minutes=minutes)
    )
    audit.record(s, None, "staff.password_reset_sent", "staff", user.id, jurisdiction_id=user.jurisdiction_id)


def _reset_subject(s: Session, link: links.Link) -> StaffUser:
    user = s.get(StaffUser, int(link.subject.get("staff_id", 0)))
    if user is None or not user.active or link.subject.get("password") != _fingerprint(user):
        raise links.LinkUsed(gettext("This link no longer works: the password was changed after it was sent."))
    return user


def reset_page(token: str) -> ResetPage:
    """What the link's page shows; LinkInvalid, LinkExpired or LinkUsed when it cannot act. Changes nothing."""
    s = session()
    try:
        user = _reset_subject(s, links.peek(s, links.PASSWORD_RESET, token))
        return ResetPage(email=user.email, locale=user.locale)
    finally:
        s.rollback()


def reset_password(token: str, new_password: str, address: str) -> None:
    """Set a new password through the link (once): every session ends, the failed sign-ins are cleared.
    A password the rule refuses leaves the link unused."""
    with unit_of_work() as s:
        user = _reset_subject(s, links.consume(s, links.PASSWORD_RESET, token))
        s.refresh(user, with_for_update=True)
        _check_new(user, new_password)
        with throttle.password_check():  # hashing costs what checking does
            user.password_hash = hash_password(new_password)
        user.failed_logins = 0
        user.locked_until = None
        ended = end_sessions(s, user.id)
        audit.record(
            s,
            user,
            "staff.password_reset",
            "staff",
            user.id,
            jurisdiction_id=user.jurisdiction_id,
            after={"sessions_ended": ended},
        )
        email = user.email
    throttle.forget_failures(address, email)
