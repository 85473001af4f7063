"""Staff passwords in the web UI: changing one's own (signed in), and a forgotten one set again through an
e-mailed link ("Forgot your password?" on the sign-in page). Opening a link's page changes nothing; only its
form's POST sets the password, once."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, redirect, render_template, request, session, url_for

from admin.web.common import allow, bp, lang, me, t
from backend import links
from backend import staff as staff_service
from backend.errors import DomainError
from backend.ratelimit import PASSWORD_RESET_LIMITS, client_ip


@bp.route("/account/password", methods=["GET", "POST"])
@allow("account.password")
def password_page() -> Any:
    """Change one's own password: the current one, the new one twice."""
    error, status, done = None, 200, bool(session.pop("password_changed", False))
    if request.method == "POST":
        new = request.form.get("new_password", "")
        if new != request.form.get("new_password_again", ""):
            error, status = t("The two new passwords are not the same."), 422
        else:
            try:
                staff_service.change_password(
                    me().id, g.web_token.id, request.form.get("current_password", ""), new, client_ip()
                )
                session["password_changed"] = True  # post-redirect-get: a reload sends nothing again
                return redirect(url_for("web.password_page"))
            except DomainError as exc:
                error, status = exc.message, 429 if exc.status == 429 else 422
    return render_template("admin/password_change.html", error=error, done=done), status


@bp.route("/password-reset", methods=["GET", "POST"])
@PASSWORD_RESET_LIMITS[0]  # shared with POST /api/admin/password-reset
@PASSWORD_RESET_LIMITS[1]
def password_forgot() -> Any:
    """Ask for a reset link: the same answer for every e-mail address."""
    sent = False
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        if 3 <= len(email) <= 254:
            staff_service.request_reset(email)
        sent = True
    minutes = current_app.config["HROMADA_SETTINGS"].PASSWORD_RESET_MINUTES
    return render_template("admin/password_forgot.html", sent=sent, error=None, minutes=minutes)


@bp.route("/password-reset/new", methods=["GET", "POST"])
def password_reset() -> Any:
    """The e-mailed link (/admin/password-reset/new?token=...): a form for the new password (twice); its POST, to
    the same address, sets it, once. The token travels in the query, which the access log leaves out."""
    token = request.args.get("token", "")
    g.language = lang()  # the page's language for the use case's messages too (nobody is signed in)
    try:
        page = staff_service.reset_page(token)
    except (links.LinkInvalid, links.LinkExpired, links.LinkUsed) as exc:
        return render_template("admin/password_reset.html", broken=exc.message, page=None), exc.status
    g.page_locale = page.locale  # the account's language, unless the person chose another
    g.language = lang()
    error, status = None, 200
    if request.method == "POST":
        new = request.form.get("new_password", "")
        if new != request.form.get("new_password_again", ""):
            error, status = t("The two new passwords are not the same."), 422
        else:
            try:
                staff_service.reset_password(token, new, client_ip())
            except DomainError as exc:
                error, status = exc.message, exc.status
            else:
                session["lang"] = lang()  # the done page speaks the same language (no token there)
                return redirect(url_for("web.password_reset_done"))
    return render_template("admin/password_reset.html", page=page, error=error), status


@bp.get("/password-reset/done")
def password_reset_done() -> Any:
    """After a new password is set through a link: what happened, and the way to sign in."""
    return render_template("admin/password_reset.html", done=True, page=None)
