"""Open311 GeoReport v2 under /open311/v2, in JSON and XML; errors in the spec's own format."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from backend import open311 as o311
from backend.errors import DomainError
from backend.open311 import Open311Error
from mobile_api.open311.formats import errors, render

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMATS = ("json", "xml")
CHANGESET = "2026-11-24T00:00:00Z"


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error.one(404, f"unknown format .{fmt}; use .json or .xml")
    return fmt


def _param(name: str) -> str | None:
    """A parameter from the query string or the form; an empty value counts as absent."""
    value = request.values.get(name)
    return value.strip() or None if value is not None else None


def _params(*names: str) -> dict[str, str | None]:
    return {n: _param(n) for n in names}


def _locale() -> str | None:
    return _param("locale") or request.accept_languages.best_match(["pl", "uk", "en"])


@bp.errorhandler(Open311Error)
def _open311_error(exc: Open311Error) -> Response:
    fmt = (request.view_args or {}).get("fmt", "json")
    return errors(fmt if fmt in FORMATS else "json", exc.status, exc.errors)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Response:
    fmt = (request.view_args or {}).get("fmt", "json")
    status = exc.status if exc.status in (403, 404, 413, 415) else 400
    return errors(fmt if fmt in FORMATS else "json", status, [(status, exc.message)])


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    fmt = (request.view_args or {}).get("fmt", "json")
    code = exc.code or 500
    return errors(fmt if fmt in FORMATS else "json", code, [(code, exc.description or exc.name)])


@bp.get("/discovery.<fmt>")
def discovery(fmt: str) -> Response:
    base = request.host_url.rstrip("/") + "/open311/v2"
    settings = current_app.config["HROMADA_SETTINGS"]
    body = {
        "changeset": CHANGESET,
        "contact": settings.extra.get("OPEN311_CONTACT", "Contact your city's 311 team."),
        "key_service": "API keys are issued by the city's administrators (hromada create-api-key).",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(_fmt(fmt), "discovery", body)


@bp.get("/services.<fmt>")
def services(fmt: str) -> Response:
    _fmt(fmt)
    j = o311.jurisdiction(_param("jurisdiction_id"))
    return render(fmt, "services", o311.service_list(j, _locale()) if j else [])


@bp.get("/services/<code>.<fmt>")
def service_definition(code: str, fmt: str) -> Response:
    _fmt(fmt)
    j = o311.jurisdiction(_param("jurisdiction_id"))
    if j is None:
        raise Open311Error.one(404, "no jurisdiction")
    return render(fmt, "service_definition", o311.service_definition(j, code, _locale()))


@bp.post("/requests.<fmt>")
def post_request(fmt: str) -> Response:
    _fmt(fmt)
    values: dict[str, list[str]] = {k: request.values.getlist(k) for k in request.values}
    media = request.files.get("media")
    result = o311.submit(values, media.stream if media else None)
    return render(fmt, "service_requests", [result], 201)


QUERY = (
    "service_request_id",
    "service_code",
    "start_date",
    "end_date",
    "status",
    "page",
    "page_size",
    "updated_after",
    "updated_before",
    "bbox",
    "extensions",
)


@bp.get("/requests.<fmt>")
def get_requests(fmt: str) -> Response:
    _fmt(fmt)
    j = o311.jurisdiction(_param("jurisdiction_id"))
    items: list[Any] = o311.query(j, _params(*QUERY), _locale()) if j else []
    return render(fmt, "service_requests", items)


@bp.get("/requests/<ref>.<fmt>")
def get_request(ref: str, fmt: str) -> Response:
    _fmt(fmt)
    j = o311.jurisdiction(_param("jurisdiction_id"))
    if j is None:
        raise Open311Error.one(404, f"service request {ref} not found")
    return render(fmt, "service_requests", [o311.one_request(j, ref, _params("extensions"), _locale())])


@bp.get("/tokens/<value>.<fmt>")
def get_token(value: str, fmt: str) -> Response:
    _fmt(fmt)
    j = o311.jurisdiction(_param("jurisdiction_id"))
    if j is None:
        raise Open311Error.one(404, f"token {value} not found")
    return render(fmt, "service_requests", [o311.token(j, value)])
