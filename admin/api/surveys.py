"""Surveys in the staff API (managers and admins): define, version, publish, close, preview, results."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from admin.api.auth import BEARER, allow, current_staff
from admin.api.blueprint import blp
from backend import surveys
from backend.fields import AwareDateTime, DateTime, Int
from backend.models import DIMENSIONS, QUESTION_KINDS
from backend.spreadsheets import csv_text

PerLanguage = fields.Dict(
    keys=fields.String(validate=validate.OneOf(("pl", "uk", "en"))),
    values=fields.String(validate=validate.Length(max=2000)),
)


class OptionIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    label = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class ConditionIn(Schema):
    code = fields.String(required=True)
    values = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


class QuestionIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    kind = fields.String(required=True, validate=validate.OneOf(QUESTION_KINDS))
    text = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    required = fields.Boolean(load_default=False)
    dont_know = fields.Boolean(load_default=False)
    options = fields.List(fields.Nested(OptionIn), load_default=list)
    scale_labels = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), load_default=dict)
    service_code = fields.String(load_default=None, allow_none=True)
    dimension = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DIMENSIONS))
    show_if = fields.Nested(ConditionIn, load_default=None, allow_none=True)


class SurveyIn(Schema):
    key = fields.String(load_default=None, validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{1,63}$"))
    title = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    intro = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    service_codes = fields.List(fields.String(), load_default=list)
    opens_at = AwareDateTime(load_default=None, allow_none=True)
    closes_at = AwareDateTime(load_default=None, allow_none=True)
    audience = fields.String(load_default="everyone", validate=validate.OneOf(("everyone", "areas", "reporters")))
    areas = fields.List(fields.String(), load_default=list)
    reporter_services = fields.List(fields.String(), load_default=list)
    reporter_days = Int(load_default=None, allow_none=True, validate=validate.Range(min=1, max=3650))
    questions = fields.List(fields.Nested(QuestionIn), required=True, validate=validate.Length(min=1, max=100))


class SurveyDefinition(SurveyIn):
    id = Int()
    version = Int()
    status = fields.String(metadata={"description": "draft, published (immutable), closed"})
    provenance = fields.String(metadata={"description": "opt-in (app) or representative (imported)"})
    published_at = DateTime(allow_none=True)
    responses = Int()
    questions = fields.List(fields.Dict())


class SurveyListOut(Schema):
    items = fields.List(fields.Nested(SurveyDefinition), required=True)


class PreviewQuery(Schema):
    lang = fields.String(load_default="pl", validate=validate.OneOf(("pl", "uk", "en")))


@blp.route("/surveys")
class Surveys(MethodView):
    @allow("surveys.list")
    @blp.response(200, SurveyListOut)
    @blp.doc(security=[BEARER])
    def get(self) -> dict[str, list[surveys.SurveyDefinition]]:
        """Every version of the municipality's surveys."""
        return {"items": surveys.listing(current_staff())}

    @allow("surveys.create")
    @blp.arguments(SurveyIn)
    @blp.response(201, SurveyDefinition)
    @blp.doc(security=[BEARER])
    def post(self, data: surveys.SurveySpec) -> surveys.SurveyDefinition:
        """A new survey, as a draft."""
        return surveys.create(current_staff(), data)


@blp.route("/surveys/<int:survey_id>")
class OneSurvey(MethodView):
    @allow("surveys.get")
    @blp.response(200, SurveyDefinition)
    @blp.doc(security=[BEARER])
    def get(self, survey_id: int) -> surveys.SurveyDefinition:
        return surveys.definition(current_staff(), survey_id)

    @allow("surveys.update")
    @blp.arguments(SurveyIn)
    @blp.response(200, SurveyDefinition)
    @blp.doc(security=[BEARER])
    def put(self, data: surveys.SurveySpec, survey_id: int) -> surveys.SurveyDefinition:
        """Change a draft; for a published survey this makes the next version (a draft)."""
        return surveys.update(current_staff(), survey_id, data)


@blp.route("/surveys/<int:survey_id>/publish")
class Publish(MethodView):
    @allow("surveys.publish")
    @blp.response(200, SurveyDefinition)
    @blp.doc(security=[BEARER])
    def post(self, survey_id: int) -> surveys.SurveyDefinition:
        """Publish a draft (immutable from now; the previous published version closes)."""
        return surveys.publish(current_staff(), survey_id)


@blp.route("/surveys/<int:survey_id>/close")
class Close(MethodView):
    @allow("surveys.close")
    @blp.response(200, SurveyDefinition)
    @blp.doc(security=[BEARER])
    def post(self, survey_id: int) -> surveys.SurveyDefinition:
        return surveys.close(current_staff(), survey_id)


@blp.route("/surveys/<int:survey_id>/preview")
class SurveyPreview(MethodView):
    @allow("surveys.get")
    @blp.arguments(PreviewQuery, location="query")
    @blp.response(200)
    @blp.doc(security=[BEARER])
    def get(self, query: dict[str, Any], survey_id: int) -> surveys.ResidentSurvey:
        """The survey as residents see it, in a language."""
        return surveys.preview(current_staff(), survey_id, query["lang"])


class InviteIn(Schema):
    per_minute = Int(
        load_default=1000,
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "At most this many invitations a minute"},
    )


class InviteOut(Schema):
    broadcast_id = Int(required=True)
    survey_id = Int(required=True)
    per_minute = Int(required=True)


@blp.route("/surveys/<int:survey_id>/invite")
class Invite(MethodView):
    @allow("surveys.invite")
    @blp.arguments(InviteIn)
    @blp.response(201, InviteOut)
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any], survey_id: int) -> surveys.Invitation:
        """Invite the survey's audience by push (topic `surveys`), throttled; its statistics give the response rate."""
        return surveys.invite(current_staff(), survey_id, data["per_minute"])


@blp.route("/surveys/<int:survey_id>/results")
class Results(MethodView):
    @allow("surveys.results")
    @blp.response(200)
    @blp.doc(security=[BEARER])
    def get(self, survey_id: int) -> surveys.SurveyResults:
        """Per question: distribution, mean, top-2-box or NPS, n and 95% intervals, by area (cells under 5 hidden)."""
        return surveys.results(current_staff(), survey_id)


@blp.route("/surveys/<int:survey_id>/responses.csv")
class ResponsesCsv(MethodView):
    @allow("surveys.results")
    @blp.doc(security=[BEARER], responses={"200": {"description": "text/csv: one row per response, no device"}})
    def get(self, survey_id: int) -> Response:
        """Anonymised responses: area, weight, provenance and the answers, in random order, no ids or times."""
        rows = surveys.export(current_staff(), survey_id)
        name = f"survey-{survey_id}-responses.csv"
        return Response(
            csv_text(rows), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )
