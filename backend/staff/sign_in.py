"""Staff sign-in for the admin API: expiring, revocable bearer tokens; failures throttled per client address and
e-mail together, the same for staff and unknown e-mails (backend/staff/throttle.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend import audit
from backend.db import session, unit_of_work
from backend.errors import DomainError
from backend.i18n import gettext
from backend.models import ApiKey, Jurisdiction, StaffToken, StaffUser, utcnow
from backend.ratelimit import client_ip
from backend.security import digest, hash_password, new_token, typable, verify_password
from backend.staff import second_factor, throttle
from backend.staff.policy import KEY_ROLE
from backend.staff.throttle import record_failed_sign_in

_DUMMY_HASH = hash_password("not a real password, only for constant-time checks")


class InvalidCredentials(DomainError):
    status = 401


def login(
    email: str,
    password: str,
    totp: str | None = None,
    issued_codes: list[str] | None = None,
    *,
    address: str | None = None,
) -> tuple[StaffUser, str, StaffToken]:
    """Exchange e-mail, password and (where the second factor is on, and for every admin) a TOTP or recovery code
    for a bearer token (shown once). A right password without the code raises `second_factor.FactorRequired` or
    `EnrolmentRequired`; a sign-in that confirms a new factor appends its recovery codes to `issued_codes`.

    Known and unknown e-mails are answered alike: the same password work (in one of the process's few
    password-check slots, else `Busy` at once), the same error, and the same wait (`LockedOut`, no password
    checked) once the client `address` (default: the request's) has failed too often for this e-mail."""
    address = address or client_ip()
    possible = typable(email)  # an e-mail with NUL or the like is nobody's: answered like any unknown one
    email = email.encode("utf-8", "backslashreplace").decode()  # a lone surrogate as text the counters can key
    throttle.refuse_if_waiting(address, email)
    now = utcnow()
    with unit_of_work() as s:
        lookup = select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
        found = s.scalars(lookup).first() if possible else None
        user = found if found is not None and found.active else None
        with throttle.password_check():  # the same work whether or not the account exists
            right = verify_password(user.password_hash if user is not None else _DUMMY_HASH, password)
        if user is None or not right:
            record_failure(s, user, now, address, email)
            raise InvalidCredentials(gettext("Invalid e-mail or password."))
        if (totp or "").strip() and second_factor.required(user):
            throttle.refuse_if_codes_waiting(user.id)  # too many wrong codes for this account, from anywhere
        try:
            second_factor.check(s, user, totp, issued_codes)
        except second_factor.WrongCode:
            record_failure(s, user, now, address, email, wrong_code=True)
            raise
        throttle.forget_failures(address, email)
        throttle.forget_wrong_codes(user.id)
        secret, token = _issue_token(s, user, now)
    return user, secret, token


def login_second_step(
    ticket: str, code: str, issued_codes: list[str] | None = None, *, address: str | None = None
) -> tuple[StaffUser, str, StaffToken]:
    """The web UI's second step: the ticket `FactorRequired`/`EnrolmentRequired` carried (proof of the password,
    for a few minutes) and a code, for a bearer token. A wrong code counts as a failed sign-in."""
    address = address or client_ip()
    now = utcnow()
    with unit_of_work() as s:
        user = second_factor.staff_for_ticket(s, ticket)
        if user is None:
            raise InvalidCredentials(gettext("This sign-in expired; enter your e-mail and password again."))
        throttle.refuse_if_waiting(address, user.email)
        throttle.refuse_if_codes_waiting(user.id)
        try:
            second_factor.check(s, user, code or "", issued_codes)
        except second_factor.WrongCode:
            record_failure(s, user, now, address, user.email, wrong_code=True)
            raise
        throttle.forget_failures(address, user.email)
        throttle.forget_wrong_codes(user.id)
        secret, token = _issue_token(s, user, now)  # the ticket dies: it is bound to the last sign-in
    return user, secret, token


def record_failure(
    s: Session, user: StaffUser | None, now: datetime, address: str, email: str, *, wrong_code: bool = False
) -> None:
    """A failed sign-in (wrong password or wrong second-factor code): counted for the client address and e-mail
    (known or not, see `throttle`); for a known account also audited and counted on it for the staff screens
    (that count changes no behaviour), committed at once. A wrong code (after a right password) also counts
    for the account itself, from whatever address (`throttle.record_wrong_code`). Each is logged (a WARNING
    with the address and a digest of the e-mail)."""
    what = "wrong second-factor code" if wrong_code else "wrong password" if user else "sign-in for no active account"
    record_failed_sign_in(address, email, what)
    if user is None:
        return
    user.failed_logins += 1
    after: dict[str, object] = {"failed_logins": user.failed_logins}
    if wrong_code:
        after["wrong_code"] = True
        wait = throttle.record_wrong_code(user.id)
        if wait:
            after["account_waits_seconds"] = wait
    audit.record(
        s,
        user,
        "login_failed",
        "staff",
        user.id,
        jurisdiction_id=user.jurisdiction_id,
        after=after,
    )
    s.commit()


def _issue_token(s: Session, user: StaffUser, now: datetime) -> tuple[str, StaffToken]:
    """A successful sign-in: a new bearer token (its secret, shown once), audited."""
    user.failed_logins = 0
    user.last_login_at = now
    secret = new_token("hs_")
    hours = current_app.config["HROMADA_SETTINGS"].STAFF_TOKEN_HOURS
    token = StaffToken(
        staff_id=user.id, token_hash=digest(secret), created_at=now, expires_at=now + timedelta(hours=hours)
    )
    s.add(token)
    audit.record(s, user, "login", "staff", user.id, jurisdiction_id=user.jurisdiction_id)
    return secret, token


def authenticate(secret: str) -> tuple[StaffUser, StaffToken] | None:
    """The active staff member holding this unexpired, unrevoked token."""
    s = session()
    row = s.execute(
        select(StaffUser, StaffToken)
        .join(StaffToken, StaffToken.staff_id == StaffUser.id)
        .where(
            StaffToken.token_hash == digest(secret),
            StaffToken.revoked_at.is_(None),
            StaffToken.expires_at > utcnow(),
            StaffUser.active,
        )
    ).first()
    return None if row is None else (row[0], row[1])


def end_sessions(s: Session, staff_id: int, keep_token_id: int | None = None) -> int:
    """Revoke the person's live tokens (but `keep_token_id`) in s's transaction; how many."""
    query = update(StaffToken).where(
        StaffToken.staff_id == staff_id, StaffToken.revoked_at.is_(None), StaffToken.expires_at > utcnow()
    )
    if keep_token_id is not None:
        query = query.where(StaffToken.id != keep_token_id)
    return int(getattr(s.execute(query.values(revoked_at=utcnow())), "rowcount", 0) or 0)


def logout(user: StaffUser, token_id: int) -> None:
    """Revoke the token in use."""
    with unit_of_work() as s:
        token = s.get_one(StaffToken, token_id, with_for_update=True)
        token.revoked_at = utcnow()
        audit.record(s, user, "logout", "staff", user.id, jurisdiction_id=user.jurisdiction_id)


def authenticate_key(key: str) -> ApiKey | None:
    """An unrevoked API key (machine client)."""
    s = session()
    found = s.scalars(select(ApiKey).where(ApiKey.key_hash == digest(key), ApiKey.revoked_at.is_(None))).first()
    return found


def acting_for_key(key: ApiKey) -> StaffUser:
    """A transient (never stored) staff identity for a machine client: its jurisdiction, a viewer's role, and its
    scopes (which add what the key may do and see: `backend/staff/policy.py`)."""
    s = session()
    key.last_used_at = utcnow()
    s.commit()
    jurisdiction = s.get_one(Jurisdiction, key.jurisdiction_id)
    acting = StaffUser(
        id=None,
        email=f"api-key:{key.prefix}",
        full_name=key.name,
        role=KEY_ROLE,
        jurisdiction_id=key.jurisdiction_id,
        department_id=None,
        locale=jurisdiction.default_language,
        active=True,
    )
    acting.key_scopes = frozenset(key.scopes)
    return acting
