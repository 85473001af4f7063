"""What the Open311 use cases take: typed values the HTTP side builds from a request's parameters.

The values check their own rules when they are made (a window whose end is before its start, a box that is
not one, a page out of range), so a caller builds them in the order it wants those refusals to come.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from backend.errors import DomainError
from backend.i18n import gettext
from backend.reporting import MAX_DESCRIPTION

__all__ = [
    "INT4_MAX",
    "MAX_DESCRIPTION",
    "MAX_PAGE",
    "BBox",
    "Open311Request",
    "Page",
    "RequestQuery",
    "Window",
    "row_id",
]

#: The most requests one page of a query holds, and the most ids one query may ask for.
MAX_PAGE = 1000
#: The largest values of PostgreSQL's integer and bigint columns.
INT4_MAX, INT8_MAX = 2**31 - 1, 2**63 - 1


def row_id(text: str, most: int = INT8_MAX) -> int | None:
    """The database id a reference names (ASCII digits, 1 to `most`, the column's range), or None if it names none."""
    if text.isascii() and text.isdigit() and len(text) <= len(str(most)) and 1 <= int(text) <= most:
        return int(text)
    return None


@dataclass(frozen=True)
class Open311Request:
    """A service request to file (checked for form already: a service code, a usable location if any)."""

    service_code: str
    lat: float | None = None
    lon: float | None = None
    #: The address as written by the client; with no point, it is looked up in the address register.
    address: str | None = None
    #: An address register id: places the request when no point is given.
    address_id: str | None = None
    description: str = ""
    #: Answers keyed by question code: one value, or a list for a multi-valued answer.
    attributes: dict[str, str | list[str]] = field(default_factory=dict)
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    #: A link to a photo elsewhere: kept as a link, never fetched.
    media_url: str | None = None
    device_id: str | None = None
    account_id: str | None = None


@dataclass(frozen=True)
class Window:
    """Requested between `start` and `end` (either may be open); refused when the end is before the start."""

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise DomainError(gettext("end_date is before start_date"), field="end_date")


@dataclass(frozen=True)
class BBox:
    """A box in WGS84 degrees; refused unless min < max within the world's bounds."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def __post_init__(self) -> None:
        if not (-180 <= self.min_lon < self.max_lon <= 180 and -90 <= self.min_lat < self.max_lat <= 90):
            raise DomainError(gettext("bbox is minLon,minLat,maxLon,maxLat"), field="bbox")


@dataclass(frozen=True)
class Page:
    """Which page of the answer (from 1) and how many requests per page (1 to MAX_PAGE)."""

    number: int = 1
    size: int = MAX_PAGE

    def __post_init__(self) -> None:
        if self.number < 1 or not 1 <= self.size <= MAX_PAGE:
            raise DomainError(gettext("page >= 1 and 1 <= page_size <= {max}", max=MAX_PAGE), field="page_size")


@dataclass(frozen=True)
class RequestQuery:
    """The requests asked for: by id (every other filter ignored), or by the filters.

    None means a filter was not given; an empty tuple of ids or service codes was given and matches nothing.
    Without a start, the window opens DEFAULT_WINDOW before its end (or before now).
    """

    ids: tuple[str, ...] | None = None
    service_codes: tuple[str, ...] | None = None
    requested: Window = field(default_factory=Window)
    #: True: closed requests only; False: open ones only; None: both.
    closed: bool | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    bbox: BBox | None = None
    page: Page = field(default_factory=Page)

    def __post_init__(self) -> None:
        after, before = self.updated_after, self.updated_before
        if after is not None and before is not None and before < after:
            raise DomainError(gettext("updated_before is before updated_after"), field="updated_before")
