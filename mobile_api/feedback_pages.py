"""Answers and pages: "is it fixed?" in the app and from the e-mail's page, and the e-mail unsubscribe page."""

from __future__ import annotations

from typing import Any, cast

from flask import Flask, Response, g, render_template, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from backend import links, reporting, residents
from backend.api import register_error_format
from backend.errors import Conflict
from backend.fields import DateTime, Int
from backend.i18n import LANGUAGES, choose_language, gettext
from backend.input_guard import FORBIDDEN, BadInput
from mobile_api.auth import BEARER, current_device, device_required
from mobile_api.blueprint import ERRORS, blp


class FeedbackIn(Schema):
    fixed = fields.Boolean(required=True, metadata={"description": "Is it fixed?"})
    satisfaction = Int(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=5),
        metadata={"description": "How satisfied with how it was handled, 1–5"},
    )
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class FeedbackStatusOut(Schema):
    asked = fields.Boolean(required=True)
    answered = fields.Boolean(required=True)
    resolved_at = DateTime(allow_none=True)


class FeedbackOut(Schema):
    report_id = Int(required=True)
    fixed = fields.Boolean(required=True)
    satisfaction = Int(allow_none=True)
    reopened = fields.Boolean(required=True, metadata={"description": '"Not fixed" reopened the report'})
    status = fields.String(required=True)


class FeedbackLinkQuery(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=500))
    fixed = fields.Boolean(load_default=True)


class FeedbackFormIn(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=500))
    fixed = fields.Boolean(required=True)
    satisfaction = Int(load_default=None, allow_none=True, validate=validate.Range(min=1, max=5))
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


def _page(template: str, status: int = 200, lang: str | None = None, **context: Any) -> Response:
    """A resident page (mobile_api/templates/resident/) in the e-mail's language, else the request's; t()
    translates its texts."""
    language = lang if lang in LANGUAGES else g.get("language") or choose_language()

    def t(message: str, **params: Any) -> str:
        return gettext(message, language, **params)

    html = render_template(template, lang=language, t=t, **context)
    return Response(html, status=status, mimetype="text/html")


def _invalid() -> Response:
    return _page("resident/link.html", 404, state="invalid", purpose=None, report_url=None)


# What the pages of e-mail links answer (the signed links of backend/links.py: a link opens a page, only the page's
# POST acts, and acts once).
LINK_PAGES = {
    "404": {"description": "A page: the link is not valid (unknown, mistyped, forged, or made for another page)"},
    "409": {"description": "A page: the link was used already (it acts once)"},
    "410": {
        "description": "A page: the link expired, or has the old format that no longer acts; with a link to the "
        "report where there is one. Nothing changes."
    },
    "422": {"description": ERRORS["422"]},
}
UNSUBSCRIBE_PAGES = {k: v for k, v in LINK_PAGES.items() if k != "409"}


@blp.route("/feedback")
class EmailFeedback(MethodView):
    @blp.arguments(FeedbackLinkQuery, location="query")
    @blp.doc(responses={"200": {"description": "The form of the question (a GET changes nothing)"}, **LINK_PAGES})
    def get(self, query: dict[str, Any]) -> Response:
        """The page the e-mail's "Is it fixed?" links open: the answer preselected, satisfaction and comment."""
        try:
            found = reporting.open_feedback_link(query["token"])
        except links.LinkInvalid:
            return _invalid()
        if found.state != "open":
            return _feedback_closed(found)
        return _page("resident/feedback.html", lang=found.lang, token=query["token"], fixed=query["fixed"])

    @blp.arguments(FeedbackFormIn, location="form")
    @blp.doc(responses={"200": {"description": "Recorded"}, **LINK_PAGES})
    def post(self, data: dict[str, Any]) -> Response:
        """Record the answer from the e-mail's page ("not fixed" reopens the report); the link acts once."""
        try:
            result = reporting.answer_feedback_by_email(
                data["token"], fixed=data["fixed"], satisfaction=data["satisfaction"], comment=data["comment"]
            )
        except links.LinkInvalid:
            return _invalid()
        except (links.LinkExpired, links.LinkUsed):
            return _feedback_closed(reporting.open_feedback_link(data["token"]))
        except Conflict:  # answered already (e.g. from another copy of the question's e-mail)
            found = reporting.open_feedback_link(data["token"])
            return _feedback_closed(reporting.FeedbackLink("used", found.report_url, found.lang))
        found = reporting.open_feedback_link(data["token"])
        return _page("resident/feedback_recorded.html", lang=found.lang, reopened=result.reopened)


