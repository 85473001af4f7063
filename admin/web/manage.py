"""The administration pages (admins): people, departments, services and API keys of the municipality."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, render_template, request, session, url_for

from admin.web.common import allow, bp, choices, lang, me, t
from backend.errors import DomainError
from backend.i18n import LANGUAGES
from backend.models import ROLES, SCOPES
from backend.staff import (
    add_department,
    add_key,
    add_staff,
    administration_overview,
    reset_second_factor,
    revoke_key,
    scope_label,
    set_staff_active,
    update_service,
)

#: The words shown before an error of a form's field (never the raw field name).
FIELDS = {"email": "E-mail", "password": "Password", "role": "Role", "department": "Department", "full_name": "Name"}


def _manage(error: str | None = None, status: int = 200, typed: dict[str, str] | None = None) -> Any:
    return render_template(
        "admin/manage.html",
        data=administration_overview(me()),
        roles=ROLES,
        scopes={sc: scope_label(sc, lang()) for sc in SCOPES},
        choices=choices(),
        error=error,
        typed=typed or {},
        notice=session.pop("manage_notice", None),
        new_key=session.pop("new_key", None),
    ), status


def _error(exc: DomainError) -> str:
    field = FIELDS.get(exc.field or "")
    return f"{t(field)}: {exc.message}" if field else exc.message


@bp.get("/manage")
@allow("manage.view")
def manage() -> Any:
    return _manage()


def _number(text: str | None) -> int | None:
    """A form's whole number, or None for anything else ("", "²", "1e3", "١٢")."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _manage_action(run: Callable[[], Any]) -> Any:
    """Run a change; back to the administration page, or the page with the error."""
    try:
        run()
    except DomainError as exc:
        return _manage(error=_error(exc), status=exc.status)
    return redirect(url_for("web.manage"))


@bp.post("/manage/staff")
@allow("manage.staff_create")
def manage_staff_create() -> Any:
    f = request.form
    try:
        add_staff(
            me(),
            email=f.get("email", ""),
            password=f.get("password", ""),
            role=f.get("role", ""),
            department=f.get("department"),
            full_name=f.get("full_name"),
        )
    except DomainError as exc:  # the form again with what was typed (never the password)
        typed = {k: f.get(k, "")[:254] for k in ("email", "full_name", "role", "department")}
        return _manage(error=_error(exc), status=exc.status, typed=typed)
    return redirect(url_for("web.manage"))


@bp.post("/manage/staff/active")
@allow("manage.staff_active")
def manage_staff_active() -> Any:
    f = request.form
    return _manage_action(lambda: set_staff_active(me(), _number(f.get("staff_id")) or 0, f.get("active") == "true"))


@bp.post("/manage/staff/second-factor-reset")
@allow("manage.second_factor_reset")
def manage_second_factor_reset() -> Any:
    staff_id = _number(request.form.get("staff_id")) or 0
    email = next((u.email for u in administration_overview(me()).staff if u.id == staff_id), "")
    if email and request.form.get("confirmed") != "yes":  # first a page that asks; it changes nothing
        return render_template("admin/manage_confirm.html", staff_id=staff_id, email=email)

    def reset() -> None:
        reset_second_factor(me(), staff_id)
        session["manage_notice"] = t(
            "The second factor of {email} is reset: they set it up again at their next sign-in.", email=email
        )

    return _manage_action(reset)


@bp.post("/manage/departments")
@allow("manage.department_create")
def manage_department_create() -> Any:
    f = request.form
    return _manage_action(
        lambda: add_department(
            me(), code=f.get("code", ""), names={x: f.get(f"name_{x}", "") for x in LANGUAGES}, email=f.get("email")
        )
    )


@bp.post("/manage/services")
@allow("manage.service_update")
def manage_service_update() -> Any:
    f = request.form
    return _manage_action(
        lambda: update_service(
            me(),
            f.get("code", ""),
            active={"true": True, "false": False}.get(f.get("active", "")),
            sla_hours=_number(f.get("sla_hours")),
        )
    )


def _new_key() -> None:
    """A new key, whose secret the administration page shows once."""
    f = request.form
    session["new_key"] = add_key(me(), name=f.get("name", ""), scopes=f.getlist("scopes"))


@bp.post("/manage/keys")
@allow("manage.key_create")
def manage_key_create() -> Any:
    return _manage_action(_new_key)


@bp.post("/manage/keys/revoke")
@allow("manage.key_revoke")
def manage_key_revoke() -> Any:
    f = request.form
    return _manage_action(lambda: revoke_key(me(), _number(f.get("key_id")) or 0))
