"""What every Open311 answer gets at the edge: CORS for reading, the limits on filing, and HTTP errors (unknown
paths, 405, 413, 429, ...) in the spec's error format."""

from __future__ import annotations

import hashlib

from flask import Response, request
from werkzeug.exceptions import HTTPException

from backend.api import DEFAULT_MESSAGES
from backend.i18n import gettext
from backend.ratelimit import client_ip, limit_setting, limiter
from mobile_api.open311.formats import errors

FORMATS = ("json", "xml")
#: Methods a page on another site may use to read Open311 (map widgets); POST carries an api_key and stays
#: between servers.
CORS_METHODS = ("GET", "HEAD")
#: Headers of an HTTP error worth keeping in the spec's answer (405's Allow, 429's and 503's Retry-After).
KEPT_HEADERS = ("Allow", "Retry-After")


def answer_format() -> str:
    """The format an answer (an error too) is given in: the path's suffix when it is .xml, JSON otherwise."""
    fmt = (request.view_args or {}).get("fmt")
    if fmt is None:
        fmt = request.path.rpartition(".")[2] if "." in request.path.rpartition("/")[2] else "json"
    return fmt if fmt in FORMATS else "json"


def http_error(exc: HTTPException) -> Response:
    """An HTTP error (routing, size, limits) in the spec's format, with its status and Allow/Retry-After."""
    code = exc.code or 500
    own = exc.description if exc.description != type(exc).description else None  # werkzeug's default is English
    text = own or (gettext(DEFAULT_MESSAGES[code]) if code in DEFAULT_MESSAGES else exc.name)
    if code == 429 and own:  # the limit's own text is only "2 per 1 minute"
        text = f"{gettext(DEFAULT_MESSAGES[429])} ({own})"
    response = errors(answer_format(), code, [(code, text)])
    for name, value in exc.get_headers():
        if name in KEPT_HEADERS:
            response.headers[name] = value
    return cors(response)


def cors(response: Response) -> Response:
    """Any site's scripts may read GET answers (without credentials); a preflight for GET is answered, one for
    another method gets no CORS headers, so the browser refuses it."""
    if request.method in CORS_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method") in CORS_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = ", ".join(CORS_METHODS)
        response.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language, If-None-Match"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def api_key_bucket() -> str:
    """The per-key limit's counter: the API key's hash, or the client's address when no key is given."""
    try:
        key = (request.values.get("api_key") or "").strip()
    except HTTPException:  # an unreadable body: the view refuses it (e.g. 413)
        key = ""
    if not key:
        return f"open311-ip:{client_ip()}"
    return "open311-key:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


#: Filing requests: per API key, and per client address.
POST_LIMITS = (
    limiter.limit(
        lambda: limit_setting("RATE_LIMIT_OPEN311_POST_PER_KEY"),
        key_func=api_key_bucket,
        methods=["POST"],
        scope="open311-post-key",
    ),
    limiter.limit(
        lambda: limit_setting("RATE_LIMIT_OPEN311_POST_PER_IP"),
        key_func=client_ip,
        methods=["POST"],
        scope="open311-post-ip",
    ),
)
