"""Surveys: the open ones meant for my device, their questions, and my answers."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from backend import surveys
from backend.fields import BigInt, DateTime, Int
from mobile_api.auth import BEARER, current_device, device_required
from mobile_api.blueprint import ERRORS, blp
from mobile_api.schemas import IdempotencyHeader


class SurveyListItem(Schema):
    id = Int(required=True)
    title = fields.String(required=True)
    closes_at = DateTime(allow_none=True)
    answered = fields.Boolean(required=True)
    questions = Int(required=True)


class SurveyList(Schema):
    items = fields.List(fields.Nested(SurveyListItem), required=True)


class SurveyOption(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class SurveyCondition(Schema):
    code = fields.String(required=True)
    values = fields.List(fields.String(), required=True)


class SurveyQuestionOut(Schema):
    code = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "likert5, nps, single, multiple, text, district"})
    text = fields.String(required=True)
    required = fields.Boolean(required=True)
    dont_know = fields.Boolean(required=True, metadata={"description": 'The answer "dont_know" is allowed'})
    options = fields.List(fields.Nested(SurveyOption), required=True)
    scale_labels = fields.List(fields.String(), required=True)
    show_if = fields.Nested(
        SurveyCondition,
        allow_none=True,
        metadata={"description": "Show only when the answer to `code` is one of `values`"},
    )


class SurveyOut(Schema):
    id = Int(required=True)
    title = fields.String(required=True)
    intro = fields.String(required=True)
    closes_at = DateTime(allow_none=True)
    questions = fields.List(fields.Nested(SurveyQuestionOut), required=True)


class SurveyAnswersIn(Schema):
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        values=fields.Raw(allow_none=True),
        required=True,
        metadata={
            "description": (
                "Question code → answer: 1–5 (likert5), 0–10 (nps), an option code (single, district), "
                'a list of option codes (multiple), text ≤ 2000 (text), or "dont_know"'
            )
        },
    )


class SurveyReceipt(Schema):
    id = BigInt(required=True)
    survey_id = Int(required=True)
    created_at = DateTime(required=True)


@blp.route("/surveys")
class Surveys(MethodView):
    @device_required
    @blp.response(200, SurveyList)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.doc(security=[BEARER])
    def get(self) -> dict[str, list[surveys.OpenSurvey]]:
        """Open surveys meant for this device.

        A device is in a survey's audience through the places it saved, the places of its reports or the
        municipality it chose: the same devices the survey's invitation reaches."""
        return {"items": surveys.open_for(current_device(), g.language)}


@blp.route("/surveys/<int:survey_id>")
class OneSurvey(MethodView):
    @device_required
    @blp.response(200, SurveyOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.doc(security=[BEARER])
    def get(self, survey_id: int) -> surveys.ResidentSurvey:
        """A survey's questions in my language."""
        return surveys.for_device(current_device(), survey_id, g.language)


@blp.route("/surveys/<int:survey_id>/responses")
class SurveyResponses(MethodView):
    @device_required
    @blp.arguments(IdempotencyHeader, location="headers")
    @blp.arguments(SurveyAnswersIn)
    @blp.response(201, SurveyReceipt)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.alt_response(409, description="Already answered, or the survey is closed")
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.doc(security=[BEARER])
    def post(self, headers: dict[str, Any], data: dict[str, Any], survey_id: int) -> Any:
        """Answer a survey once (a retry with the same Idempotency-Key returns the first receipt)."""
        receipt, created = surveys.respond(current_device(), survey_id, data["answers"], headers.get("idempotency_key"))
        return receipt, 201 if created else 200
