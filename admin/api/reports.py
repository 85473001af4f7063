"""Reports in the staff API: a report's detail (with the ETag), its audit trail, photo moderation, the audit log
of the jurisdiction (admins), and the triage actions of the state machine, each a POST under If-Match that
answers with the new detail and ETag."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, post_load, validate

from admin.api.auth import BEARER, allow, current_staff
from admin.api.blueprint import blp
from admin.api.entity_tags import IfMatch
from backend import audit, triage
from backend.fields import BigInt, DateTime, Int


class AuditOut(Schema):
    id = BigInt()
    at = DateTime()
    staff_id = Int(allow_none=True)
    api_key_id = Int(allow_none=True)
    action = fields.String()
    target_type = fields.String()
    target_id = BigInt(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    ip = fields.String(allow_none=True)


class AuditQuery(Schema):
    before = BigInt(load_default=None, validate=validate.Range(min=1))
    limit = Int(load_default=100, validate=validate.Range(min=1, max=500))


class ModerationIn(Schema):
    approve = fields.Boolean(required=True)


class StaffPhotoOut(Schema):
    id = BigInt()
    state = fields.String()
    url = fields.String()
    thumbnail_url = fields.String(allow_none=True)
    width = Int()
    height = Int()
    created_at = DateTime()


class StaffReportOut(Schema):
    class Meta:
        unknown = "include"

    id = Int()
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
    requested_at = DateTime()
    updated_at = DateTime()
    sla_due_at = DateTime(allow_none=True)
    support_count = Int()
    merged_into = fields.Raw(allow_none=True)
    photos = fields.List(fields.Nested(StaffPhotoOut))
    etag = fields.String()
    assignee_id = Int(allow_none=True)
    timeline = fields.List(fields.Dict())
    nearby = fields.List(fields.Dict())


def _with_etag(report_id: int, status: int = 200) -> Any:
    view = triage.report_detail(current_staff(), report_id)
    return view, status, {"ETag": f'"{view["etag"]}"'}


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
        """The audit trail of one report, newest first (staff IP addresses and the original of a redacted
        description only for admins, managers and dispatchers; `null`/left out for viewers and API keys)."""
        return triage.report_audit(current_staff(), report_id, before_id=query["before"], limit=query["limit"])


@blp.route("/photos/<bigint:photo_id>/moderation")
class PhotoModeration(MethodView):
    @allow("photos.moderate")
    @blp.arguments(ModerationIn)
    @blp.response(200, StaffPhotoOut)
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any], photo_id: int) -> triage.ModeratedPhoto:
        """Approve (make public) or hide a photo."""
        return triage.moderate_photo(current_staff(), photo_id, data["approve"])


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


# -- the triage actions ------------------------------------------------------------------------------------


class CommandIn(Schema):
    """A triage action's body, loaded as the command the use case runs (`command` names its class)."""

    command: type

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> Any:
        return self.command(**data)


class StatusIn(CommandIn):
    command = triage.ChangeStatus
    status = fields.String(required=True, validate=validate.OneOf(sorted(triage.TRANSITIONS)))
    reason = fields.String(load_default=None, validate=validate.OneOf(triage.REJECT_REASONS))
    body = fields.String(load_default=None, validate=validate.Length(max=4000))


class AssignIn(CommandIn):
    command = triage.Assign
    department = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    assignee_id = Int(load_default=None)


class PriorityIn(CommandIn):
    command = triage.SetPriority
    priority = fields.String(required=True)


class ReplyIn(CommandIn):
    command: type = triage.Reply
    body = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class NoteIn(ReplyIn):
    command = triage.Note


class TemplateIn(CommandIn):
    command = triage.ReplyFromTemplate
    status = fields.String(required=True, validate=validate.OneOf(sorted(triage.REPLY_TEMPLATES)))
    index = Int(load_default=0, validate=validate.Range(min=0))


class ServiceIn(CommandIn):
    command = triage.Recategorise
    service_code = fields.String(required=True, validate=validate.Length(min=1, max=64))


