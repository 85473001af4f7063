"""The staff API (/api/admin): sign-in, the caller, report detail, photo moderation, the audit log."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from admin.auth import BEARER, allow, current_staff, identify
from backend import audit
from backend.api import error_response
from backend.staff import sign_in as staff_auth
from backend.staff.sign_in import LockedOut
from backend.triage import actions as triage
from backend.triage import detail as staff_reports
from backend.triage import queue

blp = Blueprint("staff", __name__, url_prefix="/api/admin", description="Staff: triage and moderation.")
blp.before_request(identify)


class LoginIn(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024), load_only=True)


class TokenOut(Schema):
    token = fields.String(metadata={"description": "Bearer token for the admin API; shown only once."})
    expires_at = fields.DateTime()
    role = fields.String()


class StaffOut(Schema):
    id = fields.Integer()
    email = fields.String()
    full_name = fields.String(allow_none=True)
    role = fields.String()
    locale = fields.String()
    jurisdiction = fields.Function(lambda u: u.jurisdiction.code)
    department = fields.Function(lambda u: u.department.code if u.department else None)


class AuditOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    staff_id = fields.Integer(allow_none=True)
    api_key_id = fields.Integer(allow_none=True)
    action = fields.String()
    target_type = fields.String()
    target_id = fields.Integer(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    ip = fields.String(allow_none=True)


class AuditQuery(Schema):
    before = fields.Integer(load_default=None, validate=validate.Range(min=1))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class ModerationIn(Schema):
    approve = fields.Boolean(required=True)


class StaffPhotoOut(Schema):
    id = fields.Integer()
    state = fields.String()
    url = fields.String()
    thumbnail_url = fields.String(allow_none=True)
    width = fields.Integer()
    height = fields.Integer()
    created_at = fields.DateTime()


class StaffReportOut(Schema):
    class Meta:
        unknown = "include"

    id = fields.Integer()
    public_id = fields.String()
    service_code = fields.String()
    service_name = fields.String()
    description = fields.String()
    status = fields.String()
    priority = fields.String()
    hidden = fields.Boolean()
    channel = fields.String()
    lat = fields.Float()
    lon = fields.Float()
    address = fields.String(allow_none=True)
    answers = fields.Dict()
    anonymous = fields.Boolean()
    contact = fields.Dict(allow_none=True, metadata={"description": "Only for roles allowed to see it."})
    jurisdiction = fields.Dict()
    area = fields.Dict(allow_none=True)
    department = fields.Dict(allow_none=True)
    requested_at = fields.DateTime()
    updated_at = fields.DateTime()
    sla_due_at = fields.DateTime(allow_none=True)
    support_count = fields.Integer()
    merged_into = fields.Raw(allow_none=True)
    photos = fields.List(fields.Nested(StaffPhotoOut))
    etag = fields.String()
    assignee_id = fields.Integer(allow_none=True)
    timeline = fields.List(fields.Dict())
    nearby = fields.List(fields.Dict())


@blp.route("/tokens")
class Tokens(MethodView):
    @allow("tokens.create")
    @blp.arguments(LoginIn)
    @blp.response(201, TokenOut)
    @blp.alt_response(401, description="Wrong e-mail or password")
    @blp.alt_response(429, description="Locked after repeated failures (Retry-After)")
    def post(self, data: dict[str, Any]) -> Any:
        """Sign in: e-mail and password for an expiring bearer token."""
        try:
            user, secret, token = staff_auth.login(data["email"], data["password"])
        except LockedOut as exc:
            return error_response(429, exc.message, headers={"Retry-After": str(exc.retry_after)})
        return {"token": secret, "expires_at": token.expires_at, "role": user.role}


@blp.route("/tokens/current")
class CurrentToken(MethodView):
    @allow("tokens.delete")
    @blp.response(204)
    @blp.doc(security=[BEARER])
    def delete(self) -> Response | None:
        """Sign out: revoke the token in use."""
        from flask import g

        staff_auth.logout(current_staff(), g.staff_token.id)
        return None


@blp.route("/me")
class Me(MethodView):
    @allow("me.get")
    @blp.response(200, StaffOut)
    @blp.doc(security=[BEARER])
    def get(self) -> Any:
        """Who I am: role, jurisdiction, department."""
        return current_staff()


class CsvList(fields.Field):
    """A comma-separated list in a query string."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        items = [v.strip() for v in str(value).split(",") if v.strip()]
        if not items or any(len(v) > 64 for v in items):
            raise ValidationError("A comma-separated list of codes.")
        return items


