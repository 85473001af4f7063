"""Open311 GeoReport v2's protocol, without Flask: its parameters parsed into the use cases' typed inputs,
W3C dates, and refusals turned into the spec's error list [(code, description), ...]."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from backend import open311 as o311
from backend.errors import DomainError
from backend.i18n import gettext

#: attribute[CODE] (one value) and attribute[CODE][] (a list).
ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HTTP_URL = re.compile(r"^https?://\S+$")
#: The longest value each text parameter of POST requests may have (what the report keeps of it).
MAX_LENGTHS = {
    "service_code": 64,
    "address_string": 300,
    "email": 254,
    "first_name": 99,
    "last_name": 99,
    "phone": 40,
    "media_url": 2000,
    "device_id": 200,
    "account_id": 200,
}
#: The statuses a refusal keeps; any other is answered as 400.
KEPT_STATUSES = (403, 404, 413, 415, 429)
#: A date without a time (W3C-DTF's YYYY-MM-DD).
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The years a date parameter may name.
FIRST_YEAR, LAST_YEAR = 1900, 2999
#: A service request id as given: a public id (KRK-2026-000123) or a database id.
REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
#: The highest page number a query may ask for.
MAX_PAGE_NUMBER = 100_000

#: A request's parameters: every value given for each name (query string and form together).
Values = Mapping[str, list[str]]
#: A query's parameters: one value per name, stripped, None when absent or blank.
Params = Mapping[str, str | None]


class FormRefused(DomainError):
    """Every problem of a submitted form at once (400), each naming its parameter."""

    status = 400

    def __init__(self, problems: list[DomainError]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


# -- dates ----------------------------------------------------------------------------------------------------


def w3c(value: datetime | None, tz: str) -> str | None:
    """A W3C date-time: ISO 8601 with the timezone's offset and no fractional seconds (None stays None)."""
    return None if value is None else value.astimezone(ZoneInfo(tz)).replace(microsecond=0).isoformat()


def parse_w3c(name: str, value: str | None, tz: str = "UTC", *, end: bool = False) -> datetime | None:
    """A W3C date or date-time parameter (None when absent); InputRefused naming `name` otherwise.

    W3C-DTF allows a date alone and a time without offset: both are read in `tz` (the municipality's time
    zone). A date alone is the start of that day, or with `end` its last moment (an end date includes its day).
    """
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        if DATE_ONLY.match(text):
            parsed = datetime.combine(date.fromisoformat(text), time.max if end else time.min)
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise o311.InputRefused(
            gettext("not a W3C date or date-time, e.g. 2026-01-31 or 2026-01-31T00:00:00Z"), field=name
        ) from exc
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise o311.InputRefused(
            gettext("the year must be between {first} and {last}", first=FIRST_YEAR, last=LAST_YEAR), field=name
        )
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=ZoneInfo(tz))


def whole(name: str, value: str | None, default: int, most: int) -> int:
    """A whole-number parameter from 1 to `most` in ASCII digits (`default` when absent); InputRefused otherwise."""
    if not value:
        return default
    if not (value.isascii() and value.isdigit() and len(value) <= len(str(most)) and 1 <= int(value) <= most):
        raise o311.InputRefused(gettext("a whole number from 1 to {most}", most=most), field=name)
    return int(value)


# -- POST requests ---------------------------------------------------------------------------------------------


def one(values: Values, name: str) -> str | None:
    """The last value given for a parameter, stripped; None when absent or blank."""
    items = values.get(name) or []
    return items[-1].strip() or None if items else None


def attributes(values: Values) -> dict[str, str | list[str]]:
    """The attribute[CODE] (one value, the last) and attribute[CODE][] (a list) parameters by question code."""
    out: dict[str, str | list[str]] = {}
    for key, items in values.items():
        match = ATTRIBUTE.match(key)
        given = [x for x in items if x.strip()]  # an empty parameter is an absent one
        if match and given:
            out[match.group(1)] = given if match.group(2) else given[-1]
    return out


def _point(values: Values, problems: list[DomainError]) -> tuple[float, float] | None:
    """(lon, lat) from lat and long; a problem when they are unusable, or when no location at all is given."""
    lat, lon = one(values, "lat"), one(values, "long")
    if lat or lon:
        try:
            point = (float(lon or ""), float(lat or ""))
        except ValueError:
            point = None
        if point is not None and -180 <= point[0] <= 180 and -90 <= point[1] <= 90:
            return point
        problems.append(DomainError(gettext("lat and long must be WGS84 decimal degrees, given together"), field="lat"))
    elif not one(values, "address_string") and not one(values, "address_id"):
        problems.append(
            DomainError(gettext("a location is required: lat and long, address_string or address_id"), field="location")
        )
    return None


def _is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a host and no whitespace."""
    if not HTTP_URL.match(value):
        return False
    try:
        return bool(urlsplit(value).hostname)
    except ValueError:
        return False


def _form_problems(values: Values) -> tuple[tuple[float, float] | None, list[DomainError]]:
    """The point given (if usable) and what is wrong with the form, in the parameters' order."""
    problems: list[DomainError] = []
    if not one(values, "service_code"):
        problems.append(DomainError(gettext("service_code is required"), field="service_code"))
    point = _point(values, problems)
    if len(one(values, "description") or "") > o311.MAX_DESCRIPTION:
        problems.append(
            DomainError(
                gettext("description is longer than {max} characters", max=o311.MAX_DESCRIPTION), field="description"
            )
        )
    for name, most in MAX_LENGTHS.items():
        if len(one(values, name) or "") > most:
            problems.append(
                DomainError(gettext("{name} is longer than {max} characters", name=name, max=most), field=name)
            )
    email = one(values, "email")
    if email and len(email) <= MAX_LENGTHS["email"] and not EMAIL.match(email):
        problems.append(DomainError(gettext("email is not an e-mail address"), field="email"))
    media_url = one(values, "media_url")
    if media_url and not _is_http_url(media_url):
        problems.append(DomainError(gettext("media_url must be an http(s) URL"), field="media_url"))
    return point, problems


