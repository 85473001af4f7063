"""The staff web UI under /admin: server-rendered pages (Jinja2), htmx for in-place actions, Leaflet maps.

Sign-in gives an HTTP-only, SameSite session cookie holding a staff token (the same tokens, lockout and
expiry as the admin API); every form carries a CSRF token (Flask-WTF); every page goes through the same
declarative policy as the API (`admin/policy.py`). Front-end libraries come from npm (`admin/frontend`,
installed with `npm ci` at set-up) and are served from here; the Content-Security-Policy allows no inline
script.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from admin.policy import POLICY, guarded
from backend.broadcasts import manage as broadcasts
from backend.cities import geography
from backend.errors import DomainError
from backend.i18n import LANGUAGES, gettext, pick
from backend.models import OPEN_STATUSES, ROLES, SCOPES, STATUSES, StaffUser
from backend.staff import accounts, administration
from backend.staff import sign_in as staff_auth
from backend.staff.sign_in import InvalidCredentials, LockedOut
from backend.surveys import definitions as surveys_service
from backend.triage import actions as triage
from backend.triage import detail as staff_reports
from backend.triage import queue
from backend.triage.actions import REJECT_REASONS, REPLY_TEMPLATES
from backend.triage.etag import PreconditionFailed

HERE = Path(__file__).resolve().parent
ASSETS = HERE / "frontend" / "node_modules"
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
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

bp = Blueprint(
    "web", __name__, url_prefix="/admin", template_folder="templates", static_folder="static", static_url_path="/static"
)
csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    settings = app.config["HROMADA_SETTINGS"]
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.WEB_COOKIE_SECURE,
        SESSION_COOKIE_NAME="hromada_staff",
    )
    csrf.init_app(app)
    app.register_blueprint(bp)


# -- identity, language, policy ----------------------------------------------------------------------------


def lang() -> str:
    staff = g.get("web_staff")
    chosen = session.get("lang") or (staff.locale if staff is not None else None)
    return chosen if chosen in LANGUAGES else "pl"


def t(message: str, **params: Any) -> str:
    """A UI text in the staff member's language."""
    return gettext(message, lang(), **params)


@bp.before_request
def _identify() -> Any:
    g.web_staff = None
    secret = session.get("token")
    if secret:
        found = staff_auth.authenticate(secret)
        if found is None:
            session.pop("token", None)
        else:
            g.web_staff, g.web_token = found
            g.language = lang()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
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


@bp.app_context_processor
def _context() -> dict[str, Any]:
    return {
        "t": t,
        "csrf_token": generate_csrf if request.blueprint == "web" else (lambda: ""),
        "staff": g.get("web_staff"),
        "lang": lang() if request.blueprint == "web" else "pl",
        "languages": LANGUAGES,
        "may": may,
    }


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
def login() -> Any:
    error, status = None, 200
    if request.method == "POST":
        try:
            user, secret, _ = staff_auth.login(request.form.get("email", ""), request.form.get("password", ""))
        except LockedOut as exc:
            error, status = t("Too many failed sign-ins; try again in {n} s.", n=exc.retry_after), 429
        except InvalidCredentials:
            error, status = t("Invalid e-mail or password."), 401
        else:
            session.clear()
            session["token"] = secret
            session["lang"] = user.locale
            session.permanent = True
            target = request.args.get("next") or ""
            return redirect(target if target.startswith("/admin/") else url_for("web.queue_page"))
    return render_template("admin/login.html", error=error), status


@bp.post("/logout")
def logout() -> Any:
    if g.get("web_staff") is not None:
        staff_auth.logout(g.web_staff, g.web_token.id)
    session.clear()
    return redirect(url_for("web.login"))


@bp.post("/language")
def language() -> Any:
    chosen = request.form.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        if g.get("web_staff") is not None:
            accounts.set_locale(g.web_staff.id, chosen)
    back = request.form.get("back") or ""
    return redirect(back if back.startswith("/admin/") else url_for("web.queue_page"))


@bp.get("/")
def home() -> Any:
    return redirect(url_for("web.queue_page"))


# -- the queue and its map ---------------------------------------------------------------------------------


def filters_from(args: Any) -> dict[str, Any]:
    f: dict[str, Any] = {}
    for name in ("status", "service", "department", "area", "priority"):
        values = [v for v in args.getlist(name) if v]
        if values:
            f[name] = values
    if args.get("overdue") in ("true", "false"):
        f["overdue"] = args.get("overdue") == "true"
    if args.get("q"):
        f["q"] = args.get("q")[:200]
    for name in ("since", "until"):  # dates of the municipality (the end date included)
        value = args.get(name)
        if value:
            try:
                day = datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(me().jurisdiction.timezone))
            except ValueError:
                continue
            f[name] = day + timedelta(days=1) if name == "until" else day
    return f


