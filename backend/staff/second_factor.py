"""The second factor of staff sign-in: time-based one-time codes (TOTP, RFC 6238) and one-time recovery codes.

Required for admins, optional for everyone else. The secret is stored encrypted (Fernet, with a key derived from
SECRET_KEY: a copy of the database alone gives no codes); a code is accepted for its own 30-second step or one
step either side, and never twice (the last accepted step is kept). Recovery codes are random 80-bit codes of
which only the SHA-256 digests are stored; each works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from backend import audit
from backend.db import session
from backend.errors import DomainError
from backend.i18n import gettext
from backend.models import StaffUser, utcnow
from backend.security import digest
from backend.vocabulary import AuditAction

ISSUER = "Hromada"
STEP = 30
#: Codes of the neighbouring steps are accepted too (a phone's clock a little off, a code typed at the turn).
WINDOW = 1
RECOVERY_CODES = 10
#: How long the web UI's second step may follow a correct password.
TICKET_SECONDS = 300


class FactorRequired(DomainError):
    """The password was right; the code of the second factor is missing."""

    status = 401

    def __init__(self, ticket: str) -> None:
        super().__init__(gettext("Enter the code from your authenticator app."), code="totp_required")
        self.ticket = ticket


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What a person needs to add the account to an authenticator app."""

    secret: str
    otpauth_uri: str
    qr_svg: str  # a data: URI of an SVG image


class EnrolmentRequired(DomainError):
    """The password was right; this account must set up its second factor first (admins)."""

    status = 401

    def __init__(self, ticket: str, enrolment: Enrolment) -> None:
        super().__init__(
            gettext("Set up the second factor: add this account to an authenticator app and enter its code."),
            code="totp_enrolment_required",
        )
        self.ticket = ticket
        self.enrolment = enrolment


class WrongCode(DomainError):
    """A wrong, expired or already used code: a failed sign-in."""

    status = 401

    def __init__(self) -> None:
        super().__init__(gettext("Wrong or already used code."), field="totp")


# -- the secret at rest -------------------------------------------------------------------------------------


def _fernet() -> Fernet:
    key = hashlib.sha256(b"hromada staff second factor\0" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str | None) -> str | None:
    if sealed is None:
        return None
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None  # SECRET_KEY changed: the factor is unusable until an admin resets it


def normalise_secret(secret: str) -> str:
    """A base32 TOTP secret as given (spaces and case ignored); refused unless it has at least 128 bits."""
    clean = secret.replace(" ", "").upper()
    try:
        raw = base64.b32decode(clean + "=" * (-len(clean) % 8))
    except ValueError:
        raise DomainError(gettext("Not a base32 TOTP secret."), field="totp_secret") from None
    if len(raw) < 16:
        raise DomainError(gettext("Not a base32 TOTP secret."), field="totp_secret")
    return clean


# -- codes -------------------------------------------------------------------------------------------------


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP)


def accept_totp(user: StaffUser, secret: str, code: str) -> bool:
    """Whether `code` is the secret's code for a step near now that is later than the last accepted one."""
    if len(code) != 6 or not (code.isascii() and code.isdigit()):  # "１２３４５６" is no code
        return False
    totp = pyotp.TOTP(secret, interval=STEP)
    now = current_step()
    for step in range(now - WINDOW, now + WINDOW + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            return True
    return False


#: The recovery codes' letters: capitals and digits without look-alikes (no 0/O, 1/I/L).
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_recovery_codes(user: StaffUser) -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16))  # 16 of 31 characters: 79 bits
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    user.totp_recovery_hashes = [digest(_plain(c)) for c in codes]
    return codes


