"""One's own second factor (turn it on, new recovery codes, turn it off) and an admin's reset of a colleague's;
each a use case of its own transaction, audited. The factor itself (codes, secrets, signing in):
`second_factor`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import audit
from backend.db import session, unit_of_work
from backend.errors import Conflict, DomainError, NotFound
from backend.i18n import gettext
from backend.models import StaffUser
from backend.ratelimit import client_ip
from backend.staff import second_factor, throttle
from backend.staff.second_factor import Enrolment
from backend.staff.sign_in import end_sessions
from backend.vocabulary import AuditAction


@dataclass(frozen=True, slots=True)
class FactorState:
    on: bool
    required: bool
    recovery_codes_left: int


def state(staff: StaffUser) -> FactorState:
    """Whether the signed-in person's factor is on, whether it must be, and how many recovery codes are left."""
    user = session().get_one(StaffUser, staff.id)
    return FactorState(
        on=user.totp_confirmed_at is not None,
        required=user.role == "admin",
        recovery_codes_left=len(user.totp_recovery_hashes or []) if user.totp_confirmed_at else 0,
    )


def _mine(s: Session, staff: StaffUser) -> StaffUser:
    return s.get_one(StaffUser, staff.id, with_for_update=True)


def start(staff: StaffUser) -> Enrolment:
    """Begin turning the factor on: a new pending secret (refused while one is confirmed)."""
    with unit_of_work() as s:
        user = _mine(s, staff)
        if user.totp_confirmed_at is not None:
            raise Conflict(gettext("The second factor is already on."))
        secret = pyotp.random_base32(32)
        user.totp_secret = second_factor.seal(secret)
        return second_factor.enrolment_for(user, secret)


def pending(staff: StaffUser) -> Enrolment | None:
    """The enrolment under way (a pending secret), if any."""
    return second_factor.enrolment_of(session().get_one(StaffUser, staff.id))


def confirm(staff: StaffUser, code: str) -> list[str]:
    """Turn the factor on with a first code of the pending secret; the new recovery codes (shown once). A wrong
    code counts for the account (`_refused`)."""
    with unit_of_work() as s:
        user = _mine(s, staff)
        secret = second_factor.unseal(user.totp_secret)
        if user.totp_confirmed_at is not None:
            raise Conflict(gettext("The second factor is already on."))
        if secret is None:
            raise Conflict(gettext("Start setting up the second factor first."))
        throttle.refuse_if_codes_waiting(user.id)
        if not second_factor.accept_totp(user, secret, "".join((code or "").split())):
            _refused(s, user, "code")
        throttle.forget_wrong_codes(user.id)
        return second_factor.turn_on(s, user, actor=user)


def _refused(s: Session, user: StaffUser, wrong: str) -> NoReturn:
    """A wrong password or code on these settings: counted for the account like a wrong code at sign-in (a
    stolen session cannot guess without limit), audited and committed; then refused."""
    wait = throttle.record_wrong_code(user.id)
    audit.record(
        s,
        user,
        AuditAction.REAUTHENTICATION_FAILED,
        "staff",
        user.id,
        jurisdiction_id=user.jurisdiction_id,
        after={"wrong": wrong, **({"account_waits_seconds": wait} if wait else {})},
    )
    s.commit()
    if wrong == "password":
        raise DomainError(gettext("The current password is not right."), field="password")
    raise DomainError(gettext("Wrong or already used code."), field="totp")


def _reauthenticate(s: Session, user: StaffUser, password: str, code: str, address: str | None) -> None:
    """The current password and a current code, before a change that weakens the factor (ASVS 3.7.1). A wrong
    password also counts as a failed sign-in of this address and e-mail."""
    secret = second_factor.unseal(user.totp_secret)
    if user.totp_confirmed_at is None or secret is None:
        raise Conflict(gettext("The second factor is off."))
    address = address or client_ip()
    throttle.refuse_if_waiting(address, user.email)
    throttle.refuse_if_codes_waiting(user.id)
    if not throttle.current_password_matches(
        address, user.email, user.password_hash, password or "", "wrong password in the second factor's settings"
    ):
        _refused(s, user, "password")
    if not second_factor.accept_totp(user, secret, "".join((code or "").split())):
        _refused(s, user, "code")
    throttle.forget_wrong_codes(user.id)


def regenerate(staff: StaffUser, code: str, password: str, *, address: str | None = None) -> list[str]:
    """New recovery codes (the old ones stop working), after the current password and a current code."""
    with unit_of_work() as s:
        user = _mine(s, staff)
        _reauthenticate(s, user, password, code, address)
        codes = second_factor.new_recovery_codes(user)
        audit.record(s, user, AuditAction.RECOVERY_CODES_RENEW, "staff", user.id, jurisdiction_id=user.jurisdiction_id)
        return codes


def turn_off(staff: StaffUser, code: str, password: str, *, address: str | None = None) -> None:
    """Turn the factor off, after the current password and a current code (not for admins: they must have
    one)."""
    with unit_of_work() as s:
        user = _mine(s, staff)
        if user.role == "admin":
            raise Conflict(gettext("Admins must keep the second factor on."))
        _reauthenticate(s, user, password, code, address)
        _clear(user)
        audit.record(
            s,
            user,
            AuditAction.SECOND_FACTOR_OFF,
            "staff",
            user.id,
            jurisdiction_id=user.jurisdiction_id,
            after={"on": False},
        )


def _clear(user: StaffUser) -> None:
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_recovery_hashes = []


def reset(admin: StaffUser, staff_id: int) -> None:
    """An admin removes another staff member's factor (a lost phone): every session of theirs ends (the lost phone
    may hold one); an admin enrols again at the next sign-in, anyone else signs in with the password alone until
    turning it on again. Same municipality only; audited."""
    if staff_id == admin.id:
        raise Conflict(gettext("You cannot reset your own second factor."), field="staff")
    with unit_of_work() as s:
        user = s.get(StaffUser, staff_id, with_for_update=True) if 0 < staff_id < 2**31 else None
        if user is None or user.jurisdiction_id != admin.jurisdiction_id:
            raise NotFound(gettext("Not found."))
        before = {"on": user.totp_confirmed_at is not None}
        _clear(user)
        ended = end_sessions(s, user.id)
        audit.record(
            s,
            admin,
            AuditAction.SECOND_FACTOR_RESET,
            "staff",
            user.id,
            jurisdiction_id=admin.jurisdiction_id,
            before=before,
            after={"on": False, "sessions_ended": ended},
        )


def reset_by_email(email: str) -> None:
    """The operator's reset (`hromada reset-second-factor`), for when no admin can sign in to reset another's
    (e.g. after SECRET_KEY changed, which voids the stored secrets); audited without a staff actor."""
    with unit_of_work() as s:
        user = s.scalars(
            select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower()).with_for_update()
        ).first()
        if user is None:
            raise NotFound(gettext("Not found."), field="email")
        before = {"on": user.totp_confirmed_at is not None}
        _clear(user)
        ended = end_sessions(s, user.id)
        audit.record(
            s,
            None,
            AuditAction.SECOND_FACTOR_RESET,
            "staff",
            user.id,
            jurisdiction_id=user.jurisdiction_id,
            before=before,
            after={"on": False, "by": "command line", "sessions_ended": ended},
        )