def _choices() -> dict[str, Any]:
    return geography.choices(me())


@bp.get("/queue")
@allow("reports.list")
def queue_page() -> Any:
    f = filters_from(request.args)
    sort = request.args.get("sort") if request.args.get("sort") in queue.SORTS else "newest"
    try:
        page = queue.queue(me(), f, sort=sort, cursor=request.args.get("cursor") or None, limit=50)
    except DomainError as exc:
        page, f = {"items": [], "counts": {}, "next_cursor": None, "counts_exact": True, "error": exc.message}, f
    context = {
        "page": page,
        "f": f,
        "sort": sort,
        "query": request.query_string.decode(),
        "statuses": STATUSES,
        "choices": _choices(),
        "open_statuses": OPEN_STATUSES,
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        return render_template("admin/_results.html", **context)
    return render_template("admin/queue.html", **context)


@bp.get("/queue/points.json")
@allow("reports.list")
def queue_points() -> Any:
    return {"points": queue.map_points(me(), filters_from(request.args), limit=2000)}


@bp.get("/areas.geojson")
@allow("reports.list")
def areas_geojson() -> Any:
    return Response(geography.areas_geojson(me().jurisdiction_id, lang()), mimetype="application/geo+json")


@bp.post("/queue/bulk")
@allow("reports.bulk")
def bulk() -> Any:
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()]
    items = [{"id": i, "etag": request.form.get(f"etag_{i}", "")} for i in ids]
    action = request.form.get("action")
    if not items or action not in ("status", "assign"):
        results: list[dict[str, Any]] = []
    else:
        results = triage.bulk(
            me(),
            items,
            action,
            {
                "status": request.form.get("status"),
                "reason": request.form.get("reason") or None,
                "department": request.form.get("department") or None,
            },
        )
    return render_template("admin/_bulk_result.html", results=results)


# -- a report ----------------------------------------------------------------------------------------------


def _panel(
    report_id: int,
    *,
    message: str | None = None,
    error: str | None = None,
    changed: list[str] | None = None,
    status: int = 200,
) -> Any:
    view = staff_reports.detail(me(), report_id)
    context = {
        "r": view,
        "message": message,
        "error": error,
        "changed": changed or [],
        "choices": _choices(),
        "reasons": REJECT_REASONS,
        "templates": REPLY_TEMPLATES,
        "next_statuses": sorted(triage.TRANSITIONS.get(view["status"], ())),
        "snapshot": json.dumps(_snapshot(view)),
    }
    return render_template("admin/_report.html", **context), status


def _snapshot(view: dict[str, Any]) -> dict[str, Any]:
    """What a form saw of the report: compared with the report when someone else changed it meanwhile."""
    return {
        "status": view["status"],
        "priority": view["priority"],
        "department": (view.get("department") or {}).get("code"),
        "service": view["service_code"],
        "description": view["description"],
        "hidden": view["hidden"],
        "events": len(view["timeline"]),
    }


def _what_changed(seen: dict[str, Any], now: dict[str, Any], timeline: list[dict[str, Any]]) -> list[str]:
    out = []
    labels = {
        "status": t("Status"),
        "priority": t("Priority"),
        "department": t("Department"),
        "service": t("Service"),
        "description": t("Description"),
        "hidden": t("Hidden"),
    }
    for key, label in labels.items():
        if seen.get(key) != now.get(key):
            out.append(f"{label}: {seen.get(key)} → {now.get(key)}")
    for event in timeline[int(seen.get("events") or 0) :]:
        detail = " ".join(str(x) for x in (event["kind"], event.get("to_status"), event.get("body")) if x)
        out.append(f"{t('New entry')}: {detail}")
    return out


@bp.get("/reports/<int:report_id>")
@allow("reports.get")
def report_page(report_id: int) -> Any:
    panel, _ = _panel(report_id)
    audit = staff_reports.audit_trail(me(), report_id) if may("reports.audit") else []
    return render_template("admin/report.html", panel=panel, audit=audit, report_id=report_id)


