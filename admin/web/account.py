"""The second factor in the staff web UI: the sign-in's second step (a code, or an admin's first enrolment),
the recovery codes shown once, and one's own account page (turn the factor on or off, new recovery codes)."""

from __future__ import annotations

import time
from typing import Any

from flask import redirect, render_template, request, session, url_for

from admin.web.common import allow, bp, fresh_session, me, t
from backend import staff as staff_service
from backend.errors import DomainError
from backend.ratelimit import SIGN_IN_LIMITS, keep_own_retry_after

#: The session key of the pending sign-in (a ticket proving the password, for a few minutes; no staff token).
PENDING = "signin_ticket"  # written by `common.second_step`


def _pending() -> str | None:
    ticket = session.get(PENDING)
    if not ticket or int(session.get("pending_until") or 0) < time.time():
        return None
    return str(ticket)


def _signed_in(user: Any, secret: str) -> None:
    target = session.get("pending_next") or ""
    fresh_session()
    session["token"] = secret
    session["lang"] = user.locale
    session["after_signin"] = target
    session.permanent = True


def _code_page(ticket: str, error: str | None = None, status: int = 200) -> Any:
    valid, enrolment = staff_service.second_step_state(ticket)
    if not valid:
        fresh_session()
        return redirect(url_for("web.login", expired=1))
    return render_template("admin/login_code.html", enrolment=enrolment, error=error), status


@bp.route("/login/code", methods=["GET", "POST"])
@SIGN_IN_LIMITS[0]
@SIGN_IN_LIMITS[1]
def login_code() -> Any:
    ticket = _pending()
    if ticket is None:
        expired = PENDING in session
        fresh_session()
        return redirect(url_for("web.login", expired=1) if expired else url_for("web.login"))
    if request.method == "GET":
        return _code_page(ticket)
    codes: list[str] = []
    try:
        user, secret, _ = staff_service.login_second_step(ticket, request.form.get("totp", "")[:64], codes)
    except staff_service.TooManyWrongCodes as exc:  # the pending sign-in ends: the password again, later
        fresh_session()
        keep_own_retry_after()
        error = t("Too many wrong codes; try again in {n} min.", n=max(1, -(-exc.retry_after // 60)))
        return render_template("admin/login.html", error=error), 429, {"Retry-After": str(exc.retry_after)}
    except staff_service.LockedOut as exc:
        return _code_page(ticket, t("Too many failed sign-ins; try again in {n} s.", n=exc.retry_after), 429)
    except staff_service.WrongCode:
        return _code_page(ticket, t("Wrong or already used code."), 401)
    except (staff_service.FactorRequired, staff_service.EnrolmentRequired):  # no code given
        return _code_page(ticket, t("Enter the code from your authenticator app."), 422)
    except staff_service.InvalidCredentials:
        fresh_session()
        return redirect(url_for("web.login", expired=1))
    _signed_in(user, secret)
    if codes:
        return _show_codes(codes, first=True)
    return redirect(_after_signin())


def _after_signin() -> str:
    target = str(session.pop("after_signin", "") or "")
    return target if target.startswith("/admin/") else url_for("web.queue_page")


@bp.post("/login/restart")
def login_restart() -> Any:
    """The code page's "Start again": the pending sign-in ends; the sign-in form again."""
    fresh_session()
    return redirect(url_for("web.login"))


@bp.get("/login/continue")
def login_continue() -> Any:
    return redirect(_after_signin())


# -- recovery codes: kept in the signed session until the person says they saved them (or 15 minutes) ---------

#: The session keys of freshly made recovery codes, how long they may be shown and whether this is a first
#: sign-in (then "continue" goes on to the page asked for).
CODES, CODES_UNTIL, CODES_FIRST = "recovery_codes", "recovery_codes_until", "recovery_codes_first"
CODES_SECONDS = 15 * 60


def _show_codes(codes: list[str], *, first: bool) -> Any:
    """Post-redirect-get: the codes wait in the session (encrypted), and a page that can be reloaded shows them."""
    session[CODES] = staff_service.seal(" ".join(codes))
    session[CODES_UNTIL] = int(time.time()) + CODES_SECONDS
    session[CODES_FIRST] = first
    return redirect(url_for("web.recovery_codes_page"))


@bp.get("/account/recovery-codes")
@allow("account.view")
def recovery_codes_page() -> Any:
    sealed = session.get(CODES) if int(session.get(CODES_UNTIL) or 0) >= time.time() else None
    codes = (staff_service.unseal(str(sealed)) or "").split() if sealed else []
    if not codes:
        for key in (CODES, CODES_UNTIL, CODES_FIRST):
            session.pop(key, None)
    return render_template("admin/recovery_codes.html", codes=codes, first=bool(session.get(CODES_FIRST)))


@bp.post("/account/recovery-codes/saved")
@allow("account.view")
def recovery_codes_saved() -> Any:
    first = bool(session.get(CODES_FIRST))
    for key in (CODES, CODES_UNTIL, CODES_FIRST):
        session.pop(key, None)
    return redirect(_after_signin() if first else url_for("web.account"))


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
    return _show_codes(codes, first=False)


@bp.post("/account/recovery-codes")
@allow("account.view")
def account_recovery_codes() -> Any:
    try:
        codes = staff_service.renew_recovery_codes(
            me(), request.form.get("totp", "")[:64], request.form.get("password", "")[:1024]
        )
    except DomainError as exc:
        return _account(exc.message, exc.status)
    return _show_codes(codes, first=False)


@bp.post("/account/second-factor/off")
@allow("account.view")
def account_factor_off() -> Any:
    try:
        staff_service.turn_second_factor_off(
            me(), request.form.get("totp", "")[:64], request.form.get("password", "")[:1024]
        )
    except DomainError as exc:
        return _account(exc.message, exc.status)
    return redirect(url_for("web.account"))
