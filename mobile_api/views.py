"""The resident API v1: devices, the service catalogue, reports, and my data."""

from __future__ import annotations

from typing import Any

from flask import Response, g
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from markupsafe import escape
from marshmallow import Schema, fields

from backend.broadcasts import manage as broadcasts
from backend.cities import waste
from backend.feeds import FEED_DOC, ValuesQuery, values_feed
from backend.i18n import gettext
from backend.indicators import compute as indicators
from backend.ratelimit import client_ip, device_or_ip, limit_setting, limiter
from backend.reporting import catalogue, feedback, photos
from backend.reporting import map as report_map
from backend.reporting import submission as reports
from backend.residents import devices, notifications, places
from backend.surveys import definitions as surveys
from mobile_api import schemas as sc
from mobile_api.auth import BEARER, current_device, device_required, identify

blp = Blueprint("resident", __name__, url_prefix="/api/v1", description="Residents: report and follow problems.")
blp.before_request(identify)

ERRORS = {
    "401": "Missing or invalid device token",
    "404": "Not found",
    "422": "Invalid input",
    "429": "Too many requests",
}


@blp.route("/devices")
class DeviceRegistration(MethodView):
    decorators = [limiter.limit(lambda: limit_setting("RATE_LIMIT_DEVICE_REGISTRATION"), key_func=client_ip)]

    @blp.arguments(sc.DeviceIn)
    @blp.response(201, sc.DeviceRegistered)
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.alt_response(429, description=ERRORS["429"])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Register an app install; the bearer token in the answer is shown only once."""
        device, token = devices.register(data["platform"], data["locale"], data.get("push_token"))
        g.language = device.locale
        return {"device_id": device.id, "token": token, "platform": device.platform, "locale": device.locale}


@blp.route("/devices/me")
class MyDevice(MethodView):
    @device_required
    @blp.arguments(sc.DevicePatch)
    @blp.response(200, sc.DeviceOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.doc(security=[BEARER])
    def patch(self, data: dict[str, Any]) -> Any:
        """Rotate the push token (null clears it) or change the language."""
        return devices.update_settings(current_device().id, data)


@blp.route("/services")
class Services(MethodView):
    @blp.arguments(sc.CatalogueQuery, location="query")
    @blp.response(200, sc.CatalogueOut)
    @blp.alt_response(422, description=ERRORS["422"])
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The service catalogue of the municipality at a point (lat+lon) or with a code, localized."""
        has_point = "lat" in query and "lon" in query
        if not has_point and not query.get("jurisdiction"):
            abort(422, errors={"query": {"lat": ["Give lat and lon, or jurisdiction."]}})
        device = g.get("device")
        result = catalogue.catalogue(
            lon=query.get("lon"),
            lat=query.get("lat"),
            jurisdiction_code=None if has_point else query.get("jurisdiction"),
            device_locale=device.locale if device else None,
        )
        return result