ACTIONS: dict[str, Callable[[StaffUser, int, str, Any], Any]] = {
    "status": lambda st, rid, tag, f: triage.change_status(
        st, rid, tag, f.get("status", ""), f.get("reason") or None, f.get("body") or None
    ),
    "assign": lambda st, rid, tag, f: triage.assign(st, rid, tag, department=f.get("department") or None),
    "priority": lambda st, rid, tag, f: triage.set_priority(st, rid, tag, f.get("priority", "")),
    "reply": lambda st, rid, tag, f: (
        triage.reply(st, rid, tag, (f.get("body") or "").strip()) if (f.get("body") or "").strip() else _missing("body")
    ),
    "template_reply": lambda st, rid, tag, f: triage.reply_from_template(
        st, rid, tag, f.get("template_status", ""), int(f.get("index") or 0)
    ),
    "note": lambda st, rid, tag, f: (
        triage.note(st, rid, tag, (f.get("body") or "").strip()) if (f.get("body") or "").strip() else _missing("body")
    ),
    "recategorise": lambda st, rid, tag, f: triage.recategorise(st, rid, tag, f.get("service", "")),
    "merge": lambda st, rid, tag, f: triage.merge(st, rid, tag, int(f.get("master_id") or 0)),
    "moderate": lambda st, rid, tag, f: triage.moderate_text(
        st,
        rid,
        tag,
        hidden={"hide": True, "show": False}.get(f.get("visibility", "")),
        description=f.get("description") or None,
    ),
}


def _missing(field: str) -> None:
    raise DomainError(gettext("Missing data for required field."), field=field)


def _action_view(name: str) -> Callable[[int], Any]:
    def view(report_id: int) -> Any:
        form = request.form
        try:
            ACTIONS[name](me(), report_id, form.get("etag", ""), form)
        except PreconditionFailed:
            current = staff_reports.detail(me(), report_id)
            try:
                seen = json.loads(form.get("snapshot") or "{}")
            except ValueError:
                seen = {}
            return _panel(
                report_id,
                error=t(
                    "Someone else changed this report while you had it open. Nothing was saved; here is what changed:"
                ),
                changed=_what_changed(seen, _snapshot(current), current["timeline"]),
            )
        except DomainError as exc:
            return _panel(report_id, error=exc.message)
        return _panel(report_id, message=t("Saved."))

    view.__name__ = f"report_{name}"
    return allow(f"reports.{name}")(view)


for _name in ACTIONS:
    bp.add_url_rule(f"/reports/<int:report_id>/{_name}", view_func=_action_view(_name), methods=["POST"])


@bp.post("/photos/<int:photo_id>/moderation")
@allow("photos.moderate")
def photo_moderation(photo_id: int) -> Any:
    try:
        result = staff_reports.moderate_photo(me(), photo_id, request.form.get("approve") == "true")
    except DomainError as exc:
        return Response(exc.message, status=exc.status)
    return _panel(int(result["report_id"]), message=t("Saved."))


# -- broadcasts --------------------------------------------------------------------------------------------


def _local(value: str | None) -> datetime | None:
    """A datetime-local field, in the municipality's time zone."""
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError as exc:
        raise DomainError(gettext("Not a valid datetime."), field="send_at") from exc
    return naive.replace(tzinfo=ZoneInfo(me().jurisdiction.timezone))


def _spec(form: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"topic": form.get("topic"), "audience": form.get("audience")}
    if spec["audience"] == "areas":
        spec["areas"] = form.getlist("areas")
    elif spec["audience"] == "polygon":
        try:
            spec["polygon"] = json.loads(form.get("polygon") or "null")
        except ValueError:
            spec["polygon"] = None
    elif spec["audience"] == "radius":
        for key in ("lat", "lon", "radius_m"):
            try:
                spec[key] = float(form.get(key) or "")
            except ValueError:
                spec[key] = None
    return spec


@bp.get("/broadcasts")
@allow("broadcasts.list")
def broadcasts_page() -> Any:
    return render_template(
        "admin/broadcasts.html",
        items=broadcasts.listing(me()),
        choices=_choices(),
        topics=broadcasts.BROADCAST_TOPICS,
        error=None,
        form={},
    )


@bp.post("/broadcasts/preview")
@allow("broadcasts.preview")
def broadcast_preview() -> Any:
    try:
        counts = broadcasts.preview(me(), _spec(request.form))
    except DomainError as exc:
        return render_template("admin/_preview.html", error=exc.message, field=exc.field)
    return render_template("admin/_preview.html", counts=counts, error=None)


