"""The second factor in the staff web UI: the sign-in's second step (a code, or an admin's first enrolment),
the recovery codes shown once, and one's own account page (turn the factor on or off, new recovery codes)."""

from __future__ import annotations

import time
from typing import Any

from flask import redirect, render_template, request, session, url_for

from admin.web.common import allow, bp, me, t
from backend import staff as staff_service
from backend.errors import DomainError
from backend.ratelimit import SIGN_IN_LIMITS

#: The session key of the pending sign-in (a ticket proving the password, for a few minutes; no staff token).
PENDING = "signin_ticket"  # written by `common.second_step`


def _pending() -> str | None:
    ticket = session.get(PENDING)
    if not ticket or int(session.get("pending_until") or 0) < time.time():
        return None
    return str(ticket)


def _signed_in(user: Any, secret: str) -> None:
    target = session.get("pending_next") or ""
    session.clear()
    session["token"] = secret
    session["lang"] = user.locale
    session["after_signin"] = target
    session.permanent = True


def _code_page(ticket: str, error: str | None = None, status: int = 200) -> Any:
    valid, enrolment = staff_service.second_step_state(ticket)
    if not valid:
        session.clear()
        return redirect(url_for("web.login"))
    return render_template("admin/login_code.html", enrolment=enrolment, error=error), status


@bp.route("/login/code", methods=["GET", "POST"])
@SIGN_IN_LIMITS[0]
@SIGN_IN_LIMITS[1]
def login_code() -> Any:
    ticket = _pending()
    if ticket is None:
        session.pop(PENDING, None)
        return redirect(url_for("web.login"))
    if request.method == "GET":
        return _code_page(ticket)
    codes: list[str] = []
    try:
        user, secret, _ = staff_service.login_second_step(ticket, request.form.get("totp", "")[:64], codes)
    except staff_service.LockedOut as exc:
        return _code_page(ticket, t("Too many failed sign-ins; try again in {n} s.", n=exc.retry_after), 429)
    except staff_service.WrongCode:
        return _code_page(ticket, t("Wrong or already used code."), 401)
    except staff_service.InvalidCredentials:
        session.clear()
        return redirect(url_for("web.login"))
    _signed_in(user, secret)
    if codes:
        return render_template("admin/recovery_codes.html", codes=codes, first=True)
    return redirect(_after_signin())


def _after_signin() -> str:
    target = str(session.pop("after_signin", "") or "")
    return target if target.startswith("/admin/") else url_for("web.queue_page")


@bp.get("/login/continue")
def login_continue() -> Any:
    return redirect(_after_signin())


# -- one's own account -------------------------------------------------------------------------------------


def _account(error: str | None = None, status: int = 200, enrolment: Any = None) -> Any:
    return render_template(
        "admin/account.html",
        factor=staff_service.second_factor_state(me()),
        enrolment=enrolment or staff_service.pending_second_factor(me()),
        error=error,
    ), status


@bp.get("/account")
@allow("account.view")
def account() -> Any:
    return _account()


@bp.post("/account/second-factor")
@allow("account.view")
def account_factor_start() -> Any:
    try:
        enrolment = staff_service.start_second_factor(me())
    except DomainError as exc:
        return _account(exc.message, exc.status)
    return _account(enrolment=enrolment)


@bp.post("/account/second-factor/confirm")
@allow("account.view")
def account_factor_confirm() -> Any:
    try:
        codes = staff_service.confirm_second_factor(me(), request.form.get("totp", "")[:64])
    except DomainError as exc:
        return _account(exc.message, exc.status)
    return render_template("admin/recovery_codes.html", codes=codes, first=False)


@bp.post("/account/recovery-codes")
@allow("account.view")
def account_recovery_codes() -> Any:
    try:
        codes = staff_service.renew_recovery_codes(me(), request.form.get("totp", "")[:64])
    except DomainError as exc:
        return _account(exc.message, exc.status)
    return render_template("admin/recovery_codes.html", codes=codes, first=False)


@bp.post("/account/second-factor/off")
@allow("account.view")
def account_factor_off() -> Any:
    try:
        staff_service.turn_second_factor_off(me(), request.form.get("totp", "")[:64])
    except DomainError as exc:
        return _account(exc.message, exc.status)
    return redirect(url_for("web.account"))