def submission(values: Values) -> o311.Open311Request:
    """The request to file from POST requests' parameters; FormRefused with every problem found at once."""
    point, problems = _form_problems(values)
    if problems:
        raise FormRefused(problems)
    names = (one(values, "first_name"), one(values, "last_name"))
    return o311.Open311Request(
        service_code=one(values, "service_code") or "",
        lon=point[0] if point else None,
        lat=point[1] if point else None,
        address=one(values, "address_string"),
        address_id=one(values, "address_id"),
        description=one(values, "description") or "",
        attributes=attributes(values),
        name=" ".join(x for x in names if x) or None,
        email=one(values, "email"),
        phone=one(values, "phone"),
        media_url=one(values, "media_url"),
        device_id=one(values, "device_id"),
        account_id=one(values, "account_id"),
    )


# -- GET requests ----------------------------------------------------------------------------------------------


def split(value: str | None) -> tuple[str, ...] | None:
    """A comma-separated parameter's items, stripped (None when the parameter is absent)."""
    return None if not value else tuple(x.strip() for x in value.split(",") if x.strip())


def closed(value: str | None) -> bool | None:
    """The status filter (open, closed or both, comma-separated): True closed only, False open only, None both."""
    wanted = set(split(value) or ())
    if wanted - {"open", "closed"}:
        raise o311.InputRefused(gettext("status is open, closed or both (comma-separated)"), field="status")
    return None if len(wanted) != 1 else wanted == {"closed"}


def bbox(value: str | None) -> o311.BBox | None:
    """The bbox extension: minLon,minLat,maxLon,maxLat in degrees (None when absent)."""
    if not value:
        return None
    try:
        edges = [float(x) for x in value.split(",")]
    except ValueError as exc:
        raise DomainError(gettext("bbox is minLon,minLat,maxLon,maxLat"), field="bbox") from exc
    if len(edges) != 4:
        raise DomainError(gettext("bbox is minLon,minLat,maxLon,maxLat"), field="bbox")
    return o311.BBox(*edges)


def page(params: Params) -> o311.Page:
    """page (from 1) and page_size (at most MAX_PAGE, the default)."""
    return o311.Page(
        whole("page", params.get("page"), 1, MAX_PAGE_NUMBER),
        whole("page_size", params.get("page_size"), o311.MAX_PAGE, o311.MAX_PAGE),
    )


def request_ids(value: str | None) -> tuple[str, ...] | None:
    """The service_request_id list: at most MAX_PAGE ids, each a public or database id; None when absent."""
    ids = split(value)
    if ids is None:
        return None
    if len(ids) > o311.MAX_PAGE or not all(REQUEST_ID.match(x) for x in ids):
        raise o311.InputRefused(
            gettext("up to {max} service request ids (e.g. KRK-2026-000123), comma-separated", max=o311.MAX_PAGE),
            field="service_request_id",
        )
    return ids


def request_query(params: Params, tz: str = "UTC") -> o311.RequestQuery:
    """GET requests' filters, refused one at a time in the spec's order; ids given override every other filter.

    Dates without an offset are read in `tz`, the municipality's time zone."""
    ids = request_ids(params.get("service_request_id"))
    if ids is not None:
        return o311.RequestQuery(ids=ids, page=page(params))
    return o311.RequestQuery(
        service_codes=split(params.get("service_code")),
        requested=o311.Window(
            parse_w3c("start_date", params.get("start_date"), tz),
            parse_w3c("end_date", params.get("end_date"), tz, end=True),
        ),
        closed=closed(params.get("status")),
        updated_after=parse_w3c("updated_after", params.get("updated_after"), tz),
        updated_before=parse_w3c("updated_before", params.get("updated_before"), tz, end=True),
        bbox=bbox(params.get("bbox")),
        page=page(params),
    )


def wants_extensions(params: Params) -> bool:
    """Whether extensions=true was asked for."""
    return (params.get("extensions") or "").lower() == "true"


# -- errors ----------------------------------------------------------------------------------------------------


def parameter(field: str) -> str:
    """The Open311 parameter a use case's input is given as."""
    if field.startswith("attributes."):
        return f"attribute[{field.removeprefix('attributes.')}]"
    return {"address": "address_string"}.get(field, field)


def describe(exc: DomainError) -> str:
    """An error's description: a refused input as `parameter: reason`, any other refusal as its message."""
    if isinstance(exc, o311.InputRefused) and exc.field:
        return f"{parameter(exc.field)}: {exc.message}"
    return exc.message


def error_list(exc: DomainError) -> tuple[int, list[tuple[int, str]]]:
    """The HTTP status and the spec's [(code, description), ...] of a refusal."""
    if isinstance(exc, FormRefused):
        return exc.status, [(exc.status, describe(p)) for p in exc.problems]
    status = exc.status if exc.status in KEPT_STATUSES else 400
    return status, [(status, describe(exc))]
