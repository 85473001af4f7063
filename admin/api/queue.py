"""The triage queue in the staff API: filtered and sorted cursor pages with counts, overdue reports per
department, and bulk changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any, cast

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, post_dump, post_load, validate, validates_schema

from admin.api.auth import BEARER, allow, current_staff
from admin.api.blueprint import blp
from admin.api.entity_tags import EntityTag
from backend import triage
from backend.fields import AwareDateTime, DateTime, Int
from backend.i18n import gettext
from backend.models import PRIORITIES, REPORT_CHANNELS, STATUSES


class CsvList(fields.Field):
    """A comma-separated list in a query string (of `choices` only, when given: `unknown` says which are not)."""

    def __init__(self, choices: tuple[str, ...] | None = None, unknown: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices, self.unknown = choices, unknown

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        items = [v.strip() for v in str(value).split(",") if v.strip()]
        if not items or any(len(v) > 64 for v in items):
            raise ValidationError("A comma-separated list of codes.")
        bad = [v for v in items if self.choices is not None and v not in self.choices]
        if bad and self.choices is not None:
            raise ValidationError(gettext(self.unknown).format(", ".join(bad), ", ".join(self.choices)))
        return items


@dataclass(frozen=True, slots=True)
class QueueRequest:
    """The queue's query string: the filters, and the page wanted."""

    filters: triage.QueueFilters
    sort: str
    cursor: str | None
    limit: int


class QueueQuery(Schema):
    status = CsvList(
        STATUSES,
        "Unknown status: {0}. Allowed: {1}.",
        load_default=None,
        metadata={"type": "string", "description": "Statuses, comma-separated"},
    )
    service = CsvList(load_default=None, metadata={"type": "string"})
    department = CsvList(load_default=None, metadata={"type": "string"})
    area = CsvList(load_default=None, metadata={"type": "string"})
    priority = CsvList(
        PRIORITIES, "Unknown priority: {0}. Allowed: {1}.", load_default=None, metadata={"type": "string"}
    )
    channel = CsvList(
        REPORT_CHANNELS,
        "Unknown channel: {0}. Allowed: {1}.",
        load_default=None,
        metadata={"type": "string", "description": "How the reports reached the city (app, web, open311…)"},
    )
    overdue = fields.Boolean(load_default=None)
    hidden = fields.Boolean(load_default=None)
    assignee_id = Int(load_default=None)
    since = AwareDateTime(load_default=None, default_timezone=UTC)
    until = AwareDateTime(load_default=None, default_timezone=UTC)
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    sort = fields.String(load_default="newest", validate=validate.OneOf(triage.SORTS))
    cursor = fields.String(load_default=None, validate=validate.Length(max=200))
    limit = Int(load_default=50, validate=validate.Range(min=1, max=200))

    @validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("The start of the range is after its end.", "since")

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> QueueRequest:
        page = {k: data.pop(k) for k in ("sort", "cursor", "limit")}
        # what is left are the filters, exactly the keys of QueueFilters
        return QueueRequest(cast(triage.QueueFilters, data), page["sort"], page["cursor"], page["limit"])


class CodeName(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class QueuePhoto(Schema):
    id = Int(required=True)
    url = fields.String(required=True)
    thumbnail_url = fields.String(allow_none=True)


class QueueItem(Schema):
    id = Int(required=True)
    public_id = fields.String(required=True)
    service_code = fields.String(required=True)
    service_name = fields.String(required=True)
    description = fields.String(required=True)
    status = fields.String(required=True)
    priority = fields.String(required=True)
    hidden = fields.Boolean(required=True)
    overdue = fields.Boolean(required=True, metadata={"description": "Open and past its SLA due time"})
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    address = fields.String(allow_none=True)
    jurisdiction = fields.Nested(CodeName, required=True)
    area = fields.Nested(CodeName, allow_none=True)
    department = fields.Nested(CodeName, allow_none=True)
    assignee_id = Int(allow_none=True)
    etag = fields.String(required=True, metadata={"description": "The report's version, for If-Match (bulk too)"})
    requested_at = DateTime(required=True)
    updated_at = DateTime(required=True)
    sla_due_at = DateTime(allow_none=True)
    support_count = Int(required=True)
    merged_into = Int(allow_none=True, metadata={"description": "Id of the report this was merged into"})
    photos = fields.List(
        fields.Nested(QueuePhoto),
        required=True,
        metadata={"description": "Approved photos (the detail lists all of them)"},
    )


class QueueOut(Schema):
    items = fields.List(fields.Nested(QueueItem))
    next_cursor = fields.String(allow_none=True)
    counts = fields.Dict(
        keys=fields.String(),
        values=Int(),
        metadata={"description": "Reports per status for the same filters (status aside)"},
    )
    counts_exact = fields.Boolean(
        metadata={
            "description": "False when a search, a date range or a channel matched more than 10,000 reports: the "
            "counts are then lower bounds (show them as 'at least')"
        }
    )


@blp.route("/reports")
class Queue(MethodView):
    @allow("reports.list")
    @blp.arguments(QueueQuery, location="query")
    @blp.response(200, QueueOut)
    @blp.doc(security=[BEARER])
    def get(self, query: QueueRequest) -> triage.QueuePage:
        """The triage queue: filters, full text `q`, sorting, cursor pages, counts per status."""
        return triage.queue_page(
            current_staff(), query.filters, sort=query.sort, cursor=query.cursor, limit=query.limit
        )


class BulkItem(Schema):
    id = Int(required=True)
    etag = EntityTag(required=True, metadata={"description": "The report's ETag, as its If-Match would carry it"})


class BulkIn(Schema):
    action = fields.String(required=True, validate=validate.OneOf(triage.BULK_ACTIONS))
    items = fields.List(fields.Nested(BulkItem), required=True, validate=validate.Length(min=1, max=200))
    status = fields.String(load_default=None)
    reason = fields.String(load_default=None)
    department = fields.String(load_default=None)
    assignee_id = Int(load_default=None)


class BulkResult(Schema):
    id = Int()
    status = Int(metadata={"description": "The HTTP status this item would have had on its own"})
    etag = fields.String(metadata={"description": "The new version (a change that was made)"})
    message = fields.String(metadata={"description": "Why not (a change that was refused)"})

    @post_dump
    def only_what_applies(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {k: v for k, v in data.items() if v is not None}


class OverdueOut(Schema):
    by_department = fields.Dict(
        keys=fields.String(),
        values=Int(),
        metadata={"description": "Department code ('-' for none) -> overdue open reports"},
    )


@blp.route("/reports/overdue")
class Overdue(MethodView):
    @allow("reports.overdue")
    @blp.response(200, OverdueOut)
    @blp.doc(security=[BEARER])
    def get(self) -> dict[str, Any]:
        """Open reports past their SLA due time, per department code."""
        return {"by_department": triage.overdue_by_department(current_staff())}


@blp.route("/reports/bulk")
class Bulk(MethodView):
    @allow("reports.bulk")
    @blp.arguments(BulkIn)
    @blp.response(200, BulkResult(many=True))
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any]) -> Any:
        """Assign or change the status of many reports; each is checked (ETag included) and audited alone."""
        command: triage.ChangeStatus | triage.Assign
        if data["action"] == "status":
            command = triage.ChangeStatus(data["status"] or "", data["reason"])
        else:
            command = triage.Assign(data["department"], data["assignee_id"])
        items = [triage.BulkItem(item["id"], item["etag"]) for item in data["items"]]
        return triage.bulk(current_staff(), items, command)