@bp.post("/broadcasts")
@allow("broadcasts.create")
def broadcast_send() -> Any:
    form = request.form
    spec = _spec(form)
    spec["texts"] = {
        lang_: {"title": form.get(f"title_{lang_}", ""), "body": form.get(f"body_{lang_}", "")}
        for lang_ in LANGUAGES
        if form.get(f"title_{lang_}") or form.get(f"body_{lang_}")
    }
    spec["private"] = form.get("private") == "on"
    try:
        spec["send_at"] = _local(form.get("send_at"))
        spec["expires_at"] = _local(form.get("expires_at"))
        created = broadcasts.create(me(), spec)
    except DomainError as exc:
        return render_template(
            "admin/broadcasts.html",
            items=broadcasts.listing(me()),
            choices=_choices(),
            topics=broadcasts.BROADCAST_TOPICS,
            error=f"{exc.field}: {exc.message}",
            form=form,
        ), 422
    return redirect(url_for("web.broadcast_page", broadcast_id=created["id"]))


@bp.get("/broadcasts/<int:broadcast_id>")
@allow("broadcasts.get")
def broadcast_page(broadcast_id: int) -> Any:
    b = broadcasts.detail(me(), broadcast_id)
    if request.headers.get("HX-Request"):
        return render_template("admin/_broadcast_stats.html", b=b)
    return render_template("admin/broadcast.html", b=b)


def display_name(texts: dict[str, str] | None) -> str:
    staff = g.get("web_staff")
    fallback = staff.jurisdiction.default_language if staff is not None else "pl"
    return pick(texts, lang(), fallback)


bp.add_app_template_filter(display_name, "named")


# -- surveys -----------------------------------------------------------------------------------------------

SURVEY_EXAMPLE = {
    "key": "city-services",
    "title": {"pl": "Jak oceniasz usługi miasta?", "en": "How good are the city's services?"},
    "intro": {"pl": "Trzy krótkie pytania.", "en": "Three short questions."},
    "audience": "everyone",
    "questions": [
        {
            "code": "overall",
            "kind": "likert5",
            "required": True,
            "dont_know": True,
            "dimension": "overall",
            "text": {"pl": "Jak oceniasz usługi miasta?", "en": "How good are the city's services?"},
            "scale_labels": {"pl": ["bardzo źle", "źle", "średnio", "dobrze", "bardzo dobrze"]},
        },
        {"code": "recommend", "kind": "nps", "text": {"pl": "Czy poleciłbyś życie tutaj?", "en": "Recommend?"}},
        {"code": "comment", "kind": "text", "text": {"pl": "Uwagi", "en": "Comments"}},
    ],
}


def _survey_spec(raw: str) -> dict[str, Any]:
    """The definition typed in the page (JSON), checked by the API's own schema."""
    from marshmallow import ValidationError

    from admin.surveys import SurveyIn

    try:
        return dict(SurveyIn().load(json.loads(raw or "{}")))
    except ValueError as exc:
        raise DomainError(t("Not valid JSON: {e}", e=str(exc)), field="definition") from exc
    except ValidationError as exc:
        raise DomainError(json.dumps(exc.messages, ensure_ascii=False), field="definition") from exc


@bp.get("/surveys")
@allow("surveys.list")
def surveys_page() -> Any:
    return render_template(
        "admin/surveys.html",
        items=surveys_service.listing(me()),
        error=None,
        example=json.dumps(SURVEY_EXAMPLE, ensure_ascii=False, indent=2),
    )


@bp.post("/surveys")
@allow("surveys.create")
def survey_create() -> Any:
    try:
        made = surveys_service.create(me(), _survey_spec(request.form.get("definition", "")))
    except DomainError as exc:
        return render_template(
            "admin/surveys.html",
            items=surveys_service.listing(me()),
            error=f"{exc.field}: {exc.message}",
            example=request.form.get("definition", ""),
        ), 422
    return redirect(url_for("web.survey_page", survey_id=made["id"]))


def _survey_view(survey_id: int, error: str | None = None, status: int = 200) -> Any:
    definition = surveys_service.definition(me(), survey_id)
    preview_lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else lang()
    context = {
        "s": definition,
        "preview": surveys_service.preview(me(), survey_id, preview_lang),
        "preview_lang": preview_lang,
        "results": surveys_service.results(me(), survey_id),
        "definition_json": _definition_json(definition),
        "error": error,
    }
    return render_template("admin/survey.html", **context), status


def _definition_json(definition: dict[str, Any]) -> str:
    """The definition as the edit form shows it (only what SurveyIn accepts, no empty values)."""
    keys = ("key", "title", "intro", "service_codes", "audience", "areas", "reporter_services", "reporter_days")
    top = {k: definition[k] for k in keys if definition[k] is not None}
    questions = [{k: v for k, v in q.items() if v not in (None, [], {})} for q in definition["questions"]]
    return json.dumps({**top, "questions": questions}, ensure_ascii=False, indent=2, default=str)


