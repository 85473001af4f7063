"""The resident website's pages: home, the public map, a report's public page. Server-rendered (they work
without JavaScript), from the same use cases as /api/v1; the scripts only add the maps and "me too"."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Blueprint, Response, render_template, request

from backend import cities, reporting
from backend.errors import DomainError
from backend.vocabulary import OPEN_REPORT_STATUSES, ReportStatus, label
from mobile_api.site.place import LANGUAGE_NAMES, Place, place, report_place

#: The timeline's kinds of entry, in words.
ENTRY_WORDS = {
    "created": "Reported",
    "status": "Status change",
    "reply": "Reply from the city",
    "recategorised": "Category change",
    "moved": "Location change",
    "merged": "Merge",
}
#: The map's status filter: the groups first, then each status.
STATUS_GROUPS = (("open", "All open"), ("closed", "All finished"))
RECENT_ON_HOME = 8
RECENT_ON_MAP = 20

pages = Blueprint("site_pages", __name__)


def render(template: str, where: Place, status: int = 200, **context: Any) -> Response:
    """A page of the site in `where`'s language."""
    municipality = where.municipality

    def when(moment: datetime) -> str:
        zone = ZoneInfo(municipality.timezone) if municipality else None
        locale = {"pl": "pl_PL", "uk": "uk_UA"}.get(where.lang, "en_GB")
        return format_datetime(moment, "d MMMM y, HH:mm", tzinfo=zone, locale=locale)

    html = render_template(
        template,
        where=where,
        lang=where.lang,
        t=where.t,
        when=when,
        status_words=lambda code: label(code, where.lang, ReportStatus),
        language_names=LANGUAGE_NAMES,
        **context,
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "Accept-Language"
    return response


def choose(where: Place, page: str) -> Response:
    """With several municipalities and none named by the address: the list to choose from."""
    return render("resident/site/choose.html", where, municipalities=cities.site_municipalities(), page=page)


@pages.get("/")
@pages.get("/m/<slug>/")
def home(slug: str | None = None) -> Response:
    """What the site is for, where to go, and the municipality's latest public reports."""
    where = place(slug)
    if where.municipality is None:
        return choose(where, "/")
    recent = reporting.recent_public(where.municipality.code, where.lang, limit=RECENT_ON_HOME)
    return render("resident/site/home.html", where, recent=recent)


@pages.get("/map")
@pages.get("/m/<slug>/map")
def public_map(slug: str | None = None) -> Response:
    """The public map with its status and service filters; the latest matching reports listed below it."""
    where = place(slug)
    if where.municipality is None:
        return choose(where, "/map")
    code = where.municipality.code
    chosen = {"status": request.args.get("status", ""), "service": request.args.get("service", "")}
    services = reporting.service_catalogue(lon=None, lat=None, jurisdiction_code=code, device_locale=where.lang)
    refused, status = None, 200
    try:
        recent = reporting.recent_public(
            code, where.lang, limit=RECENT_ON_MAP, status=chosen["status"] or None, service=chosen["service"] or None
        )
    except DomainError as exc:
        recent, refused, status = [], exc, 422
    return render(
        "resident/site/map.html",
        where,
        status,
        recent=recent,
        services=services.services,
        chosen=chosen,
        refused=refused,
        status_groups=STATUS_GROUPS,
        statuses=list(ReportStatus),
    )


@pages.get("/reports/<public_id>")
def report(public_id: str) -> Response:
    """A report's public page: what, where, its status and public timeline, photos, and "me too"."""
    detail = reporting.public_detail(public_id, None, lang=request.args.get("lang"))
    where = report_place(detail.jurisdiction.code)
    can_support = detail.status in OPEN_REPORT_STATUSES and not detail.merged_into
    return render("resident/site/report.html", where, report=detail, entry_words=ENTRY_WORDS, can_support=can_support)
