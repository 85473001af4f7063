"""The resident website's two pages that need this browser's device: "Report a problem" (/report) and "My reports"
(/my-reports). The pages are the form's and the list's frame; the script (static/report.js) fills them from /api/v1
(services, addresses, locate, nearby, devices, reports, photos, supports, me/reports), so the site has no second
business path. Without JavaScript they say so (the API and the app remain)."""

from __future__ import annotations

import json

from flask import Response

from backend.vocabulary import ReportStatus, label
from mobile_api.site.pages import choose, pages, render
from mobile_api.site.place import Place, place

#: The words the script shows, by key (each rendered in the page's language into a data-t-<key> attribute).
TEXTS = {
    "geo-asking": "Finding your location…",
    "geo-refused": "This browser did not share your location. Allow it in the browser's settings, or move the pin "
    "on the map, or type the address below.",
    "geo-unavailable": "Your location could not be found. Move the pin on the map, or type the address below.",
    "outside": "This point is outside the municipalities served here. Move the pin into {city}, or type an address.",
    "no-address": "No address matches. Check the street name, or move the pin on the map instead.",
    "searching": "Searching…",
    "addresses-found": "Addresses found: {n}. Choose one.",
    "near": "Near {address}",
    "district": "District: {name}",
    "no-point": "Choose the place first: your location, the pin on the map or an address.",
    "no-service": "Choose what the problem is.",
    "required": "Answer this question.",
    "services-match": "Services matching: {n}",
    "no-services-match": "No service matches. Try another word, or choose from the list.",
    "nearby-intro": "Is it one of these? Say “Me too” instead of sending the same problem again.",
    "nearby-none": "No open report of this kind nearby: yours will be the first.",
    "me-too": "Me too",
    "supported": "You support report {id}. No need to send it again: you can follow it on its page.",
    "away": "{m} m away",
    "supporters": "Supported by {n}",
    "photo-too-many": "At most five photos.",
    "photo-not-image": "{name} is not a picture.",
    "photo-ready": "{name}, ready to send",
    "remove": "Remove {name}",
    "sending": "Sending…",
    "photo-failed": "The report was sent, but photo {name} was not: {reason}",
    "failed": "The report could not be sent: {reason}",
    "offline": "No connection. Your report is kept on this page: try again when you are online.",
    "fix-fields": "Some answers need your attention (see the fields marked below).",
    "mine-empty": "You have not reported anything from this browser yet.",
    "supported-empty": "You do not support any report from this browser yet.",
    "required-mark": "(required)",
    "choose-service": "Choose a service",
    "yours": "You sent this report.",
    "load-failed": "Your reports could not be loaded. Try again later.",
}


def _texts(where: Place) -> dict[str, str]:
    return {key: where.t(words) for key, words in TEXTS.items()}


@pages.get("/report")
@pages.get("/m/<slug>/report")
def report_form(slug: str | None = None) -> Response:
    """Report a problem: where, what (with the service's questions), description, photos, the open reports nearby
    ("me too" instead of a duplicate), contact or anonymous; then the public id and the report's page."""
    where = place(slug)
    if where.municipality is None:
        return choose(where, "/report")
    return render("resident/site/report_form.html", where, texts=_texts(where))


@pages.get("/my-reports")
@pages.get("/m/<slug>/my-reports")
def my_reports(slug: str | None = None) -> Response:
    """The reports this browser filed or supported, each with its status in words and a link to its page."""
    where = place(slug)
    statuses = json.dumps({code.value: label(code, where.lang, ReportStatus) for code in ReportStatus})
    return render("resident/site/my_reports.html", where, texts=_texts(where), statuses=statuses)
