"""Answers and pages: "is it fixed?" in the app and from the e-mail's page, and the e-mail unsubscribe page."""

from __future__ import annotations

from typing import Any

from flask import Response, g
from flask.views import MethodView
from flask_smorest import abort
from markupsafe import escape
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
    def get(self, report_ref: str) -> dict[str, Any]:
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
    def post(self, data: dict[str, Any], report_ref: str) -> dict[str, Any]:
        """Is it fixed, and how satisfied am I? "Not fixed" reopens the report."""
        return reporting.answer_feedback(
            current_device(),
            report_ref,
            fixed=data["fixed"],
            satisfaction=data["satisfaction"],
            comment=data["comment"],
        )


FEEDBACK_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>{content}</body></html>"""


@blp.route("/feedback")
class EmailFeedback(MethodView):
    @blp.arguments(FeedbackLinkQuery, location="query")
    @blp.doc(responses={"200": {"description": "The form of the question (a GET changes nothing)"}})
    def get(self, query: dict[str, Any]) -> Response:
        """The page the e-mail's "Is it fixed?" links open: the answer preselected, satisfaction and comment."""
        lang = g.language
        fixed = query["fixed"]
        options = "".join(
            f'<label><input type="radio" name="satisfaction" value="{i}"> {i}</label> ' for i in range(1, 6)
        )
        form = (
            f'<form method="post"><input type="hidden" name="token" value="{escape(query["token"])}">'
            f'<p><label><input type="radio" name="fixed" value="true"{" checked" if fixed else ""}> '
            f"{escape(gettext('Yes, it is fixed', lang))}</label> "
            f'<label><input type="radio" name="fixed" value="false"{"" if fixed else " checked"}> '
            f"{escape(gettext('No, it is not fixed', lang))}</label></p>"
            f"<p>{escape(gettext('How satisfied are you with how it was handled?', lang))} {options}</p>"
            f'<p><textarea name="comment" maxlength="2000" rows="3"></textarea></p>'
            f'<button type="submit">{escape(gettext("Send", lang))}</button></form>'
        )
        return Response(
            FEEDBACK_PAGE.format(lang=lang, title=escape(gettext("Is it fixed?", lang)), content=form),
            mimetype="text/html",
        )

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
        lang = g.language
        text = (
            gettext("Thank you. The report is open again.", lang)
            if result["reopened"]
            else gettext("Thank you for your answer.", lang)
        )
        return Response(
            FEEDBACK_PAGE.format(
                lang=lang, title=escape(gettext("Is it fixed?", lang)), content=f"<p>{escape(text)}</p>"
            ),
            mimetype="text/html",
        )


UNSUBSCRIBE_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{text}</p>{form}</body></html>"""


@blp.route("/email/unsubscribe")
class EmailUnsubscribe(MethodView):
    @blp.arguments(UnsubscribeQuery, location="query")
    @blp.doc(responses={"200": {"description": "A page with the button that stops the e-mails"}})
    def get(self, query: dict[str, Any]) -> Response:
        """The page an e-mail's unsubscribe link opens (a GET changes nothing: link scanners open links)."""
        lang = g.language
        form = '<form method="post"><button type="submit">{}</button></form>'.format(
            escape(gettext("Stop these e-mails", lang))
        )
        page = UNSUBSCRIBE_PAGE.format(
            lang=lang,
            title=escape(gettext("E-mails about your reports", lang)),
            text=escape(gettext("Press the button to stop e-mails about your reports.", lang)),
            form=form,
        )
        return Response(page, mimetype="text/html")

    @blp.arguments(UnsubscribeQuery, location="query")
    @blp.doc(responses={"200": {"description": "Unsubscribed"}, "404": {"description": "Not a valid link"}})
    def post(self, query: dict[str, Any]) -> Response:
        """Stop e-mails (the page's button, or a mail client's one-click unsubscribe, RFC 8058)."""
        if not residents.unsubscribe(query["token"]):
            abort(404, message=gettext("This unsubscribe link is not valid."))
        lang = g.language
        page = UNSUBSCRIBE_PAGE.format(
            lang=lang,
            title=escape(gettext("E-mails about your reports", lang)),
            text=escape(gettext("You will get no more e-mails about your reports.", lang)),
            form="",
        )
        return Response(page, mimetype="text/html")
