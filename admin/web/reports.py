"""The triage pages: the queue with its filters and map, bulk actions, a report's page and the actions on it
(each under the report's ETag; a stale form shows what someone else changed meanwhile), photo moderation."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, render_template, request

from admin.web.common import allow, bp, choices, lang, may, me, t
from backend import cities, triage
from backend.errors import DomainError
from backend.fields import FIRST_YEAR, LAST_YEAR, form_int, whole_number
from backend.i18n import gettext
from backend.input_guard import parse_json
from backend.models import OPEN_STATUSES, REPORT_CHANNELS, STATUSES
from backend.vocabulary import label

# -- the queue and its map ---------------------------------------------------------------------------------

#: The queue's orders in words (translated where shown), in the order of the sort list.
SORT_LABELS = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "due": "Due soonest",
    "updated": "Recently updated",
}


def _codes(args: Any, name: str) -> list[str]:
    """The non-empty values of a repeated query parameter."""
    return [v for v in args.getlist(name) if v]


def filters_from(args: Any) -> triage.QueueFilters:
    f: triage.QueueFilters = {}
    if status := _codes(args, "status"):
        f["status"] = status
    if service := _codes(args, "service"):
        f["service"] = service
    if department := _codes(args, "department"):
        f["department"] = department
    if area := _codes(args, "area"):
        f["area"] = area
    if priority := _codes(args, "priority"):
        f["priority"] = priority
    if channel := _codes(args, "channel"):
        f["channel"] = channel
    overdue = args.get("overdue")
    if overdue in ("true", "false"):
        f["overdue"] = overdue == "true"
    elif overdue:
        message = gettext("Unknown value of the overdue filter: {0}. Allowed: {1}.")
        allowed = ", ".join((gettext("Overdue"), gettext("On time")))
        raise DomainError(message.format(overdue[:40], allowed), field="overdue")
    if args.get("q"):
        f["q"] = args.get("q")[:200]
    if since := _day(args, "since"):  # dates of the municipality (the end date included)
        f["since"] = since
    if until := _day(args, "until"):
        f["until"] = until + timedelta(days=1)
    return f


def _day(args: Any, name: str) -> datetime | None:
    """A date of the municipality, as the start of that day (None when absent; refused when not a date)."""
    value = args.get(name)
    if not value:
        return None
    try:
        day = datetime.fromisoformat(value)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:  # a day after it must exist, and the database's calendar
            raise ValueError(value)
        return day.replace(tzinfo=ZoneInfo(me().jurisdiction.timezone))
    except ValueError as exc:
        raise DomainError(gettext("Not a date (YYYY-MM-DD): {0}.").format(value[:40]), field=name) from exc


@bp.get("/queue")
@allow("reports.list")
def queue_page() -> Any:
    """The queue; a filter naming nothing (or a range ending before it starts) shows the page with why (422)."""
    requested = request.args.get("sort") or "newest"
    sort = requested if requested in triage.SORTS else "newest"
    page: triage.QueuePage
    f: triage.QueueFilters = {}
    status = 200
    try:
        f = filters_from(request.args)
        if requested not in triage.SORTS:
            message = gettext("Unknown sort order: {0}. Allowed: {1}.")
            allowed = ", ".join(gettext(words) for words in SORT_LABELS.values())
            raise DomainError(message.format(requested[:40], allowed), field="sort")
        page = triage.queue_page(me(), f, sort=sort, cursor=request.args.get("cursor") or None, limit=50)
    except DomainError as exc:
        page, status = {"items": [], "counts": {}, "next_cursor": None, "counts_exact": True, "error": exc.message}, 422
    context = {
        "page": page,
        "f": f,
        "sort": sort,
        "query": request.query_string.decode(),
        "statuses": STATUSES,
        "channels": REPORT_CHANNELS,
        "sorts": SORT_LABELS,
        "choices": choices(),
        "open_statuses": OPEN_STATUSES,
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        return render_template("admin/_results.html", **context)  # htmx swaps in 2xx answers only
    return render_template("admin/queue.html", **context), status


@bp.get("/queue/points.json")
@allow("reports.list")
def queue_points() -> Any:
    """The map's points of the queue's selection, each with its status in words for the tooltip."""
    points = triage.map_points(me(), filters_from(request.args), limit=2000)
    return {"points": [{**p, "status_label": label(p["status"], lang(), "report_status")} for p in points]}


@bp.get("/areas.geojson")
@allow("reports.list")
def areas_geojson() -> Any:
    return Response(cities.areas_geojson(me().jurisdiction_id, lang()), mimetype="application/geo+json")


@bp.post("/queue/bulk")
@allow("reports.bulk")
def bulk() -> Any:
    f = request.form
    ids = [(n, v) for v in f.getlist("ids") if (n := whole_number(v)) is not None]
    items = [triage.BulkItem(n, f.get(f"etag_{v}", "")) for n, v in ids]
    command: triage.ChangeStatus | triage.Assign | None = None
    if f.get("action") == "status":
        command = triage.ChangeStatus(f.get("status") or "", f.get("reason") or None)
    elif f.get("action") == "assign":
        command = triage.Assign(f.get("department") or None)
    results = triage.bulk(me(), items, command) if items and command else []
    return render_template("admin/_bulk_result.html", results=results)


# -- a report ----------------------------------------------------------------------------------------------


#: The fields of each action's form: a refusal naming one of them is shown next to it.
FORM_FIELDS = {
    "status": ("status", "reason", "body"),
    "reply": ("body",),
    "note": ("body",),
    "move": ("address",),
    "moderate": ("visibility", "description"),
}


@bp.app_template_filter("city_time")
def city_time(moment: datetime | None, seconds: bool = False) -> str:
    """A moment in the time of the staff member's municipality (the time its people live by)."""
    if moment is None:
        return "—"
    local = moment.astimezone(ZoneInfo(me().jurisdiction.timezone))
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def _templates(view: triage.StaffReport) -> list[tuple[str, str]]:
    """The reply templates as the menu shows them: each with this report's details filled in."""
    department = view["department"]
    filled = {"public_id": view["public_id"], "department": department["name"] if department else "—"}
    return [
        (status, f"{label(status, lang(), 'report_status')}: {t(items[0], **filled)}")
        for status, items in triage.REPLY_TEMPLATES.items()
    ]


