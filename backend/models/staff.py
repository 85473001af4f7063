"""Staff accounts and machine API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, TimestampMixin, sql_list
from backend.models.jurisdictions import Department, Jurisdiction
from backend.vocabulary import Role

#: The roles' codes, from `backend.vocabulary.Role` (what each may do: `admin/policy.py`).
ROLES = tuple(r.value for r in Role)
SCOPES = (
    "open311:write",
    "open311:read",
    "reports:read",
    "reports:write",
    "reports:contact",
    "indicators:read",
    "surveys:read",
)


class StaffUser(TimestampMixin, Base):
    """A member of staff of one jurisdiction (argon2 password hash)."""

    __tablename__ = "staff_users"
    __allow_unmapped__ = True  # `key_scopes` below is not a column

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    locale: Mapped[str] = mapped_column(String(8), default="pl")
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    #: The second factor (TOTP): the secret, encrypted (`backend/staff/second_factor.py`); unconfirmed while
    #: `totp_confirmed_at` is NULL (enrolment under way).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_confirmed_at: Mapped[datetime | None]
    #: The last 30-second time step a code was accepted for: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    #: SHA-256 digests of the unused one-time recovery codes.
    totp_recovery_hashes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list, server_default="{}")

    jurisdiction: Mapped[Jurisdiction] = relationship()
    department: Mapped[Department | None] = relationship()

    #: Only on the transient identity of a machine client acting through the staff API (never stored): its key's
    #: scopes, which decide what it sees (`backend/staff/policy.py` `sees`). None for a person.
    key_scopes: frozenset[str] | None = None

    __table_args__ = (
        Index("uq_staff_users_email_lower", func.lower(email), unique=True),
        CheckConstraint(f"role IN ({sql_list(ROLES)})", name="role_known"),
        CheckConstraint("role <> 'department_staff' OR department_id IS NOT NULL", name="department_staff_has_dept"),
        CheckConstraint("totp_confirmed_at IS NULL OR totp_secret IS NOT NULL", name="totp_confirmed_has_secret"),
    )


class ApiKey(TimestampMixin, Base):
    """A machine client's key: only its SHA-256 is stored; `prefix` identifies it in logs."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    scopes: Mapped[list[str]] = mapped_column(default=list)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    jurisdiction: Mapped[Jurisdiction] = relationship()