def _feedback_closed(found: reporting.FeedbackLink) -> Response:
    """The page of a used or expired "Is it fixed?" link, with the report's page where there is one."""
    status = 409 if found.state == "used" else 410
    return _page(
        "resident/link.html", status, found.lang, state=found.state, purpose="feedback", report_url=found.report_url
    )


@blp.route("/email/unsubscribe")
class EmailUnsubscribe(MethodView):
    @blp.arguments(UnsubscribeQuery, location="query")
    @blp.doc(
        responses={
            "200": {"description": "A page with the button that stops the e-mails, or saying they are stopped"},
            **UNSUBSCRIBE_PAGES,
        }
    )
    def get(self, query: dict[str, Any]) -> Response:
        """The page an e-mail's unsubscribe link opens (a GET changes nothing: link scanners open links)."""
        try:
            found = residents.unsubscribe_link(query["token"])
        except links.LinkInvalid:
            return _invalid()
        return _unsubscribe_page(found)

    @blp.arguments(UnsubscribeQuery, location="query")
    @blp.doc(
        responses={"200": {"description": "Unsubscribed (also when this link did it already)"}, **UNSUBSCRIBE_PAGES}
    )
    def post(self, query: dict[str, Any]) -> Response:
        """Stop e-mails (the page's button, or a mail client's one-click unsubscribe, RFC 8058); the link acts
        once, and a second press says the e-mails are stopped."""
        try:
            return _unsubscribe_page(residents.unsubscribe(query["token"]))
        except links.LinkInvalid:
            return _invalid()
        except (links.LinkExpired, links.LinkUsed):
            return _unsubscribe_page(residents.unsubscribe_link(query["token"]))


def _unsubscribe_page(found: residents.UnsubscribeLink) -> Response:
    if found.state == "expired":
        return _page("resident/link.html", 410, found.lang, state="expired", purpose="unsubscribe", report_url=None)
    return _page("resident/unsubscribe.html", lang=found.lang, state=found.state)


def _refused(exc: Exception) -> Response | None:
    """A refusal at the edge (a character that is not allowed, or bytes that are not text, in the link or the
    form) on these pages: the form again with why, or the link's page, in the link's language; status 422. Other
    errors keep the shared JSON shape."""
    if not isinstance(exc, BadInput):
        return None
    try:
        token = request.form.get("token") or request.args.get("token") or ""
    except UnicodeDecodeError:
        token = ""
    found: Any = None
    if token and not FORBIDDEN.search(token):
        opened = reporting.open_feedback_link if request.path.endswith("/feedback") else residents.unsubscribe_link
        try:
            found = opened(token)
        except (links.LinkInvalid, links.LinkExpired, links.LinkUsed):
            found = None
    lang = found.lang if found is not None else None
    if request.method == "POST" and request.path.endswith("/feedback") and found is not None and found.state == "open":
        form = request.form
        return _page(
            "resident/feedback.html",
            422,
            lang,
            token=token,
            fixed=form.get("fixed") != "false",
            satisfaction=form.get("satisfaction"),
            comment=FORBIDDEN.sub("", form.get("comment") or ""),  # what was typed, without what was refused
            refused=True,
        )
    return _page("resident/link.html", 422, lang, state="refused", purpose=None, report_url=None)


def _register(state: Any) -> None:
    for path in ("/feedback", "/email/unsubscribe"):
        register_error_format(cast(Flask, state.app), f"{state.url_prefix or blp.url_prefix}{path}", _refused)


blp.record_once(_register)
