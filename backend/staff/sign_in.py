"""Staff sign-in for the admin API: expiring, revocable bearer tokens; lockout with back-off."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from backend import audit
from backend.db import session, unit_of_work
from backend.errors import DomainError
from backend.i18n import gettext
from backend.models import ApiKey, Jurisdiction, StaffToken, StaffUser, utcnow
from backend.security import digest, hash_password, new_token, verify_password

#: Failures allowed before the account locks; each further failure doubles the lock (1 min .. 1 h).
FREE_FAILURES = 5
MAX_LOCK = timedelta(hours=1)
_DUMMY_HASH = hash_password("not a real password, only for constant-time checks")


class InvalidCredentials(DomainError):
    status = 401


class LockedOut(DomainError):
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many failed sign-ins; try again later.")
        self.retry_after = retry_after


def lock_for(failures: int) -> timedelta:
    """How long an account locks after this many consecutive failures."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(minutes=2 ** (failures - FREE_FAILURES)), MAX_LOCK)


def login(email: str, password: str) -> tuple[StaffUser, str, StaffToken]:
    """Exchange e-mail and password for a bearer token (shown once)."""
    now = utcnow()
    with unit_of_work() as s:
        user = s.scalars(
            select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower()).with_for_update()
        ).first()
        if user is None or not user.active:
            verify_password(_DUMMY_HASH, password)  # the same work whether or not the account exists
            raise InvalidCredentials(gettext("Invalid e-mail or password."))
        if user.locked_until is not None and user.locked_until > now:
            raise LockedOut(int((user.locked_until - now).total_seconds()) + 1)
        if not verify_password(user.password_hash, password):
            user.failed_logins += 1
            lock = lock_for(user.failed_logins)
            if lock:
                user.locked_until = now + lock
            audit.record(
                s,
                user,
                "login_failed",
                "staff",
                user.id,
                jurisdiction_id=user.jurisdiction_id,
                after={"failed_logins": user.failed_logins},
            )
            s.commit()
            raise InvalidCredentials(gettext("Invalid e-mail or password."))
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        secret = new_token("hs_")
        hours = current_app.config["HROMADA_SETTINGS"].STAFF_TOKEN_HOURS
        token = StaffToken(
            staff_id=user.id, token_hash=digest(secret), created_at=now, expires_at=now + timedelta(hours=hours)
        )
        s.add(token)
        audit.record(s, user, "login", "staff", user.id, jurisdiction_id=user.jurisdiction_id)
    return user, secret, token


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


def acting_for_key(key: ApiKey, role: str) -> StaffUser:
    """A transient (never stored) staff identity for a machine client: its jurisdiction and a role."""
    s = session()
    key.last_used_at = utcnow()
    s.commit()
    jurisdiction = s.get_one(Jurisdiction, key.jurisdiction_id)
    return StaffUser(
        id=None,
        email=f"api-key:{key.prefix}",
        full_name=key.name,
        role=role,
        jurisdiction_id=key.jurisdiction_id,
        department_id=None,
        locale=jurisdiction.default_language,
        active=True,
    )