def _panel(
    report_id: int,
    *,
    message: str | None = None,
    error: str | None = None,
    changed: list[str] | None = None,
    refused: dict[str, str] | None = None,
    status: int = 200,
) -> Any:
    view = triage.report_detail(me(), report_id)
    context = {
        "r": view,
        "kind": lambda k: triage.event_kind(k, lang()),
        "message": message,
        "error": error,
        "changed": changed or [],
        "refused": refused or {},
        "kept": request.form if refused else {},
        "choices": choices(),
        "reasons": triage.REJECT_REASONS,
        "templates": _templates(view),
        "next_statuses": sorted(triage.TRANSITIONS.get(view["status"], ())),
        "snapshot": json.dumps(_snapshot(view)),
    }
    return render_template("admin/_report.html", **context), status


def _snapshot(view: triage.StaffReport) -> dict[str, Any]:
    """What a form saw of the report: compared with the report when someone else changed it meanwhile."""
    department = view["department"]
    return {
        "status": view["status"],
        "priority": view["priority"],
        "department": None if department is None else department["code"],
        "service": view["service_code"],
        "description": view["description"],
        "hidden": view["hidden"],
        "events": len(view["timeline"]),
    }


def _what_changed(seen: dict[str, Any], now: dict[str, Any], timeline: list[triage.TimelineEntry]) -> list[str]:
    """What changed since the form was loaded, in words."""
    out = []
    labels = {
        "status": t("Status"),
        "priority": t("Priority"),
        "department": t("Department"),
        "service": t("Service"),
        "description": t("Description"),
        "hidden": t("Hidden"),
    }
    for key, field in labels.items():
        if seen.get(key) != now.get(key):
            out.append(f"{field}: {_words(key, seen.get(key))} → {_words(key, now.get(key))}")
    for event in timeline[int(seen.get("events") or 0) :]:
        status = label(event.get("to_status"), lang(), "report_status")
        detail = " ".join(x for x in (triage.event_kind(event["kind"], lang()), status, event.get("body")) if x)
        out.append(f"{t('New entry')}: {detail}")
    return out


