"""The schemas' numbers and dates, bounded by what the database stores: an id, page, cursor or count beyond
PostgreSQL's integer, or a date outside 1900–2200, is a 422 naming the field, never an error of the database or
of Python's calendar. Every schema of the HTTP packages declares its integers and dates with these."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields, validate

from backend.errors import DomainError
from backend.i18n import gettext

#: PostgreSQL's integer, and its bigint (the ids of the large tables: notifications, photos, audit entries).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
#: The years a date may have (a report, survey or broadcast of this era, with room on both sides).
FIRST_YEAR, LAST_YEAR = 1900, 2200


class Int(fields.Integer):
    """An integer the database's integer holds (further limits through `validate` as usual)."""

    bounds = (INT_MIN, INT_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.validators.insert(0, validate.Range(min=self.bounds[0], max=self.bounds[1]))

    def _validated(self, value: Any) -> int:
        number: int = super()._validated(value)
        if not self.bounds[0] <= number <= self.bounds[1]:
            raise ValidationError(
                f"Must be greater than or equal to {self.bounds[0]} and less than or equal to {self.bounds[1]}."
            )
        return number


class BigInt(Int):
    """An integer the database's bigint holds."""

    bounds = (BIGINT_MIN, BIGINT_MAX)


def _within_years(value: dt.date | None) -> None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError("The year must be between 1900 and 2200.")  # the msgid of its translations


class _BoundedYears(fields.DateTime):
    """A date and time between the years 1900 and 2200 (a year beyond Python's calendar is invalid, not a crash)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        try:
            parsed: dt.datetime = super()._deserialize(value, attr, data, **kwargs)
        except OverflowError:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None
        _within_years(parsed)
        return parsed


class DateTime(_BoundedYears):
    """A date and time between the years 1900 and 2200."""


class AwareDateTime(_BoundedYears, fields.AwareDateTime):
    """A date and time with an offset (or the field's default time zone) between the years 1900 and 2200."""


class Date(fields.Date):
    """A calendar date between the years 1900 and 2200."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        parsed: dt.date = super()._deserialize(value, attr, data, **kwargs)
        _within_years(parsed)
        return parsed


def whole_number(text: str | None, low: int = 0, high: int = INT_MAX) -> int | None:
    """ASCII digits naming a number within [low, high], else None (`str.isdigit` also takes '²', which `int`
    refuses, and '١٢٣')."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if low <= number <= high else None


def form_int(form: Any, name: str, default: int, low: int = 0, high: int = INT_MAX) -> int:
    """A whole number from a web form (`default` when the field is left empty); anything else is refused with
    a message naming the field."""
    text = form.get(name)
    if not text:
        return default
    number = whole_number(text, low, high)
    if number is None:
        raise DomainError(
            gettext("{field}: a whole number from {low} to {high} is needed.", field=name, low=low, high=high),
            field=name,
        )
    return number
