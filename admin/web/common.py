"""What every page of the staff web UI shares: the blueprint, who is signed in and in which language, the policy
gate, security headers, CSRF, the front-end assets, and signing in and out."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from admin.policy import POLICY, guarded
from backend import basemap, cities
from backend import staff as staff_service
from backend.api import error_response
from backend.errors import DomainError, NotFound
from backend.i18n import LANGUAGES, gettext, pick
from backend.input_guard import NOT_ALLOWED, NOT_UTF8, BadInput
from backend.models import StaffUser
from backend.ratelimit import SIGN_IN_LIMITS, keep_own_retry_after, limiter
from backend.vocabulary import label

#: The admin package's folder: the blueprint's templates and static files live there.
ADMIN_ROOT = Path(__file__).resolve().parent.parent
ASSETS = ADMIN_ROOT / "frontend" / "node_modules"
#: The only files served from the npm packages (everything else there stays private).
ASSET_FILES = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.css": "leaflet/dist/leaflet.css",
    "markercluster.js": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "MarkerCluster.css": "leaflet.markercluster/dist/MarkerCluster.css",
    "MarkerCluster.Default.css": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "geoman.js": "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js",
    "geoman.css": "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css",
    "chart.js": "chart.js/dist/chart.umd.min.js",
}
#: The pages' images: this site's, the charts' and maps' data:/blob: ones, and the base map's tiles ({tiles}).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{tiles}; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

bp = Blueprint(
    "web",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
    root_path=str(ADMIN_ROOT),
)
csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    settings = app.config["HROMADA_SETTINGS"]
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_NAME="hromada_staff",
    )
    csrf.init_app(app)
    app.register_blueprint(bp)


# -- identity, language, policy ----------------------------------------------------------------------------


def lang() -> str:
    """The person's choice (kept across sign-out), else the staff member's language (a reset link's page: the
    account's), else the browser's preference, else Polish."""
    staff = g.get("web_staff")
    for chosen in (
        session.get("lang"),
        staff.locale if staff is not None else g.get("page_locale"),
        request.accept_languages.best_match(LANGUAGES),
    ):
        if chosen in LANGUAGES:
            return str(chosen)
    return "pl"


def t(message: str, **params: Any) -> str:
    """A UI text in the staff member's language."""
    return gettext(message, lang(), **params)


@bp.before_request
def _identify() -> Any:
    _who()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return None


def _who() -> None:
    """The signed-in staff member (g.web_staff) and their language, from the session."""
    g.web_staff = None
    secret = session.get("token")
    if secret:
        found = staff_service.authenticate(secret)
        if found is None:
            session.pop("token", None)
        else:
            g.web_staff, g.web_token = found
            g.language = lang()


@bp.after_request
def _headers(response: Response) -> Response:
    tiles = basemap.origin(current_app.config["HROMADA_SETTINGS"].MAP_TILE_URL)
    response.headers["Content-Security-Policy"] = CSP.format(tiles=f" {tiles}" if tiles else "")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(CSRFError)
def _csrf_refused(exc: CSRFError) -> Any:
    return render_template(
        "admin/error.html",
        title=t("Refused"),
        message=t("This form was not sent from this site, or it expired. Reload the page."),
    ), 400


@bp.errorhandler(DomainError)
def _refused(exc: DomainError) -> Any:
    """A bad choice on a page (unknown indicator, district or period): the error page, not a stack trace; for the
    pages' JSON (queue points, chart data) the APIs' error shape, naming the parameter."""
    if request.path.endswith((".json", ".geojson")):
        errors = {"query": {exc.field: [exc.message]}} if exc.field else None
        return error_response(404 if isinstance(exc, NotFound) else 422, exc.message, errors, translated=True)
    message = exc.message
    if isinstance(exc, BadInput):  # refused before the page knew who asks: their navigation and language now
        if "web_staff" not in g:
            _who()
        if exc.template in (NOT_ALLOWED, NOT_UTF8):
            message = t("The form or the address contains a character that is not allowed.")
        else:
            message = t(exc.template, **exc.params)
    return render_template(
        "admin/error.html",
        title=t("Not found") if isinstance(exc, NotFound) else t("Refused"),
        message=message,
        back=_back() if request.method == "POST" else None,
        here=request.path if isinstance(exc, BadInput) else None,  # not the refused query again
    ), 404 if isinstance(exc, NotFound) else 422


def _back() -> str | None:
    """The page of this site the refused form was sent from, if the browser said so."""
    came = urlsplit(request.referrer or "")
    if came.netloc != request.host or not came.path.startswith("/admin/"):
        return None
    return came.path + (f"?{came.query}" if came.query else "")


@bp.errorhandler(RateLimitExceeded)
def _too_many(exc: RateLimitExceeded) -> Any:
    """Over a rate limit: the sign-in form again with how long to wait (Retry-After is added by the limiter)."""
    current = limiter.current_limit
    wait = max(1, int(current.reset_at - time.time())) if current is not None else 60
    if request.endpoint == "web.login":
        return render_template(
            "admin/login.html", error=t("Too many sign-in attempts; try again in {n} s.", n=wait)
        ), 429
    if request.endpoint == "web.password_forgot":
        return render_template(
            "admin/password_forgot.html",
            sent=False,
            error=t("Too many requests; try again in {n} minutes.", n=max(1, -(-wait // 60))),
        ), 429
    return render_template(
        "admin/error.html", title=t("Refused"), message=t("Too many requests; try again later.")
    ), 429


@bp.app_context_processor
def _context() -> dict[str, Any]:
    return {
        "t": t,
        "csrf_token": generate_csrf if request.blueprint == "web" else (lambda: ""),
        "staff": g.get("web_staff"),
        "lang": lang() if request.blueprint == "web" else "pl",
        "languages": LANGUAGES,
        "may": may,
        "label": lambda code, vocabulary=None: label(code, lang(), vocabulary),
    }


@bp.app_template_filter("named")
def display_name(texts: dict[str, str] | None) -> str:
    staff = g.get("web_staff")
    fallback = staff.jurisdiction.default_language if staff is not None else "pl"
    return pick(texts, lang(), fallback)


def may(endpoint: str) -> bool:
    staff = g.get("web_staff")
    roles = POLICY.get(endpoint)
    return staff is not None and roles is not None and staff.role in roles


def allow(endpoint: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The API's policy entry for this page or action; signed-out staff go to the sign-in page."""
    return guarded(endpoint, _web_gate)


def _web_gate(roles: frozenset[str] | None) -> Any:
    staff = g.get("web_staff")
    if staff is None:
        if request.headers.get("HX-Request"):
            return Response(status=401, headers={"HX-Redirect": url_for("web.login")})
        return redirect(url_for("web.login", next=request.full_path))
    if roles is None or staff.role not in roles:
        abort(403)
    return None


def me() -> StaffUser:
    staff: StaffUser = g.web_staff
    return staff


def choices() -> cities.Choices:
    """The municipality's services, departments and areas, for the pages' forms and filters."""
    return cities.choices(me())


# -- assets ------------------------------------------------------------------------------------------------


@bp.get("/assets/<name>")
def asset(name: str) -> Response:
    path = ASSET_FILES.get(name)
    if path is None or not (ASSETS / path).exists():
        abort(404)
    response = send_from_directory(ASSETS, path, max_age=86400)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# -- sign-in -----------------------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@SIGN_IN_LIMITS[0]
@SIGN_IN_LIMITS[1]
def login() -> Any:
    error, status, wait = None, 200, 0
    if request.method == "POST":
        try:
            user, secret, _ = staff_service.login(request.form.get("email", ""), request.form.get("password", ""))
        except staff_service.Busy:
            error, status, wait = t("Too many sign-ins at once; try again in a moment."), 429, 1
        except staff_service.LockedOut as exc:
            error, status = t("Too many failed sign-ins; try again in {n} s.", n=exc.retry_after), 429
            wait = exc.retry_after
        except staff_service.InvalidCredentials:
            error, status = t("Invalid e-mail or password."), 401
        except (staff_service.FactorRequired, staff_service.EnrolmentRequired) as exc:
            return second_step(exc.ticket)
        else:
            fresh_session()
            session["token"] = secret
            session["lang"] = user.locale
            session.permanent = True
            target = request.args.get("next") or ""
            return redirect(target if target.startswith("/admin/") else url_for("web.queue_page"))
    if wait:
        keep_own_retry_after()
    email = request.form.get("email", "")[:254]  # typed again after a failure (never the password)
    page = render_template("admin/login.html", error=error, email=email)
    return page, status, {"Retry-After": str(wait)} if wait else {}


def fresh_session() -> None:
    """Empty the session but for the language the person chose; its form token goes with it."""
    chosen = session.get("lang")
    session.clear()
    g.pop("csrf_token", None)
    if chosen in LANGUAGES:
        session["lang"] = chosen


def second_step(ticket: str) -> Any:
    """After a right password, where a second factor is needed: the session keeps a short-lived ticket (proof of
    the password, no staff token) and the browser goes to the code's page (`account.py`)."""
    target = request.args.get("next") or ""
    fresh_session()
    session["signin_ticket"] = ticket
    session["pending_until"] = int(time.time()) + 300
    if target.startswith("/admin/"):
        session["pending_next"] = target
    return redirect(url_for("web.login_code"))


@bp.post("/logout")
def logout() -> Any:
    if g.get("web_staff") is not None:
        staff_service.logout(g.web_staff, g.web_token.id)
    session["lang"] = lang()
    fresh_session()
    return redirect(url_for("web.login"))


@bp.post("/language")
def language() -> Any:
    chosen = request.form.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        if g.get("web_staff") is not None:
            staff_service.set_locale(g.web_staff.id, chosen)
    back = request.form.get("back") or ""
    return redirect(back if back.startswith("/admin/") else url_for("web.queue_page"))


@bp.get("/")
def home() -> Any:
    return redirect(url_for("web.queue_page"))