def _words(key: str, value: Any) -> str:
    """A value of the report's snapshot in words: labels for statuses and priorities, names for codes."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return t("Yes") if value else t("No")
    if key in ("status", "priority"):
        return label(str(value), lang(), "report_status" if key == "status" else "priority")
    if key in ("department", "service"):
        named = {c.code: c.name for c in choices()["departments" if key == "department" else "services"]}
        return named.get(value, str(value))
    return str(value)


@bp.get("/reports/<int:report_id>")
@allow("reports.get")
def report_page(report_id: int) -> Any:
    panel, _ = _panel(report_id)
    audit = triage.audit_trail(me(), report_id, lang()) if may("reports.audit") else []
    return render_template("admin/report.html", panel=panel, audit=audit, report_id=report_id)


def _act(report_id: int, action: str) -> Any:
    """Run an action of the triage map on the report with the version the form saw; the report's panel again,
    saved or refused."""
    form = request.form
    try:
        triage.perform(me(), report_id, form.get("etag", ""), _command(action))
    except triage.PreconditionFailed:
        current = triage.report_detail(me(), report_id)
        try:
            seen = parse_json(form.get("snapshot") or "{}", "snapshot", "form")
        except ValueError:
            seen = {}
        return _panel(
            report_id,
            error=t("Someone else changed this report while you had it open. Nothing was saved; here is what changed:"),
            changed=_what_changed(seen, _snapshot(current), current["timeline"]),
        )
    except DomainError as exc:
        field, words = exc.field, exc.message
        if action == "move" and exc.code == "AddressNotFound":
            field, words = "address", t("This address was not found. Check the street name and the house number.")
        if field in FORM_FIELDS.get(action, ()):  # next to the field, the form kept as it was sent
            return _panel(report_id, refused={"action": action, "field": field, "message": words})
        return _panel(report_id, error=words)
    return _panel(report_id, message=t("Saved."))


def _body() -> str:
    """The form's text (a reply or a note), which must not be empty."""
    body = (request.form.get("body") or "").strip()
    if not body:
        raise DomainError(gettext("Missing data for required field."), field="body")
    return body


def _command(action: str) -> triage.Command:
    """The form of a report's panel read as the command of `action` (the form's own field names)."""
    f = request.form
    match action:
        case "status":
            return triage.ChangeStatus(f.get("status", ""), f.get("reason") or None, f.get("body") or None)
        case "assign":
            return triage.Assign(department=f.get("department") or None)
        case "priority":
            return triage.SetPriority(f.get("priority", ""))
        case "reply":
            return triage.Reply(_body())
        case "template_reply":
            return triage.ReplyFromTemplate(f.get("template_status", ""), form_int(f, "index", 0))
        case "note":
            return triage.Note(_body())
        case "recategorise":
            return triage.Recategorise(f.get("service", ""))
        case "move":
            return triage.Move(address=f.get("address") or None)
        case "merge":
            return triage.Merge(form_int(f, "master_id", 0))
        case _:
            hidden = {"hide": True, "show": False}.get(f.get("visibility", ""))
            return triage.ModerateText(hidden=hidden, description=f.get("description") or None)


@bp.post("/reports/<int:report_id>/status")
@allow("reports.status")
def report_status(report_id: int) -> Any:
    return _act(report_id, "status")


@bp.post("/reports/<int:report_id>/assign")
@allow("reports.assign")
def report_assign(report_id: int) -> Any:
    return _act(report_id, "assign")


@bp.post("/reports/<int:report_id>/priority")
@allow("reports.priority")
def report_priority(report_id: int) -> Any:
    return _act(report_id, "priority")


@bp.post("/reports/<int:report_id>/reply")
@allow("reports.reply")
def report_reply(report_id: int) -> Any:
    return _act(report_id, "reply")


@bp.post("/reports/<int:report_id>/template_reply")
@allow("reports.template_reply")
def report_template_reply(report_id: int) -> Any:
    return _act(report_id, "template_reply")


@bp.post("/reports/<int:report_id>/note")
@allow("reports.note")
def report_note(report_id: int) -> Any:
    return _act(report_id, "note")


@bp.post("/reports/<int:report_id>/recategorise")
@allow("reports.recategorise")
def report_recategorise(report_id: int) -> Any:
    return _act(report_id, "recategorise")


@bp.post("/reports/<int:report_id>/move")
@allow("reports.move")
def report_move(report_id: int) -> Any:
    return _act(report_id, "move")


@bp.post("/reports/<int:report_id>/merge")
@allow("reports.merge")
def report_merge(report_id: int) -> Any:
    return _act(report_id, "merge")


@bp.post("/reports/<int:report_id>/moderate")
@allow("reports.moderate")
def report_moderate(report_id: int) -> Any:
    return _act(report_id, "moderate")


@bp.post("/photos/<bigint:photo_id>/moderation")
@allow("photos.moderate")
def photo_moderation(photo_id: int) -> Any:
    try:
        result = triage.moderate_photo(me(), photo_id, request.form.get("approve") == "true")
    except DomainError as exc:
        return Response(exc.message, status=exc.status)
    return _panel(result.report_id, message=t("Saved."))