class QueueQuery(Schema):
    status = CsvList(load_default=None, metadata={"type": "string", "description": "Statuses, comma-separated"})
    service = CsvList(load_default=None, metadata={"type": "string"})
    department = CsvList(load_default=None, metadata={"type": "string"})
    area = CsvList(load_default=None, metadata={"type": "string"})
    priority = CsvList(load_default=None, metadata={"type": "string"})
    overdue = fields.Boolean(load_default=None)
    hidden = fields.Boolean(load_default=None)
    assignee_id = fields.Integer(load_default=None)
    since = fields.AwareDateTime(load_default=None, default_timezone=UTC)
    until = fields.AwareDateTime(load_default=None, default_timezone=UTC)
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    sort = fields.String(load_default="newest", validate=validate.OneOf(queue.SORTS))
    cursor = fields.String(load_default=None, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class CodeName(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class QueuePhoto(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    thumbnail_url = fields.String(allow_none=True)


class QueueItem(Schema):
    id = fields.Integer(required=True)
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
    assignee_id = fields.Integer(allow_none=True)
    etag = fields.String(required=True, metadata={"description": "The report's version, for If-Match (bulk too)"})
    requested_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    sla_due_at = fields.DateTime(allow_none=True)
    support_count = fields.Integer(required=True)
    merged_into = fields.Integer(allow_none=True, metadata={"description": "Id of the report this was merged into"})
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
        values=fields.Integer(),
        metadata={"description": "Reports per status for the same filters (status aside)"},
    )
    counts_exact = fields.Boolean(
        metadata={
            "description": "False when a search or date range matched more than 10,000 reports: the counts are "
            "then lower bounds (show them as 'at least')"
        }
    )


@blp.route("/reports")
class Queue(MethodView):
    @allow("reports.list")
    @blp.arguments(QueueQuery, location="query")
    @blp.response(200, QueueOut)
    @blp.doc(security=[BEARER])
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The triage queue: filters, full text `q`, sorting, cursor pages, counts per status."""
        filters = {k: v for k, v in query.items() if k not in ("sort", "cursor", "limit")}
        return queue.queue(current_staff(), filters, sort=query["sort"], cursor=query["cursor"], limit=query["limit"])


class BulkItem(Schema):
    id = fields.Integer(required=True)
    etag = fields.String(required=True)


class BulkIn(Schema):
    action = fields.String(required=True, validate=validate.OneOf(("status", "assign")))
    items = fields.List(fields.Nested(BulkItem), required=True, validate=validate.Length(min=1, max=200))
    status = fields.String(load_default=None)
    reason = fields.String(load_default=None)
    department = fields.String(load_default=None)
    assignee_id = fields.Integer(load_default=None)


class BulkResult(Schema):
    id = fields.Integer()
    status = fields.Integer(metadata={"description": "The HTTP status this item would have had on its own"})
    etag = fields.String()
    message = fields.String()


class OverdueOut(Schema):
    by_department = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Department code ('-' for none) -> overdue open reports"},
    )


@blp.route("/reports/overdue")
class Overdue(MethodView):
    @allow("reports.overdue")
    @blp.response(200, OverdueOut)
    @blp.doc(security=[BEARER])
    def get(self) -> dict[str, Any]:
        """Open reports past their SLA due time, per department code."""
        return {"by_department": queue.overdue_by_department(current_staff())}


@blp.route("/reports/bulk")
class Bulk(MethodView):
    @allow("reports.bulk")
    @blp.arguments(BulkIn)
    @blp.response(200, BulkResult(many=True))
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any]) -> Any:
        """Assign or change the status of many reports; each is checked (ETag included) and audited alone."""
        params = {k: data[k] for k in ("status", "reason", "department", "assignee_id")}
        return triage.bulk(current_staff(), data["items"], data["action"], params)


@blp.route("/reports/<int:report_id>")
class ReportDetail(MethodView):
    @allow("reports.get")
    @blp.response(200, StaffReportOut)
    @blp.alt_response(404, description="Not a report of your jurisdiction (or department)")
    @blp.doc(security=[BEARER])
    def get(self, report_id: int) -> Any:
        """A report with everything staff may see: contact (by role), all photos, notes, nearby reports.

        The `ETag` header is the version to send back as `If-Match` with any change.
        """
        return _with_etag(report_id)


@blp.route("/reports/<int:report_id>/audit")
class ReportAudit(MethodView):
    @allow("reports.audit")
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, AuditOut(many=True))
    @blp.doc(security=[BEARER])
    def get(self, query: dict[str, Any], report_id: int) -> Any:
        """The audit trail of one report, newest first."""
        from backend.db import session

        staff_reports.visible_report(session(), current_staff(), report_id)
        return audit.entries(
            jurisdiction_id=current_staff().jurisdiction_id,
            target_type="report",
            target_id=report_id,
            before_id=query["before"],
            limit=query["limit"],
        )


@blp.route("/photos/<int:photo_id>/moderation")
class PhotoModeration(MethodView):
    @allow("photos.moderate")
    @blp.arguments(ModerationIn)
    @blp.response(200, StaffPhotoOut)
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any], photo_id: int) -> dict[str, Any]:
        """Approve (make public) or hide a photo."""
        return staff_reports.moderate_photo(current_staff(), photo_id, data["approve"])


@blp.route("/audit")
class Audit(MethodView):
    @allow("audit.list")
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, AuditOut(many=True))
    @blp.doc(security=[BEARER])
    def get(self, query: dict[str, Any]) -> Any:
        """The audit log of my jurisdiction, newest first (admins)."""
        return audit.entries(
            jurisdiction_id=current_staff().jurisdiction_id, before_id=query["before"], limit=query["limit"]
        )


def _with_etag(report_id: int, status: int = 200) -> Any:
    view = staff_reports.detail(current_staff(), report_id)
    return view, status, {"ETag": f'"{view["etag"]}"'}


class IfMatch(Schema):
    if_match = fields.String(
        data_key="If-Match",
        load_default=None,
        metadata={"description": "The report's ETag; required for every change."},
    )


class StatusIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(sorted(triage.TRANSITIONS)))
    reason = fields.String(load_default=None, validate=validate.OneOf(triage.REJECT_REASONS))
    body = fields.String(load_default=None, validate=validate.Length(max=4000))


class AssignIn(Schema):
    department = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    assignee_id = fields.Integer(load_default=None)


class PriorityIn(Schema):
    priority = fields.String(required=True)


class TextIn(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class TemplateIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(sorted(triage.REPLY_TEMPLATES)))
    index = fields.Integer(load_default=0, validate=validate.Range(min=0))


class ServiceIn(Schema):
    service_code = fields.String(required=True, validate=validate.Length(min=1, max=64))


class MergeIn(Schema):
    master_id = fields.Integer(required=True)


class ReportModerationIn(Schema):
    hidden = fields.Boolean(load_default=None)
    description = fields.String(load_default=None, validate=validate.Length(max=4000))


def _action(name: str, schema: type[Schema], summary: str, run: Any) -> None:
    """Register POST /reports/<id>/<name>: If-Match, policy, the use case, the new detail and ETag."""

    @allow(f"reports.{name}")
    @blp.arguments(IfMatch, location="headers")
    @blp.arguments(schema)
    @blp.response(200, StaffReportOut)
    @blp.alt_response(404, description="Not a report of your jurisdiction (or department)")
    @blp.alt_response(409, description="Not allowed from the current state")
    @blp.alt_response(412, description="The report changed since your ETag")
    @blp.alt_response(428, description="If-Match is missing")
    @blp.doc(security=[BEARER], summary=summary)
    def post(self: Any, headers: dict[str, Any], data: dict[str, Any], report_id: int) -> Any:
        run(current_staff(), report_id, headers.get("if_match"), data)
        return _with_etag(report_id)

    view = type(f"Report_{name}", (MethodView,), {"post": post})
    blp.route(f"/reports/<int:report_id>/{name}")(view)


_action(
    "status",
    StatusIn,
    "Change the status (state machine; rejecting needs a reason; reopening restarts the SLA)",
    lambda st, rid, tag, d: triage.change_status(st, rid, tag, d["status"], d["reason"], d["body"]),
)
_action(
    "assign",
    AssignIn,
    "Assign to a department and/or a person",
    lambda st, rid, tag, d: triage.assign(st, rid, tag, department=d["department"], assignee_id=d["assignee_id"]),
)
_action(
    "priority", PriorityIn, "Set the priority", lambda st, rid, tag, d: triage.set_priority(st, rid, tag, d["priority"])
)
_action(
    "reply",
    TextIn,
    "Post a public reply (the reporter and supporters are told)",
    lambda st, rid, tag, d: triage.reply(st, rid, tag, d["body"]),
)
_action(
    "template_reply",
    TemplateIn,
    "Post a public reply from a template, in the reporter's language",
    lambda st, rid, tag, d: triage.reply_from_template(st, rid, tag, d["status"], d["index"]),
)
_action("note", TextIn, "Add an internal note", lambda st, rid, tag, d: triage.note(st, rid, tag, d["body"]))
_action(
    "recategorise",
    ServiceIn,
    "Move to another service (re-routed, SLA recomputed)",
    lambda st, rid, tag, d: triage.recategorise(st, rid, tag, d["service_code"]),
)
_action(
    "merge",
    MergeIn,
    "Merge this duplicate into a master report",
    lambda st, rid, tag, d: triage.merge(st, rid, tag, d["master_id"]),
)
_action(
    "moderate",
    ReportModerationIn,
    "Hide or show the report, or redact its description",
    lambda st, rid, tag, d: triage.moderate_text(st, rid, tag, hidden=d["hidden"], description=d["description"]),
)
