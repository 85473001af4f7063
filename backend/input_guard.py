"""Bad input stops at the edge, once, for every API and the web forms: text that is not UTF-8, NUL bytes, C0
controls other than TAB, LF and CR and lone surrogates in the path, the query string, a form or a JSON body; JSON
nested too deeply or with numbers no field can hold (thousands of digits, NaN, Infinity, 1e999999); numbers in a
URL beyond what the database stores. Each refusal is a 4xx naming the part and the field, in the answer format of
where it was sent (the shared JSON shape, Open311's format, the staff UI's error page)."""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter

from backend.errors import DomainError, NotFound
from backend.fields import BIGINT_MAX, INT_MAX
from backend.i18n import gettext

log = logging.getLogger(__name__)

#: The largest id, page or count the database stores (PostgreSQL's integer).
#: How deep a JSON body may nest (the deepest document the APIs take has 4 levels).
MAX_JSON_DEPTH = 32
#: The most digits an integer in a JSON body may have (more is beyond any field, and Python's int parser
#: refuses beyond 4300).
MAX_JSON_DIGITS = 40
#: Staff credentials, which the sign-in, password and second-factor use cases check themselves: a control
#: character there is answered like any wrong e-mail, password or code (the same status and page for a staff
#: member's address and a stranger's), a new password with one is refused saying why.
CREDENTIAL_FIELDS = frozenset({"email", "password", "new_password", "current_password", "totp"})
STAFF_PREFIXES = ("/admin/", "/api/admin/")
#: NUL, the C0 controls other than TAB, LF and CR, and lone surrogates (only a JSON escape can make those).
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


class BadInput(DomainError):
    """A request part that no field of the app accepts; `location` is path, query, form or json. `template` and
    `params` are the message before translation, for pages whose language is known only after this refusal."""

    status = 400

    def __init__(
        self, template: str, *, field: str, location: str, status: int = 400, params: dict[str, Any] | None = None
    ) -> None:
        super().__init__(gettext(template, **(params or {})), field=field, code="BadInput")
        self.location = location
        self.status = status
        self.template = template
        self.params = params or {}

    @property
    def names_a_field(self) -> bool:
        """Whether the message names a field or part by its code (a page says it in words instead)."""
        return "{field}" in self.template


#: The refusals of text: a character that is not allowed, or bytes that are not UTF-8.
NOT_ALLOWED = "{field} contains a character that is not allowed (NUL or a control character)."
NOT_UTF8 = "{field} is not valid UTF-8 text."


class BadPath(BadInput, NotFound):
    """A path no route can have (the resource it names cannot exist): 404."""

    def __init__(self, template: str) -> None:
        super().__init__(template, field="path", location="path", status=404, params={"field": "path"})


class DatabaseInteger(IntegerConverter):
    """`<int:…>` in a route: ASCII digits within the database's integer (beyond it the route matches nothing);
    `<bigint:…>` for a bigint column."""

    regex = r"[0-9]{1,19}"
    signed_regex = r"-?[0-9]{1,19}"

    def __init__(
        self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = INT_MAX, signed: bool = False
    ) -> None:
        super().__init__(
            map,
            fixed_digits=fixed_digits,
            min=min if min is not None else (-INT_MAX if signed else 0),
            max=max,
            signed=signed,
        )


class DatabaseBigInteger(DatabaseInteger):
    """`<bigint:…>` in a route: the id of a bigint column (notifications, photos)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = BIGINT_MAX) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def init_app(app: Flask) -> None:
    """Bound the routes' integers and check every request before its view (call before adding routes)."""
    app.url_map.converters["int"] = DatabaseInteger
    app.url_map.converters["bigint"] = DatabaseBigInteger
    app.before_request(check_request)
    register_data_errors(app)


def check_request() -> None:
    """Refuse what no view accepts (raises BadInput)."""
    environ = request.environ
    try:
        path = environ.get("PATH_INFO", "").encode("latin-1", "replace").decode("utf-8")
    except UnicodeDecodeError:
        path = "\ufffd"
    if "\ufffd" in path:  # bytes that were not UTF-8 (or what a decoder made of them): no route has them
        raise BadPath(NOT_UTF8)
    if FORBIDDEN.search(path):
        raise BadPath(NOT_ALLOWED)
    _check_pairs(_wsgi_bytes(environ.get("QUERY_STRING", ""), "query"), "query")
    own = CREDENTIAL_FIELDS if path.startswith(STAFF_PREFIXES) else frozenset()
    if request.mimetype == "application/x-www-form-urlencoded":
        _check_pairs(request.get_data(cache=True), "form", own)
    elif request.mimetype == "multipart/form-data":
        _check_multipart()
    elif request.is_json and request.content_length != 0:
        raw = request.get_data(cache=True)
        if raw.strip():
            check_json(raw, own)


