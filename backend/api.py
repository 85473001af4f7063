"""What both HTTP APIs share: one error shape, localized messages, the API class."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, has_request_context, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from backend.errors import DomainError
from backend.i18n import gettext, translate_error

#: Default messages per status (English msgids; translated per request).
DEFAULT_MESSAGES = {
    400: "The request could not be understood.",
    401: "Authentication required.",
    403: "You are not allowed to do this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    409: "The request conflicts with the current state.",
    413: "The request is too large.",
    415: "Unsupported media type.",
    422: "The request contains invalid data.",
    428: "A precondition is required.",
    429: "Too many requests; try again later.",
    500: "An unexpected error occurred.",
    503: "The service is temporarily unavailable; try again shortly.",
}


def _translate_tree(errors: Any) -> Any:
    if isinstance(errors, dict):
        return {k: _translate_tree(v) for k, v in errors.items()}
    if isinstance(errors, list):
        return [_translate_tree(v) for v in errors]
    if isinstance(errors, str):
        return translate_error(errors)
    return errors


def error_response(
    code: int,
    message: str | None = None,
    errors: Any = None,
    headers: dict[str, str] | None = None,
    *,
    translated: bool = False,
    **params: Any,
) -> Response:
    """The one error shape: {code, status, message, errors}; message in the request's language (a use case's
    DomainError arrives `translated` already: use cases raise their messages through `gettext`)."""
    text = message or DEFAULT_MESSAGES.get(code, "Error")
    payload: dict[str, Any] = {
        "code": code,
        "status": HTTP_STATUS_CODES.get(code, "Error"),
        "message": text if translated and message else gettext(text, **params),
    }
    if errors:
        payload["errors"] = _translate_tree(errors)
    response = _in_own_format(code, payload["message"]) or jsonify(payload)
    response.status_code = code
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


#: Where answers use an error format of their own (Open311's): path prefix -> renderer of an HTTPException or
#: DomainError, registered by the HTTP package (`register_error_format`); used for failures before any route
#: of that package matched (an unknown path, a method not allowed, a refusal before routing).
ERROR_FORMATS = "hromada.error_formats"


def register_error_format(app: Flask, prefix: str, render: Callable[[Exception], Response | None]) -> None:
    """Answer HTTP errors and domain errors under `prefix` with `render` instead of the shared shape (where it
    answers None, the shared shape)."""
    app.extensions.setdefault(ERROR_FORMATS, {})[prefix] = render


def own_error_format(exc: Exception) -> Response | None:
    """The answer of the error format registered for this request's path, if one is."""
    for prefix, render in current_app.extensions.get(ERROR_FORMATS, {}).items():
        if request.path.startswith(prefix):
            answer: Response | None = render(exc)
            if answer is not None:
                return answer
    return None


def _in_own_format(code: int, message: str) -> Response | None:
    """The error in the format registered for this request's path (a 500 or 503 under /open311 too), if any."""
    if not has_request_context():
        return None
    error = HTTPException(description=message)
    error.code = code
    return own_error_format(error)


class HromadaApi(Api):
    """flask-smorest's Api with localized error messages."""

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        own = own_error_format(error)
        if own is not None:
            return own
        data = getattr(error, "data", None) or {}
        code = error.code or 500
        message = data.get("message")
        if message is None and code == 429:
            message = DEFAULT_MESSAGES[429]
        errors = data.get("errors") or data.get("messages")
        headers = dict(data.get("headers") or {})
        if hasattr(error, "get_headers"):
            for key, value in error.get_headers():
                if key.lower() not in ("content-type", "content-length"):
                    headers.setdefault(key, value)
        return error_response(code, message, errors, headers)


def register_domain_errors(app: Flask) -> None:
    """Domain errors from use cases become 4xx in the shared shape, naming the field."""

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Response:
        own = own_error_format(exc)
        if own is not None:
            return own
        where = getattr(exc, "location", "json")  # a refusal at the edge names the part: path, query, form, json
        errors = {where: {exc.field: [exc.message]}} if exc.field else None
        wait = getattr(exc, "retry_after", None)  # a refusal for now (e.g. too many wrong codes): how long
        headers = {"Retry-After": str(wait)} if isinstance(wait, int) else None
        return error_response(exc.status, exc.message, errors, headers, translated=True)
