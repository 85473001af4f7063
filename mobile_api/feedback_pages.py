"""Answers and pages: "is it fixed?" in the app and from the e-mail's page, and the e-mail unsubscribe page."""

from __future__ import annotations

from typing import Any

from flask import Response, g, render_template
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from backend import reporting, residents
from backend.i18n import gettext
from mobile_api.auth import BEARER, current_device, device_required
from mobile_api.blueprint import ERRORS, blp


class FeedbackIn(Schema):
    fixed = fields.Boolean(required=True, metadata={"description": "Is it fixed?"})
    satisfaction = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=5),
        metadata={"description": "How satisfied with how it was handled, 1–5"},
    )
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class FeedbackStatusOut(Schema):
    asked = fields.Boolean(required=True)
    answered = fields.Boolean(required=True)
    resolved_at = fields.DateTime(allow_none=True)


class FeedbackOut(Schema):
    report_id = fields.Integer(required=True)
    fixed = fields.Boolean(required=True)
    satisfaction = fields.Integer(allow_none=True)
    reopened = fields.Boolean(required=True, metadata={"description": '"Not fixed" reopened the report'})
    status = fields.String(required=True)


class FeedbackLinkQuery(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=500))
    fixed = fields.Boolean(load_default=True)


class FeedbackFormIn(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=500))
    fixed = fields.Boolean(required=True)
    satisfaction = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class UnsubscribeQuery(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=500))


@blp.route("/reports/<string:report_ref>/feedback")
class ReportFeedback(MethodView):
    @device_required
    @blp.response(200, FeedbackStatusOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.doc(security=[BEARER])
    def get(self, report_ref: str) -> reporting.FeedbackState:
        """Whether I am asked about this report's resolution, and whether I answered."""
        return reporting.feedback_status(current_device(), report_ref)

    @device_required
    @blp.arguments(FeedbackIn)
    @blp.response(201, FeedbackOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description="Not a report I filed or support")
    @blp.alt_response(409, description="Already answered, or not asked yet")
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any], report_ref: str) -> reporting.FeedbackRecorded:
        """Is it fixed, and how satisfied am I? "Not fixed" reopens the report."""
        return reporting.answer_feedback(
            current_device(),
            report_ref,
            fixed=data["fixed"],
            satisfaction=data["satisfaction"],
            comment=data["comment"],
        )


def _page(template: str, **context: Any) -> Response:
    """A resident page (mobile_api/templates/resident/) in the request's language; t() translates its texts."""
    lang = g.language

    def t(message: str, **params: Any) -> str:
        return gettext(message, lang, **params)

    return Response(render_template(template, lang=lang, t=t, **context), mimetype="text/html")


@blp.route("/feedback")
class EmailFeedback(MethodView):
    @blp.arguments(FeedbackLinkQuery, location="query")
    @blp.doc(responses={"200": {"description": "The form of the question (a GET changes nothing)"}})
    def get(self, query: dict[str, Any]) -> Response:
        """The page the e-mail's "Is it fixed?" links open: the answer preselected, satisfaction and comment."""
        return _page("resident/feedback.html", token=query["token"], fixed=query["fixed"])

    @blp.arguments(FeedbackFormIn, location="form")
    @blp.doc(
        responses={
            "200": {"description": "Recorded"},
            "404": {"description": "Not a valid link"},
            "409": {"description": "Already answered"},
        }
    )
    def post(self, data: dict[str, Any]) -> Response:
        """Record the answer from the e-mail's page ("not fixed" reopens the report)."""
        result = reporting.answer_feedback_by_email(
            data["token"], fixed=data["fixed"], satisfaction=data["satisfaction"], comment=data["comment"]
        )
        return _page("resident/feedback_recorded.html", reopened=result.reopened)


@blp.route("/email/unsubscribe")
class EmailUnsubscribe(MethodView):
    @blp.arguments(UnsubscribeQuery, location="query")
    @blp.doc(responses={"200": {"description": "A page with the button that stops the e-mails"}})
    def get(self, query: dict[str, Any]) -> Response:
        """The page an e-mail's unsubscribe link opens (a GET changes nothing: link scanners open links)."""
        return _page("resident/unsubscribe.html", unsubscribed=False)

    @blp.arguments(UnsubscribeQuery, location="query")
    @blp.doc(responses={"200": {"description": "Unsubscribed"}, "404": {"description": "Not a valid link"}})
    def post(self, query: dict[str, Any]) -> Response:
        """Stop e-mails (the page's button, or a mail client's one-click unsubscribe, RFC 8058)."""
        if not residents.unsubscribe(query["token"]):
            abort(404, message=gettext("This unsubscribe link is not valid."))
        return _page("resident/unsubscribe.html", unsubscribed=True)
