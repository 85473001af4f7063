"""Open311 GeoReport v2's protocol, without Flask: its parameters parsed into the use cases' typed inputs,
W3C dates, and refusals turned into the spec's error list [(code, description), ...]."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from backend import open311 as o311
from backend.errors import DomainError
from backend.i18n import gettext

#: attribute[CODE] (one value) and attribute[CODE][] (a list).
ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HTTP_URL = re.compile(r"^https?://\S+$")
#: The statuses a refusal keeps; any other is answered as 400.
KEPT_STATUSES = (403, 404, 413, 415)

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


def parse_w3c(name: str, value: str | None) -> datetime | None:
    """A W3C date-time parameter with an offset or Z (None when absent); InputRefused naming `name` otherwise."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise o311.InputRefused(gettext("not a W3C date-time, e.g. 2026-01-31T00:00:00Z"), field=name) from exc
    if parsed.tzinfo is None:
        raise o311.InputRefused(gettext("give an offset or Z"), field=name)
    return parsed


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
    email = one(values, "email")
    if email and not EMAIL.match(email):
        problems.append(DomainError(gettext("email is not an e-mail address"), field="email"))
    media_url = one(values, "media_url")
    if media_url and not HTTP_URL.match(media_url):
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
        raise DomainError(gettext("status is open, closed or both (comma-separated)"), field="status")
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
    try:
        number, size = int(params.get("page") or 1), int(params.get("page_size") or o311.MAX_PAGE)
    except ValueError as exc:
        raise DomainError(gettext("page and page_size are whole numbers"), field="page") from exc
    return o311.Page(number, size)


def request_query(params: Params) -> o311.RequestQuery:
    """GET requests' filters, refused one at a time in the spec's order; ids given override every other filter."""
    ids = split(params.get("service_request_id"))
    if ids is not None:
        return o311.RequestQuery(ids=ids, page=page(params))
    return o311.RequestQuery(
        service_codes=split(params.get("service_code")),
        requested=o311.Window(
            parse_w3c("start_date", params.get("start_date")), parse_w3c("end_date", params.get("end_date"))
        ),
        closed=closed(params.get("status")),
        updated_after=parse_w3c("updated_after", params.get("updated_after")),
        updated_before=parse_w3c("updated_before", params.get("updated_before")),
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
