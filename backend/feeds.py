"""Data feeds both HTTP APIs serve: JSON or CSV with the same values, paged, with a strong ETag; the indicator
values feed (staff API and open data)."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request
from marshmallow import Schema, fields, validate

from backend import indicators
from backend.indicators import VALUE_FIELDS
from backend.models import VALUE_PROVENANCES
from backend.spreadsheets import csv_text


def feed_response(
    items: list[dict[str, Any]],
    columns: tuple[str, ...],
    as_csv: bool,
    extra: dict[str, Any],
    cache: str = "private, no-cache",
    filename: str = "feed.csv",
) -> Response:
    """A data feed in JSON ({items, …extra}) or CSV (a header of `columns`, one line per item, the same values),
    with a strong ETag over the body so that a client's If-None-Match gets 304 while nothing changed."""
    if as_csv:
        lines = [["" if item.get(c) is None else _csv_cell(item.get(c)) for c in columns] for item in items]
        response = Response(
            csv_text([columns, *lines], lineterminator="\n"),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    else:
        response = Response(
            json.dumps({"items": items, **extra}, ensure_ascii=False, default=str), mimetype="application/json"
        )
    for key in ("total", "page", "per_page"):
        if key in extra:
            response.headers[f"X-{key.title().replace('_', '-')}"] = str(extra[key])
    response.headers["Cache-Control"] = cache
    response.headers["Vary"] = "Accept"
    response.add_etag()
    response.make_conditional(request)  # in place: a matching If-None-Match turns it into a 304
    return response


def _csv_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


_CODE = validate.Regexp(r"^[A-Za-z0-9_.:-]{1,64}$", error="not a code")
_PERIOD = validate.Regexp(r"^[0-9]{4}(-[0-9]{2}|-[Qq][1-4])?$", error="a period is YYYY-MM, YYYY-Qn or YYYY")


class ValuesQuery(Schema):
    indicator = fields.String(validate=_CODE, metadata={"description": "An indicator code"})
    period = fields.String(validate=_PERIOD, metadata={"description": "One period: 2026-03, 2026-Q1 or 2026"})
    since = fields.String(
        data_key="from", validate=_PERIOD, metadata={"description": "Periods starting at or after this one"}
    )
    until = fields.String(
        data_key="to", validate=_PERIOD, metadata={"description": "Periods starting before the end of this one"}
    )
    area = fields.String(validate=_CODE, metadata={"description": "An area code, or `total` for the municipality"})
    service = fields.String(validate=_CODE, metadata={"description": "A service code, or `total` for all services"})
    provenance = fields.String(validate=validate.OneOf(VALUE_PROVENANCES))
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "csv")),
        metadata={"description": "json (default) or csv; `Accept: text/csv` also gives CSV"},
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=10_000))


FEED_DOC = {
    "200": {
        "description": (
            "JSON `{items, total, page, per_page}` or CSV with the columns " + ", ".join(VALUE_FIELDS) + ". "
            "A value per indicator × period × service (null: all services) × area (null: the municipality) × "
            "provenance (operational, opt-in, representative: never mixed). Suppressed cells (n < 5) have no value, "
            "interval, numerator or denominator. Strong ETag; If-None-Match gives 304."
        )
    },
    "304": {"description": "Not modified"},
}


def values_feed(jurisdiction_id: int, query: dict[str, Any], public_only: bool, cache: str) -> Response:
    """The values feed (JSON or CSV, paged, with an ETag): the staff API's and the open-data endpoint's."""
    page, per_page = query["page"], query["per_page"]
    items, total = indicators.values(
        jurisdiction_id,
        indicator=query.get("indicator"),
        period=query.get("period"),
        since=query.get("since"),
        until=query.get("until"),
        area=query.get("area"),
        service=query.get("service"),
        provenance=query.get("provenance"),
        public_only=public_only,
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    as_csv = query["format"] == "csv" or request.accept_mimetypes.best == "text/csv"
    return feed_response(
        items,
        VALUE_FIELDS,
        as_csv,
        {"total": total, "page": page, "per_page": per_page},
        cache=cache,
        filename="indicator-values.csv",
    )