def _check_multipart() -> None:
    """Every part named, its name and (for a field) its value free of forbidden characters."""
    for name, values in request.form.lists():
        if not name:
            raise _nameless()
        for value in (name, *values):
            if FORBIDDEN.search(value):
                raise _forbidden(name, "form")
    for name in request.files:
        if not name:
            raise _nameless()
        if FORBIDDEN.search(name):
            raise _forbidden(name, "form")


def _wsgi_bytes(text: str, location: str) -> bytes:
    """The bytes a WSGI server received (it hands them over as latin-1 text)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        raise BadInput(NOT_UTF8, field=location, location=location, params={"field": location}) from None


def _check_pairs(encoded: bytes, location: str, own: frozenset[str] = frozenset()) -> None:
    """`name=value&…` as received: each name and value, once percent-decoded, UTF-8 without forbidden characters."""
    for pair in encoded.split(b"&"):
        if not pair:
            continue
        raw_name, _, raw_value = pair.partition(b"=")
        name = _text(unquote_to_bytes(raw_name.replace(b"+", b" ")), location, location)
        if FORBIDDEN.search(name):
            raise _forbidden(location, location)
        if name in own:
            continue
        value = _text(unquote_to_bytes(raw_value.replace(b"+", b" ")), name, location)
        if FORBIDDEN.search(value):
            raise _forbidden(name, location)


def _text(raw: bytes, field: str, location: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(NOT_UTF8, field=field, location=location, params={"field": _shown(field)}) from None


def _nameless() -> BadInput:
    return BadInput("A part of the form has no name.", field="form", location="form")


def _forbidden(field: str, location: str, status: int = 400) -> BadInput:
    return BadInput(NOT_ALLOWED, field=field, location=location, status=status, params={"field": _shown(field)})


def _shown(field: str) -> str:
    return repr(field[:60]) if FORBIDDEN.search(field) else field[:60]


class _OutOfRange(str):
    """A number in a JSON body that no field holds, kept as its text until it is reported with its field."""


def _number(text: str) -> Any:
    digits = text.lstrip("-")
    if len(digits) > MAX_JSON_DIGITS:
        return _OutOfRange(text)
    return int(text)


def _float(text: str) -> Any:
    value = float(text)
    return value if math.isfinite(value) and len(text) <= 400 else _OutOfRange(text)


def check_json(raw: bytes, own: frozenset[str] = frozenset()) -> None:
    """A JSON body: UTF-8 and within `parse_json`'s rules (but for the top-level fields `own`, whose use case
    checks them). Malformed JSON is left to the schemas (their own 400)."""
    text = _text(raw, "json", "json")
    try:
        parse_json(text, own=own)
    except ValueError:
        return


def parse_json(text: str, field: str = "", location: str = "json", own: frozenset[str] = frozenset()) -> Any:
    """JSON nested at most MAX_JSON_DEPTH deep, its numbers finite and of sane size, its keys and strings free of
    NUL and control characters (else BadInput naming the field; `field` is the form field holding the JSON, if
    any); malformed JSON raises ValueError as `json.loads` does."""
    try:
        document = json.loads(text, parse_int=_number, parse_float=_float, parse_constant=_OutOfRange)
    except RecursionError:
        raise _too_deep(field or "json", location) from None
    stack: list[tuple[Any, str, int]] = [(document, field, 1)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _too_deep(field or "json", location)
        if isinstance(value, _OutOfRange):
            raise BadInput(
                "{field}: the number is out of range.",
                field=where or "json",
                location=location,
                status=422,
                params={"field": where or "json"},
            )
        if isinstance(value, str):
            if FORBIDDEN.search(value) and where not in own:
                raise _forbidden(where or "json", location, 422)
        elif isinstance(value, dict):
            for key, item in value.items():
                if FORBIDDEN.search(key):
                    raise _forbidden(where or "json", location, 422)
                stack.append((item, f"{where}.{key}" if where else key, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value))
    return document


def _too_deep(field: str, location: str) -> BadInput:
    template = "The JSON body is nested too deeply (at most {n} levels)."
    return BadInput(template, field=field, location=location, params={"n": MAX_JSON_DEPTH})


def register_data_errors(app: Flask) -> None:
    """The safety net behind the checks above: a value the database refuses (a number out of its range, text it
    cannot store, a date beyond its calendar) is a 422 in the answer format of the route, never a 500; the
    transaction is rolled back and the refusal logged without the statement's values."""

    @app.errorhandler(DataError)
    def value_refused(exc: DataError) -> ResponseReturnValue:
        s = g.get("db_session")
        if s is not None:
            s.rollback()
        log.warning(
            "the database refused a value (SQLSTATE %s, %s) on %s %s",
            getattr(exc.orig, "sqlstate", None),
            type(exc.orig).__name__,
            request.method,
            request.url_rule,
        )
        refusal = DomainError(gettext("A value is out of range or malformed."), code="ValueRefused")
        return current_app.handle_user_exception(refusal)