class MoveIn(CommandIn):
    command = triage.Move
    lat = fields.Float(load_default=None, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(load_default=None, validate=validate.Range(min=-180, max=180))
    address = fields.String(
        load_default=None,
        validate=validate.Length(max=300),
        metadata={"description": "Without lat/lon the register's best matching address places the report."},
    )


class MergeIn(CommandIn):
    command = triage.Merge
    master_id = Int(required=True)


class ReportModerationIn(CommandIn):
    command = triage.ModerateText
    hidden = fields.Boolean(load_default=None)
    description = fields.String(load_default=None, validate=validate.Length(max=4000))


def changes_report(summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """What every action documents: the new detail, the refusals (404, 409, 412, 428), the summary. Goes under
    the action's `allow` and `arguments` decorators (If-Match headers first, then the body)."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn = blp.doc(security=[BEARER], summary=summary)(fn)
        fn = blp.alt_response(428, description="If-Match is missing")(fn)
        fn = blp.alt_response(412, description="The report changed since your ETag")(fn)
        fn = blp.alt_response(409, description="Not allowed from the current state")(fn)
        fn = blp.alt_response(404, description="Not a report of your jurisdiction (or department)")(fn)
        return blp.response(200, StaffReportOut)(fn)

    return decorate


@blp.route("/reports/<int:report_id>/status", endpoint="Report_status")
class ReportStatus(MethodView):
    @allow("reports.status")
    @blp.arguments(IfMatch, location="headers")
    @blp.arguments(StatusIn)
    @changes_report("Change the status (state machine; rejecting needs a reason; reopening restarts the SLA)")
    def post(self, headers: dict[str, Any], command: triage.Command, report_id: int) -> Any:
        triage.perform(current_staff(), report_id, headers["if_match"], command)
        return _with_etag(report_id)


@blp.route("/reports/<int:report_id>/assign", endpoint="Report_assign")
class ReportAssign(MethodView):
    @allow("reports.assign")
    @blp.arguments(IfMatch, location="headers")
    @blp.arguments(AssignIn)
    @changes_report("Assign to a department and/or a person")
    def post(self, headers: dict[str, Any], command: triage.Command, report_id: int) -> Any:
        triage.perform(current_staff(), report_id, headers["if_match"], command)
        return _with_etag(report_id)


@blp.route("/reports/<int:report_id>/priority", endpoint="Report_priority")
class ReportPriority(MethodView):
    @allow("reports.priority")
    @blp.arguments(IfMatch, location="headers")
    @blp.arguments(PriorityIn)
    @changes_report("Set the priority")
    def post(self, headers: dict[str, Any], command: triage.Command, report_id: int) -> Any:
        triage.perform(current_staff(), report_id, headers["if_match"], command)
        return _with_etag(report_id)


@blp.route("/reports/<int:report_id>/reply", endpoint="Report_reply")
class ReportReply(MethodView):
    @allow("reports.reply")
    @blp.arguments(IfMatch, location="headers")
    @blp.arguments(ReplyIn)
    @changes_report("Post a public reply (the reporter and supporters are told)")
    def post(self, headers: dict[str, Any], command: triage.Command, report_id: int) -> Any:
        triage.perform(current_staff(), report_id, headers["if_match"], command)
        return _with_etag(report_id)


@blp.route("/reports/<int:report_id>/template_reply", endpoint="Report_template_reply")
class ReportTemplateReply(MethodView):
    @allow("reports.template_reply")
    @blp.arguments(IfMatch, location="headers")
    @blp.arguments(TemplateIn)
    @changes_report("Post a public reply from a template, in the reporter's language")
    def post(self, headers: dict[str, Any], command: triage.Command, report_id: int) -> Any:
        triage.perform(current_staff(), report_id, headers["if_match"], command)
        return _with_etag(report_id)


@blp.route("/reports/<int:report_id>/note", endpoint="Report_note")
class ReportNote(MethodView):
    @allow("reports.note")
    @blp.arguments(IfMatch, location="headers")
    @blp.arguments(NoteIn)
    @changes_report("Add an internal note")
    def post(self, headers: dict[str, Any], command: triage.Command, report_id: int) -> Any:
        triage.perform(current_staff(), report_id, headers["if_match"], command)
        return _with_etag(report_id)


@blp.route("/reports/<int:report_id>/recategorise", endpoint="Report_recategorise")
class ReportRecategorise(MethodView):
    @allow("reports.recategorise")
    @blp.arguments(IfMatch, location="headers")
    @blp.arguments(ServiceIn)
    @changes_report("Move to another service (re-routed, SLA recomputed; the reporter and supporters are told)")
    def post(self, headers: dict[str, Any], command: triage.Command, report_id: int) -> Any:
        triage.perform(current_staff(), report_id, headers["if_match"], command)
        return _with_etag(report_id)


@blp.route("/reports/<int:report_id>/move", endpoint="Report_move")
class ReportMove(MethodView):
    @allow("reports.move")
    @blp.arguments(IfMatch, location="headers")
    @blp.arguments(MoveIn)
    @changes_report("Correct the location (inside the municipality; the reporter and supporters are told)")
    def post(self, headers: dict[str, Any], command: triage.Command, report_id: int) -> Any:
        triage.perform(current_staff(), report_id, headers["if_match"], command)
        return _with_etag(report_id)


@blp.route("/reports/<int:report_id>/merge", endpoint="Report_merge")
class ReportMerge(MethodView):
    @allow("reports.merge")
    @blp.arguments(IfMatch, location="headers")
    @blp.arguments(MergeIn)
    @changes_report("Merge this duplicate into a master report")
    def post(self, headers: dict[str, Any], command: triage.Command, report_id: int) -> Any:
        triage.perform(current_staff(), report_id, headers["if_match"], command)
        return _with_etag(report_id)


@blp.route("/reports/<int:report_id>/moderate", endpoint="Report_moderate")
class ReportModerate(MethodView):
    @allow("reports.moderate")
    @blp.arguments(IfMatch, location="headers")
    @blp.arguments(ReportModerationIn)
    @changes_report("Hide or show the report, or redact its description")
    def post(self, headers: dict[str, Any], command: triage.Command, report_id: int) -> Any:
        triage.perform(current_staff(), report_id, headers["if_match"], command)
        return _with_etag(report_id)
