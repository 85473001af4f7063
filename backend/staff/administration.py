"""Administration of a municipality (admin role): staff accounts, departments, services, API keys; audited."""

from __future__ import annotations

from sqlalchemy import select, update

from backend import audit
from backend.db import session, unit_of_work
from backend.errors import Conflict, DomainError, NotFound
from backend.i18n import gettext, pick
from backend.models import ApiKey, Department, Jurisdiction, Service, StaffToken, StaffUser, utcnow
from backend.staff import accounts
from backend.staff.views import AdministrationOverview, DepartmentRow, KeyRow, ServiceRow, StaffRow


def overview(admin: StaffUser) -> AdministrationOverview:
    s = session()
    j = s.get_one(Jurisdiction, admin.jurisdiction_id)
    lang, fallback = admin.locale, j.default_language
    departments = {
        d.id: d
        for d in s.scalars(select(Department).where(Department.jurisdiction_id == j.id).order_by(Department.code))
    }
    out = AdministrationOverview(
        staff=[
            StaffRow(
                id=u.id,
                email=u.email,
                name=u.full_name,
                role=u.role,
                active=u.active,
                department=departments[u.department_id].code if u.department_id in departments else None,
                last_login_at=u.last_login_at,
                second_factor=u.totp_confirmed_at is not None,
            )
            for u in s.scalars(select(StaffUser).where(StaffUser.jurisdiction_id == j.id).order_by(StaffUser.email))
        ],
        departments=[
            DepartmentRow(id=d.id, code=d.code, name=pick(d.name, lang, fallback), active=d.active, email=d.email)
            for d in departments.values()
        ],
        services=[
            ServiceRow(
                id=sv.id,
                code=sv.code,
                name=pick(sv.name, lang, fallback),
                active=sv.active,
                sla_hours=sv.sla_hours,
                department=departments[sv.department_id].code if sv.department_id in departments else None,
            )
            for sv in s.scalars(select(Service).where(Service.jurisdiction_id == j.id).order_by(Service.code))
        ],
        keys=[
            KeyRow(
                id=k.id,
                name=k.name,
                prefix=k.prefix,
                scopes=k.scopes,
                last_used_at=k.last_used_at,
                revoked_at=k.revoked_at,
            )
            for k in s.scalars(select(ApiKey).where(ApiKey.jurisdiction_id == j.id).order_by(ApiKey.id))
        ],
    )
    s.rollback()
    return out


def add_staff(
    admin: StaffUser, *, email: str, password: str, role: str, department: str | None, full_name: str | None
) -> None:
    code = session().get_one(Jurisdiction, admin.jurisdiction_id).code
    user, _ = accounts.create_staff(
        email=email,
        password=password,
        role=role,
        jurisdiction_code=code,
        department_code=department or None,
        full_name=full_name or None,
    )
    with unit_of_work() as s:
        audit.record(
            s,
            admin,
            "staff.create",
            "staff",
            user.id,
            jurisdiction_id=admin.jurisdiction_id,
            after={"email": user.email, "role": role, "department": department},
        )


def set_staff_active(admin: StaffUser, staff_id: int, active: bool) -> None:
    """Deactivate (signing out everywhere) or reactivate an account of the municipality."""
    if staff_id == admin.id and not active:
        raise Conflict(gettext("You cannot deactivate your own account."), field="staff")
    with unit_of_work() as s:
        user = s.get(StaffUser, staff_id) if 0 < staff_id < 2**31 else None
        if user is None or user.jurisdiction_id != admin.jurisdiction_id:
            raise NotFound(gettext("Not found."))
        before = user.active
        user.active = active
        if not active:
            s.execute(
                update(StaffToken)
                .where(StaffToken.staff_id == user.id, StaffToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        audit.record(
            s,
            admin,
            "staff.activate" if active else "staff.deactivate",
            "staff",
            user.id,
            jurisdiction_id=admin.jurisdiction_id,
            before={"active": before},
            after={"active": active},
        )


def add_department(admin: StaffUser, *, code: str, names: dict[str, str], email: str | None) -> None:
    code = code.strip().lower()
    if not code or not code.replace("_", "").replace("-", "").isalnum():
        raise DomainError(gettext("A code of letters, digits, - and _."), field="code")
    names = {k: v.strip() for k, v in names.items() if v and v.strip()}
    if not names:
        raise DomainError(gettext("Give a name in at least one language."), field="name")
    with unit_of_work() as s:
        if (
            s.scalars(
                select(Department).where(Department.jurisdiction_id == admin.jurisdiction_id, Department.code == code)
            ).first()
            is not None
        ):
            raise Conflict(gettext("This code is taken."), field="code")
        d = Department(jurisdiction_id=admin.jurisdiction_id, code=code, name=names, email=email or None)
        s.add(d)
        s.flush()
        audit.record(
            s,
            admin,
            "department.create",
            "department",
            d.id,
            jurisdiction_id=admin.jurisdiction_id,
            after={"code": code, "name": names},
        )


def update_service(admin: StaffUser, code: str, *, active: bool | None = None, sla_hours: int | None = None) -> None:
    """Switch a service on or off in the catalogue, or change its SLA (new reports get the new due time)."""
    with unit_of_work() as s:
        sv = s.scalars(
            select(Service)
            .where(Service.jurisdiction_id == admin.jurisdiction_id, Service.code == code)
            .with_for_update()
        ).first()
        if sv is None:
            raise NotFound(gettext("Not found."))
        before = {"active": sv.active, "sla_hours": sv.sla_hours}
        if active is not None:
            sv.active = active
        if sla_hours is not None:
            if not 1 <= sla_hours <= 24 * 365:
                raise DomainError(gettext("Between 1 and 8760 hours."), field="sla_hours")
            sv.sla_hours = sla_hours
        audit.record(
            s,
            admin,
            "service.update",
            "service",
            sv.id,
            jurisdiction_id=admin.jurisdiction_id,
            before=before,
            after={"active": sv.active, "sla_hours": sv.sla_hours},
        )


def add_key(admin: StaffUser, *, name: str, scopes: list[str]) -> str:
    """A new API key for a machine client of the municipality; the key is shown only this once."""
    if not name.strip():
        raise DomainError(gettext("Give the key a name."), field="name")
    code = session().get_one(Jurisdiction, admin.jurisdiction_id).code
    key, secret = accounts.create_api_key(name=name.strip(), jurisdiction_code=code, scopes=scopes)
    with unit_of_work() as s:
        audit.record(
            s,
            admin,
            "api_key.create",
            "api_key",
            key.id,
            jurisdiction_id=admin.jurisdiction_id,
            after={"name": key.name, "scopes": key.scopes, "prefix": key.prefix},
        )
    return secret


def revoke_key(admin: StaffUser, key_id: int) -> None:
    with unit_of_work() as s:
        key = s.get(ApiKey, key_id) if 0 < key_id < 2**31 else None
        if key is None or key.jurisdiction_id != admin.jurisdiction_id:
            raise NotFound(gettext("Not found."))
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            audit.record(
                s,
                admin,
                "api_key.revoke",
                "api_key",
                key.id,
                jurisdiction_id=admin.jurisdiction_id,
                after={"revoked": True},
            )