@bp.get("/surveys/<int:survey_id>")
@allow("surveys.get")
def survey_page(survey_id: int) -> Any:
    return _survey_view(survey_id)


def _survey_action(name: str, endpoint: str, run: Callable[[int, Any], Any]) -> Callable[[int], Any]:
    def view(survey_id: int) -> Any:
        try:
            result = run(survey_id, request.form)
        except DomainError as exc:
            return _survey_view(survey_id, error=f"{exc.field or ''}: {exc.message}", status=exc.status)
        target = result.get("id", survey_id) if isinstance(result, dict) else survey_id
        return redirect(url_for("web.survey_page", survey_id=target))

    view.__name__ = f"survey_{name}"
    return allow(endpoint)(view)


@bp.get("/surveys/<int:survey_id>/responses.csv")
@allow("surveys.results")
def survey_export(survey_id: int) -> Any:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(surveys_service.export(me(), survey_id))
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="survey-{survey_id}-responses.csv"'},
    )


SURVEY_ACTIONS: dict[str, tuple[str, Callable[[int, Any], Any]]] = {
    "publish": ("surveys.publish", lambda sid, f: surveys_service.publish(me(), sid)),
    "close": ("surveys.close", lambda sid, f: surveys_service.close(me(), sid)),
    "edit": ("surveys.update", lambda sid, f: surveys_service.update(me(), sid, _survey_spec(f.get("definition")))),
    "invite": (
        "surveys.invite",
        lambda sid, f: surveys_service.invite(
            me(), sid, int(f.get("per_minute") or 1000) if (f.get("per_minute") or "1000").isdigit() else 1000
        ),
    ),
}
for _action_name, (_endpoint, _run) in SURVEY_ACTIONS.items():
    bp.add_url_rule(
        f"/surveys/<int:survey_id>/{_action_name}",
        view_func=_survey_action(_action_name, _endpoint, _run),
        methods=["POST"],
    )


# -- administration (admin role) ---------------------------------------------------------------------------


def _manage(error: str | None = None, status: int = 200) -> Any:
    return render_template(
        "admin/manage.html",
        data=administration.overview(me()),
        roles=ROLES,
        scopes=SCOPES,
        choices=_choices(),
        error=error,
        new_key=session.pop("new_key", None),
    ), status


@bp.get("/manage")
@allow("manage.view")
def manage() -> Any:
    return _manage()


def _manage_action(endpoint: str, run: Callable[[Any], Any]) -> Callable[[], Any]:
    def view() -> Any:
        try:
            run(request.form)
        except DomainError as exc:
            return _manage(error=f"{exc.field or ''}: {exc.message}", status=exc.status)
        return redirect(url_for("web.manage"))

    view.__name__ = endpoint.replace(".", "_")
    return allow(endpoint)(view)


def _new_key(form: Any) -> None:
    session["new_key"] = administration.add_key(me(), name=form.get("name", ""), scopes=form.getlist("scopes"))


MANAGE_ACTIONS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "/manage/staff": (
        "manage.staff_create",
        lambda f: administration.add_staff(
            me(),
            email=f.get("email", ""),
            password=f.get("password", ""),
            role=f.get("role", ""),
            department=f.get("department"),
            full_name=f.get("full_name"),
        ),
    ),
    "/manage/staff/active": (
        "manage.staff_active",
        lambda f: administration.set_staff_active(me(), int(f.get("staff_id") or 0), f.get("active") == "true"),
    ),
    "/manage/departments": (
        "manage.department_create",
        lambda f: administration.add_department(
            me(), code=f.get("code", ""), names={x: f.get(f"name_{x}", "") for x in LANGUAGES}, email=f.get("email")
        ),
    ),
    "/manage/services": (
        "manage.service_update",
        lambda f: administration.update_service(
            me(),
            f.get("code", ""),
            active={"true": True, "false": False}.get(f.get("active", "")),
            sla_hours=int(f["sla_hours"]) if (f.get("sla_hours") or "").isdigit() else None,
        ),
    ),
    "/manage/keys": ("manage.key_create", _new_key),
    "/manage/keys/revoke": ("manage.key_revoke", lambda f: administration.revoke_key(me(), int(f.get("key_id") or 0))),
}
for _rule, (_endpoint, _run) in MANAGE_ACTIONS.items():
    bp.add_url_rule(_rule, view_func=_manage_action(_endpoint, _run), methods=["POST"])