def _plain(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _use_recovery_code(user: StaffUser, code: str) -> bool:
    if len(_plain(code)) != 16 or not _plain(code).isascii():
        return False
    hashed = digest(_plain(code))
    if hashed not in (user.totp_recovery_hashes or []):
        return False
    user.totp_recovery_hashes = [h for h in user.totp_recovery_hashes if h != hashed]
    return True


def enrolment_for(user: StaffUser, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return Enrolment(secret=secret, otpauth_uri=uri, qr_svg=segno.make(uri, error="m").svg_data_uri(scale=5))


# -- signing in ----------------------------------------------------------------------------------------------


def required(user: StaffUser) -> bool:
    """Whether signing in needs a code: admins always, others once they turned the factor on."""
    return user.role == "admin" or user.totp_confirmed_at is not None


def check(s: Session, user: StaffUser, code: str | None, issued_codes: list[str] | None = None) -> None:
    """After the password verified: pass, or raise FactorRequired / EnrolmentRequired (committing a new pending
    secret) / WrongCode. A first correct code of an admin's pending secret confirms it: its recovery codes are
    appended to `issued_codes`, to be shown once."""
    if not required(user):
        return
    s.refresh(user, with_for_update=True)  # one sign-in at a time: a code is accepted once, even in a race
    code = "".join((code or "").split())
    secret = unseal(user.totp_secret)
    if user.totp_confirmed_at is None:
        if secret is None:
            secret = pyotp.random_base32(32)
            user.totp_secret = seal(secret)
            s.commit()
        if not code:
            raise EnrolmentRequired(ticket_for(user), enrolment_for(user, secret))
        if not accept_totp(user, secret, code):
            raise WrongCode()
        codes = turn_on(s, user, actor=user)
        if issued_codes is not None:
            issued_codes.extend(codes)
        return
    if not code:
        raise FactorRequired(ticket_for(user))
    if secret is not None and accept_totp(user, secret, code):
        return
    if _use_recovery_code(user, code):
        audit.record(
            s,
            user,
            AuditAction.SECOND_FACTOR_RECOVERY_CODE,
            "staff",
            user.id,
            jurisdiction_id=user.jurisdiction_id,
            after={"recovery_codes_left": len(user.totp_recovery_hashes)},
        )
        return
    raise WrongCode()


def turn_on(s: Session, user: StaffUser, *, actor: StaffUser) -> list[str]:
    user.totp_confirmed_at = utcnow()
    codes = new_recovery_codes(user)
    audit.record(
        s,
        actor,
        AuditAction.SECOND_FACTOR_ON,
        "staff",
        user.id,
        jurisdiction_id=user.jurisdiction_id,
        after={"on": True},
    )
    return codes


def _ticket_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="hromada staff second factor ticket")


def _ticket_binding(user: StaffUser) -> str:
    """Changes with the password and with every successful sign-in: a ticket works for one sign-in at most."""
    last = user.last_login_at.isoformat() if user.last_login_at is not None else ""
    return digest(f"{user.password_hash}\n{last}")[:16]


def ticket_for(user: StaffUser) -> str:
    """Proof, for a few minutes, that this person gave the right password (the web UI's second step). Bound to
    the password hash and the last sign-in: a changed password voids it, and so does any sign-in completed
    since (a copy of the pending session cannot sign in a second time)."""
    return str(_ticket_serializer().dumps({"staff": user.id, "pw": _ticket_binding(user)}))


def staff_for_ticket(s: Session, ticket: str) -> StaffUser | None:
    """The active staff member (row locked) a valid, unexpired ticket was given to, or None."""
    try:
        data = _ticket_serializer().loads(ticket, max_age=TICKET_SECONDS)
    except BadSignature:
        return None
    staff_id = data.get("staff") if isinstance(data, dict) else None
    if not isinstance(staff_id, int):
        return None
    user = s.get(StaffUser, staff_id, with_for_update=True)
    if user is None or not user.active or not hmac.compare_digest(_ticket_binding(user), str(data.get("pw"))):
        return None
    return user


def enrolment_of(user: StaffUser) -> Enrolment | None:
    """The pending (unconfirmed) secret's enrolment details, to show again on the web UI's second step."""
    secret = unseal(user.totp_secret)
    return None if secret is None or user.totp_confirmed_at is not None else enrolment_for(user, secret)


def ticket_state(ticket: str) -> tuple[bool, Enrolment | None]:
    """For the web UI's second step: whether the ticket is still good, and the enrolment under way (an admin's
    first sign-in), if any."""
    s = session()
    user = staff_for_ticket(s, ticket)
    out = (user is not None, enrolment_of(user) if user is not None else None)
    s.rollback()
    return out


# -- at creation (fixtures, the demo admin) ------------------------------------------------------------------


def enrol_known(s: Session, user: StaffUser, secret: str) -> None:
    """Enrol and confirm a known secret at account creation (test fixtures, the demo admin)."""
    user.totp_secret = seal(normalise_secret(secret))
    user.totp_confirmed_at = utcnow()
    new_recovery_codes(user)