@blp.route("/reports")
class Reports(MethodView):
    decorators = [
        limiter.limit(
            lambda: limit_setting("RATE_LIMIT_REPORTS_PER_IP"), key_func=client_ip, methods=["POST"], scope="reports-ip"
        ),
        limiter.limit(
            lambda: limit_setting("RATE_LIMIT_REPORTS_PER_DEVICE"),
            key_func=device_or_ip,
            methods=["POST"],
            scope="reports-device",
        ),
    ]

    @blp.arguments(sc.MapQuery, location="query")
    @blp.response(200, sc.FeatureCollectionOut, content_type="application/geo+json")
    @blp.alt_response(422, description=ERRORS["422"])
    def get(self, query: dict[str, Any]) -> Response:
        """The map: a GeoJSON FeatureCollection of public reports in a box.

        Above street zoom (16) clustered per grid cell with exact counts (`properties.count`); at street
        zoom the reports themselves, newest first, paged with `cursor=next_cursor`.
        """
        body = report_map.reports_map(
            bbox=query["bbox"],
            zoom=query["zoom"],
            status=query["status"],
            service=query["service"],
            since=query["since"],
            cursor=query["cursor"],
            limit=query["limit"],
        )
        return Response(body, status=200, mimetype="application/geo+json")

    @device_required
    @blp.arguments(sc.IdempotencyHeader, location="headers")
    @blp.arguments(sc.ReportIn)
    @blp.response(201, sc.SubmittedOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.alt_response(429, description=ERRORS["429"])
    @blp.doc(security=[BEARER])
    def post(self, headers: dict[str, Any], data: dict[str, Any]) -> Any:
        """Report a problem. The answer includes similar open reports nearby ("me too")."""
        result = reports.submit(current_device(), data, headers.get("idempotency_key"))
        extra = {"Idempotent-Replayed": "true"} if result.replayed else {}
        return {**result.report, "nearby": result.nearby}, 201, extra


@blp.route("/reports/<string:report_ref>")
class ReportDetail(MethodView):
    @blp.response(200, sc.ReportDetailOut)
    @blp.alt_response(404, description=ERRORS["404"])
    def get(self, report_ref: str) -> dict[str, Any]:
        """A report's public detail and timeline, by id or public id (e.g. KRK-2026-000123)."""
        return reports.public_detail(report_ref, g.get("device"))


@blp.route("/reports/<string:report_ref>/photos")
class ReportPhotos(MethodView):
    @device_required
    @blp.arguments(sc.PhotoIn, location="files")
    @blp.response(201, sc.PhotoUploaded)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(403, description="Not the device that filed the report")
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.alt_response(413, description="Larger than 10 MB, or too many pixels")
    @blp.alt_response(415, description="Not a JPEG, PNG, WebP or HEIC image")
    @blp.alt_response(422, description="The report has 5 photos already")
    @blp.doc(security=[BEARER])
    def post(self, files: dict[str, Any], report_ref: str) -> dict[str, Any]:
        """Add a photo (multipart field `photo`); stored re-encoded without any metadata."""
        return photos.upload(current_device(), report_ref, files["photo"].stream)


@blp.route("/reports/<string:report_ref>/supports")
class ReportSupport(MethodView):
    @device_required
    @blp.response(200, sc.SupportOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.alt_response(409, description="Own report, or no longer open")
    @blp.doc(security=[BEARER])
    def post(self, report_ref: str) -> dict[str, Any]:
        """Say "me too" (once per device; repeating it changes nothing)."""
        return reports.support(current_device(), report_ref)

    @device_required
    @blp.response(200, sc.SupportOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.doc(security=[BEARER])
    def delete(self, report_ref: str) -> dict[str, Any]:
        """Withdraw a "me too"."""
        return reports.withdraw_support(current_device(), report_ref)


@blp.route("/me/reports")
class MyReports(MethodView):
    @device_required
    @blp.arguments(sc.MyReportsQuery, location="query")
    @blp.response(200, sc.MyReportsOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.doc(security=[BEARER])
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """My reports, newest first (pass `before=next_before` for the next page)."""
        return reports.my_reports(current_device(), limit=query["limit"], before=query["before"])


@blp.route("/me/export")
class MyExport(MethodView):
    @device_required
    @blp.response(200, sc.ExportOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.doc(security=[BEARER])
    def get(self) -> dict[str, Any]:
        """Everything stored about me (JSON)."""
        return devices.export(current_device().id)


@blp.route("/me")
class Me(MethodView):
    @device_required
    @blp.response(204)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.doc(security=[BEARER])
    def delete(self) -> Response | None:
        """Erase my contact data and tokens; my reports stay, anonymised."""
        devices.erase(current_device().id)
        return None


@blp.route("/me/notification-preferences")
class MyPreferences(MethodView):
    @device_required
    @blp.response(200, sc.PreferencesOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.doc(security=[BEARER])
    def get(self) -> dict[str, Any]:
        """The topics this device follows (`emergency` and `my_reports` are on for a new device)."""
        return notifications.preferences(current_device().id)

    @device_required
    @blp.arguments(sc.PreferencesIn)
    @blp.response(200, sc.PreferencesOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.doc(security=[BEARER])
    def put(self, data: dict[str, Any]) -> dict[str, Any]:
        """Turn topics on or off."""
        return notifications.set_preferences(current_device().id, data["topics"])


@blp.route("/me/notifications")
class MyNotifications(MethodView):
    @device_required
    @blp.arguments(sc.InboxQuery, location="query")
    @blp.response(200, sc.InboxOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.doc(security=[BEARER])
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Everything sent to this device, newest first (also what a push could not deliver)."""
        return notifications.inbox(
            current_device().id, limit=query["limit"], before=query["before"], unread_only=query["unread"]
        )


@blp.route("/me/notifications/read")
class MyNotificationsRead(MethodView):
    @device_required
    @blp.arguments(sc.ReadIn)
    @blp.response(200, sc.ReadOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any]) -> dict[str, int]:
        """Mark notifications as read (all of them when `ids` is left out)."""
        return notifications.mark_read(current_device().id, data["ids"])


@blp.route("/me/notifications/<int:notification_id>/read")
class MyNotificationRead(MethodView):
    @device_required
    @blp.response(200, sc.ReadOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.doc(security=[BEARER])
    def post(self, notification_id: int) -> dict[str, int]:
        """Mark one notification as read."""
        return notifications.mark_one_read(current_device().id, notification_id)


UNSUBSCRIBE_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{text}</p>{form}</body></html>"""


@blp.route("/email/unsubscribe")
class EmailUnsubscribe(MethodView):
    @blp.arguments(sc.UnsubscribeQuery, location="query")
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

    @blp.arguments(sc.UnsubscribeQuery, location="query")
    @blp.doc(responses={"200": {"description": "Unsubscribed"}, "404": {"description": "Not a valid link"}})
    def post(self, query: dict[str, Any]) -> Response:
        """Stop e-mails (the page's button, or a mail client's one-click unsubscribe, RFC 8058)."""
        if not notifications.unsubscribe(query["token"]):
            abort(404, message=gettext("This unsubscribe link is not valid."))
        lang = g.language
        page = UNSUBSCRIBE_PAGE.format(
            lang=lang,
            title=escape(gettext("E-mails about your reports", lang)),
            text=escape(gettext("You will get no more e-mails about your reports.", lang)),
            form="",
        )
        return Response(page, mimetype="text/html")


@blp.route("/me/places")
class MyPlaces(MethodView):
    @device_required
    @blp.response(200, sc.PlacesOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.doc(security=[BEARER])
    def get(self) -> dict[str, Any]:
        """The places this device follows (alerts and waste reminders for their areas)."""
        return {"items": places.places(current_device())}

    @device_required
    @blp.arguments(sc.PlaceIn)
    @blp.response(201, sc.PlaceOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(409, description="Too many places")
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Follow a place (opt-in: the app sends it only when the resident saves it)."""
        return places.add_place(current_device(), data["label"], data["lon"], data["lat"])


@blp.route("/me/places/<int:place_id>")
class MyPlace(MethodView):
    @device_required
    @blp.response(204)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.doc(security=[BEARER])
    def delete(self, place_id: int) -> None:
        """Stop following a place."""
        places.remove_place(current_device(), place_id)


@blp.route("/announcements")
class Announcements(MethodView):
    @blp.arguments(sc.AnnouncementsQuery, location="query")
    @blp.response(200, sc.AnnouncementsOut)
    @blp.alt_response(422, description=ERRORS["422"])
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """News, events, transport changes and alerts in force at a place (emergencies first)."""
        return broadcasts.announcements(query["lon"], query["lat"], query["topic"], g.language)


@blp.route("/waste-schedule")
class WasteSchedule(MethodView):
    @blp.arguments(sc.WasteQuery, location="query")
    @blp.response(200, sc.WasteOut)
    @blp.alt_response(422, description=ERRORS["422"])
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The coming waste collections at a place (its district's and its street's)."""
        return waste.schedule_at(query["lon"], query["lat"], query["days"], g.language)


@blp.route("/surveys")
class Surveys(MethodView):
    @device_required
    @blp.response(200, sc.SurveyList)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.doc(security=[BEARER])
    def get(self) -> dict[str, Any]:
        """Open surveys meant for this device (its municipality, its places, the survey's audience)."""
        return {"items": surveys.open_for(current_device(), g.language)}


@blp.route("/surveys/<int:survey_id>")
class OneSurvey(MethodView):
    @device_required
    @blp.response(200, sc.SurveyOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.doc(security=[BEARER])
    def get(self, survey_id: int) -> dict[str, Any]:
        """A survey's questions in my language."""
        return surveys.for_device(current_device(), survey_id, g.language)


@blp.route("/surveys/<int:survey_id>/responses")
class SurveyResponses(MethodView):
    @device_required
    @blp.arguments(sc.IdempotencyHeader, location="headers")
    @blp.arguments(sc.SurveyAnswersIn)
    @blp.response(201, sc.SurveyReceipt)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.alt_response(409, description="Already answered, or the survey is closed")
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.doc(security=[BEARER])
    def post(self, headers: dict[str, Any], data: dict[str, Any], survey_id: int) -> Any:
        """Answer a survey once (a retry with the same Idempotency-Key returns the first receipt)."""
        receipt, created = surveys.respond(current_device(), survey_id, data["answers"], headers.get("idempotency_key"))
        return receipt, 201 if created else 200


@blp.route("/reports/<string:report_ref>/feedback")
class ReportFeedback(MethodView):
    @device_required
    @blp.response(200, sc.FeedbackStatusOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.doc(security=[BEARER])
    def get(self, report_ref: str) -> dict[str, Any]:
        """Whether I am asked about this report's resolution, and whether I answered."""
        return feedback.status(current_device(), report_ref)

    @device_required
    @blp.arguments(sc.FeedbackIn)
    @blp.response(201, sc.FeedbackOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description="Not a report I filed or support")
    @blp.alt_response(409, description="Already answered, or not asked yet")
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any], report_ref: str) -> dict[str, Any]:
        """Is it fixed, and how satisfied am I? "Not fixed" reopens the report."""
        return feedback.answer(
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
    @blp.arguments(sc.FeedbackLinkQuery, location="query")
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

    @blp.arguments(sc.FeedbackFormIn, location="form")
    @blp.doc(
        responses={
            "200": {"description": "Recorded"},
            "404": {"description": "Not a valid link"},
            "409": {"description": "Already answered"},
        }
    )
    def post(self, data: dict[str, Any]) -> Response:
        """Record the answer from the e-mail's page ("not fixed" reopens the report)."""
        result = feedback.answer_by_email(
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


class OpenDataQuery(ValuesQuery):
    jurisdiction = fields.String(required=True, metadata={"description": "The municipality's slug or code"})


class OpenDataDefinitionsQuery(Schema):
    jurisdiction = fields.String(required=True, metadata={"description": "The municipality's slug or code"})


@blp.route("/open-data/indicators")
class OpenDataIndicators(MethodView):
    @blp.arguments(OpenDataDefinitionsQuery, location="query")
    @blp.response(200)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Open data: the municipality's public quality indicators (definitions, targets, thresholds)."""
        return {
            "items": indicators.definitions(indicators.jurisdiction_by_slug(query["jurisdiction"]), public_only=True)
        }


@blp.route("/open-data/indicator-values")
class OpenDataIndicatorValues(MethodView):
    @blp.arguments(OpenDataQuery, location="query")
    @blp.doc(responses=FEED_DOC)
    def get(self, query: dict[str, Any]) -> Response:
        """Open data: values of the public indicators, without small cells (n < 5), in JSON or CSV."""
        return values_feed(
            indicators.jurisdiction_by_slug(query["jurisdiction"]), query, public_only=True, cache="public, max-age=300"
        )
