"""Staff accounts and API keys."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.db import unit_of_work
from backend.errors import DomainError, NotFound
from backend.i18n import LANGUAGES, gettext
from backend.models import ROLES, SCOPES, ApiKey, Department, Jurisdiction, StaffUser
from backend.security import digest, hash_password, new_token
from backend.staff import passwords, second_factor
from backend.staff.policy import ADD_ON_SCOPES, scope_label


def create_staff(
    *,
    email: str,
    password: str,
    role: str,
    jurisdiction_code: str,
    department_code: str | None = None,
    full_name: str | None = None,
    if_missing: bool = False,
    totp_secret: str | None = None,
) -> tuple[StaffUser, bool]:
    """Create a staff account; returns (user, created). `totp_secret` (base32) enrols and confirms a known second
    factor at once (test fixtures, the demo admin)."""
    email = email.strip().lower()
    if "@" not in email:
        raise DomainError(gettext("This is not an e-mail address."), field="email")
    if role not in ROLES:
        raise DomainError(gettext("Unknown role; one of {roles}.", roles=", ".join(ROLES)), field="role")
    with unit_of_work() as s:
        existing = s.scalars(select(StaffUser).where(func.lower(StaffUser.email) == email)).first()
        if existing is not None:
            if if_missing:
                if totp_secret and existing.totp_confirmed_at is None:
                    second_factor.enrol_known(s, existing, totp_secret)
                return existing, False
            raise DomainError(gettext("A staff account with this e-mail address exists."), field="email")
        jurisdiction = s.scalars(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)).first()
        if jurisdiction is None:
            raise NotFound(gettext("No municipality {code}.", code=jurisdiction_code), field="jurisdiction")
        department = None
        if department_code:
            department = s.scalars(
                select(Department).where(
                    Department.jurisdiction_id == jurisdiction.id, Department.code == department_code
                )
            ).first()
            if department is None:
                raise NotFound(
                    gettext("No department {code} in this municipality.", code=department_code), field="department"
                )
        if role == "department_staff" and department is None:
            raise DomainError(gettext("A department's staff member needs a department."), field="department")
        passwords.check(password, email=email, full_name=full_name, place_names=passwords.place_names(jurisdiction))
        user = StaffUser(
            email=email,
            password_hash=hash_password(password),
            role=role,
            jurisdiction_id=jurisdiction.id,
            department=department,
            full_name=full_name,
            locale=jurisdiction.default_language,
        )
        if totp_secret:
            second_factor.enrol_known(s, user, totp_secret)
        s.add(user)
    return user, True


def _quoted(words: str) -> str:
    """Words quoted as the language quotes them."""
    return gettext("“{words}”", words=words)


def create_api_key(*, name: str, jurisdiction_code: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """Create an API key; returns the row and the key, which is shown only this once."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise DomainError(f"unknown or no scopes {unknown}; one of {', '.join(SCOPES)}", field="scope")
    for scope, needs in ADD_ON_SCOPES.items():
        if scope in scopes and not set(needs) & set(scopes):
            raise DomainError(
                gettext(
                    "The scope {scope} needs one of these as well: {needs}.",
                    scope=_quoted(scope_label(scope)),
                    needs=", ".join(_quoted(scope_label(n)) for n in needs),
                ),
                field="scope",
            )
    with unit_of_work() as s:
        jurisdiction = s.scalars(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)).first()
        if jurisdiction is None:
            raise NotFound(f"no jurisdiction {jurisdiction_code}", field="jurisdiction")
        secret = new_token("hk_")
        key = ApiKey(
            name=name,
            prefix=secret[:11],
            key_hash=digest(secret),
            jurisdiction_id=jurisdiction.id,
            scopes=sorted(set(scopes)),
        )
        s.add(key)
    return key, secret


def set_locale(staff_id: int, lang: str) -> None:
    """The language a staff member works in (web UI, templates)."""

    if lang not in LANGUAGES:
        raise DomainError(gettext("Unsupported language; one of pl, uk, en."), field="lang")
    with unit_of_work() as s:
        s.get_one(StaffUser, staff_id, with_for_update=True).locale = lang
