"""Open311 GeoReport v2 under /open311/v2, in JSON and XML; errors in the spec's own format.

The routes parse Open311's parameters into the use cases' typed inputs (protocol), call backend.open311 and
answer its typed results in Open311's fields (wire) and formats (formats)."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from backend import open311 as o311
from backend.api import register_error_format
from backend.errors import DomainError, NotFound
from backend.i18n import gettext
from mobile_api.open311 import protocol, wire
from mobile_api.open311.edges import FORMATS, POST_LIMITS, answer_format, cors, http_error
from mobile_api.open311.formats import errors, render

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
bp.after_request(cors)
CHANGESET = "2026-11-24T00:00:00Z"


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound(gettext("unknown format .{fmt}; use .json or .xml", fmt=fmt), field="format")
    return fmt


def _param(name: str) -> str | None:
    """A parameter from the query string or the form; an empty value counts as absent."""
    value = request.values.get(name)
    return value.strip() or None if value is not None else None


def _params(*names: str) -> dict[str, str | None]:
    return {n: _param(n) for n in names}


def _locale() -> str | None:
    return _param("locale") or request.accept_languages.best_match(["pl", "uk", "en"])


@bp.errorhandler(DomainError)
def _refused(exc: DomainError) -> Response:
    status, items = protocol.error_list(exc)
    return errors(answer_format(), status, items)


bp.register_error_handler(HTTPException, http_error)


def _any_error(exc: Exception) -> Response:
    """An error under /open311/v2 before any of its routes matched (unknown path, 405), in the spec's format."""
    return cors(_refused(exc)) if isinstance(exc, DomainError) else http_error(cast(HTTPException, exc))


bp.record_once(lambda state: register_error_format(cast(Flask, state.app), bp.url_prefix or "", _any_error))


@bp.get("/discovery.<fmt>")
def discovery(fmt: str) -> Response:
    settings = current_app.config["HROMADA_SETTINGS"]
    base = settings.public_base(request.host_url) + "/open311/v2"  # the Host header only in development
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
    items = o311.service_list(j, _locale()) if j else []
    return render(fmt, "services", [wire.service(s) for s in items])


@bp.get("/services/<code>.<fmt>")
def service_definition(code: str, fmt: str) -> Response:
    _fmt(fmt)
    j = o311.jurisdiction(_param("jurisdiction_id"))
    if j is None:
        raise NotFound(gettext("no jurisdiction"), field="jurisdiction_id")
    return render(fmt, "service_definition", wire.service_definition(o311.service_definition(j, code, _locale())))


@bp.post("/requests.<fmt>")
@POST_LIMITS[0]
@POST_LIMITS[1]
def post_request(fmt: str) -> Response:
    _fmt(fmt)
    values: dict[str, list[str]] = {k: request.values.getlist(k) for k in request.values}
    filing = protocol.submission(values)
    media = request.files.get("media")
    jurisdiction_id, api_key = protocol.one(values, "jurisdiction_id"), protocol.one(values, "api_key")
    result = o311.submit(jurisdiction_id, api_key, filing, media.stream if media else None)
    return render(fmt, "service_requests", [wire.submitted(result, filing.account_id)], 201)


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
    if j is None:
        return render(fmt, "service_requests", [])
    params = _params(*QUERY)
    found = o311.query(j, protocol.request_query(params, j.timezone), _locale())
    extensions = protocol.wants_extensions(params)
    return render(fmt, "service_requests", [wire.service_request(r, j.timezone, extensions) for r in found])


@bp.get("/requests/<ref>.<fmt>")
def get_request(ref: str, fmt: str) -> Response:
    _fmt(fmt)
    j = o311.jurisdiction(_param("jurisdiction_id"))
    if j is None:
        raise NotFound(gettext("service request {ref} not found", ref=ref), field="service_request_id")
    found = o311.one_request(j, ref, _locale())
    extensions = protocol.wants_extensions(_params("extensions"))
    return render(fmt, "service_requests", [wire.service_request(found, j.timezone, extensions)])


@bp.get("/tokens/<value>.<fmt>")
def get_token(value: str, fmt: str) -> Response:
    _fmt(fmt)
    j = o311.jurisdiction(_param("jurisdiction_id"))
    if j is None:
        raise NotFound(gettext("token {value} not found", value=value), field="token")
    return render(fmt, "service_requests", [wire.token(o311.token(j, value))])
