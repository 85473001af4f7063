"""My device and my data: registration and settings, export and erasure, notification preferences and inbox,
and the places I follow."""

from __future__ import annotations

from typing import Any

from flask import Response, g
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from backend import residents
from backend.fields import BigInt, DateTime, Int
from backend.models import PLATFORMS, TOPICS, Device
from backend.ratelimit import client_ip, limit_setting, limiter
from mobile_api.auth import BEARER, current_device, device_required
from mobile_api.blueprint import ERRORS, blp
from mobile_api.schemas import PlaceRef


class DeviceIn(Schema):
    platform = fields.String(required=True, validate=validate.OneOf(PLATFORMS))
    locale = fields.String(required=True, validate=validate.Length(min=2, max=16))
    push_token = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=4096))


class DeviceRegistered(Schema):
    device_id = Int(required=True)
    token = fields.String(required=True, metadata={"description": "Bearer token; shown only once."})
    platform = fields.String()
    locale = fields.String()


class DevicePatch(Schema):
    locale = fields.String(validate=validate.Length(min=2, max=16))
    push_token = fields.String(allow_none=True, validate=validate.Length(min=1, max=4096))
    jurisdiction = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=16),
        metadata={
            "description": "The municipality (code) whose jurisdiction-wide alerts this device gets; null clears it"
        },
    )


class DeviceOut(Schema):
    device_id = Int(attribute="id")
    platform = fields.String()
    locale = fields.String()
    has_push_token = fields.Function(lambda d: d.push_token is not None)
    jurisdiction = fields.Function(lambda d: d.jurisdiction.code if d.jurisdiction is not None else None)


class ExportOut(Schema):
    device = fields.Dict()
    contact = fields.Dict(allow_none=True)
    reports = fields.List(fields.Dict())
    supports = fields.List(fields.Dict())
    places = fields.List(fields.Dict(), metadata={"description": "Saved places: label, lon, lat, municipality, area"})
    notification_topics = fields.List(fields.String())
    notifications = fields.List(fields.Dict())
    survey_answers = fields.List(fields.Dict(), metadata={"description": "My survey responses: survey, answers"})
    feedback = fields.List(fields.Dict(), metadata={"description": 'My answers to "Is it fixed?"'})


class PreferencesOut(Schema):
    topics = fields.Dict(
        keys=fields.String(validate=validate.OneOf(TOPICS)),
        values=fields.Boolean(),
        required=True,
        metadata={"description": "Every topic and whether this device follows it: " + ", ".join(TOPICS)},
    )


class PreferencesIn(Schema):
    topics = fields.Dict(
        keys=fields.String(validate=validate.OneOf(TOPICS)),
        values=fields.Boolean(required=True),
        required=True,
        metadata={"description": "Topics to turn on (true) or off (false); topics not named keep their setting"},
    )


class InboxQuery(Schema):
    limit = Int(load_default=20, validate=validate.Range(min=1, max=100))
    before = BigInt(
        load_default=None,
        validate=validate.Range(min=1, max=2**62),
        metadata={"description": "next_before of the previous page"},
    )
    unread = fields.Boolean(load_default=False, metadata={"description": "Only unread notifications"})


class NotificationOut(Schema):
    id = BigInt(required=True)
    kind = fields.String(required=True, metadata={"description": "report.status_changed, report.replied, …"})
    topic = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    data = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "Deep link: type, report_id, public_id"}
    )
    report_id = Int(allow_none=True)
    created_at = DateTime(required=True)
    read = fields.Boolean(required=True)
    read_at = DateTime(allow_none=True)


class InboxOut(Schema):
    items = fields.List(fields.Nested(NotificationOut), required=True)
    unread = Int(required=True)
    next_before = BigInt(allow_none=True)


class ReadIn(Schema):
    ids = fields.List(
        BigInt(validate=validate.Range(min=1, max=2**62)),
        load_default=None,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "Notifications to mark as read; leave out to mark all"},
    )


class ReadOut(Schema):
    marked = Int(required=True)
    unread = Int(required=True)


class PlaceIn(Schema):
    label = fields.String(
        required=True, validate=validate.Length(min=1, max=60), metadata={"description": "e.g. home, work"}
    )
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class PlaceOut(Schema):
    id = Int(required=True)
    label = fields.String(required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    jurisdiction = fields.Nested(PlaceRef, required=True)
    area = fields.Nested(PlaceRef, allow_none=True)
    created_at = DateTime()


class PlacesOut(Schema):
    items = fields.List(fields.Nested(PlaceOut), required=True)


@blp.route("/devices")
class DeviceRegistration(MethodView):
    decorators = [limiter.limit(lambda: limit_setting("RATE_LIMIT_DEVICE_REGISTRATION"), key_func=client_ip)]

    @blp.arguments(DeviceIn)
    @blp.response(201, DeviceRegistered)
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.alt_response(429, description=ERRORS["429"])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Register an app install; the bearer token in the answer is shown only once."""
        device, token = residents.register_device(data["platform"], data["locale"], data.get("push_token"))
        g.language = device.locale
        return {"device_id": device.id, "token": token, "platform": device.platform, "locale": device.locale}


@blp.route("/devices/me")
class MyDevice(MethodView):
    @device_required
    @blp.arguments(DevicePatch)
    @blp.response(200, DeviceOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.doc(security=[BEARER])
    def patch(self, data: residents.SettingsChange) -> Device:
        """Rotate the push token (null clears it) or change the language."""
        return residents.update_settings(current_device().id, data)


@blp.route("/me/export")
class MyExport(MethodView):
    @device_required
    @blp.response(200, ExportOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.doc(security=[BEARER])
    def get(self) -> residents.Export:
        """Everything stored about me (JSON)."""
        return residents.export(current_device().id)


@blp.route("/me")
class Me(MethodView):
    @device_required
    @blp.response(204)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.doc(security=[BEARER])
    def delete(self) -> Response | None:
        """Erase me: contact data, this device, its places, inbox and supports; my reports stay, anonymised."""
        residents.erase(current_device().id)
        return None


@blp.route("/me/notification-preferences")
class MyPreferences(MethodView):
    @device_required
    @blp.response(200, PreferencesOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.doc(security=[BEARER])
    def get(self) -> residents.Preferences:
        """The topics this device follows (`emergency` and `my_reports` are on for a new device)."""
        return residents.preferences(current_device().id)

    @device_required
    @blp.arguments(PreferencesIn)
    @blp.response(200, PreferencesOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.doc(security=[BEARER])
    def put(self, data: dict[str, Any]) -> residents.Preferences:
        """Turn topics on or off."""
        return residents.set_preferences(current_device().id, data["topics"])


@blp.route("/me/notifications")
class MyNotifications(MethodView):
    @device_required
    @blp.arguments(InboxQuery, location="query")
    @blp.response(200, InboxOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.doc(security=[BEARER])
    def get(self, query: dict[str, Any]) -> residents.Inbox:
        """Everything sent to this device, newest first (also what a push could not deliver)."""
        return residents.inbox(
            current_device().id, limit=query["limit"], before=query["before"], unread_only=query["unread"]
        )


@blp.route("/me/notifications/read")
class MyNotificationsRead(MethodView):
    @device_required
    @blp.arguments(ReadIn)
    @blp.response(200, ReadOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any]) -> residents.ReadCount:
        """Mark notifications as read (all of them when `ids` is left out)."""
        return residents.mark_read(current_device().id, data["ids"])


@blp.route("/me/notifications/<bigint:notification_id>/read")
class MyNotificationRead(MethodView):
    @device_required
    @blp.response(200, ReadOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.doc(security=[BEARER])
    def post(self, notification_id: int) -> residents.ReadCount:
        """Mark one notification as read."""
        return residents.mark_one_read(current_device().id, notification_id)


@blp.route("/me/places")
class MyPlaces(MethodView):
    @device_required
    @blp.response(200, PlacesOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.doc(security=[BEARER])
    def get(self) -> dict[str, list[residents.PlaceView]]:
        """The places this device follows (alerts and waste reminders for their areas)."""
        return {"items": residents.saved_places(current_device())}

    @device_required
    @blp.arguments(PlaceIn)
    @blp.response(201, PlaceOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(409, description="Too many places")
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any]) -> residents.PlaceView:
        """Follow a place (opt-in: the app sends it only when the resident saves it)."""
        return residents.add_place(current_device(), data["label"], data["lon"], data["lat"])


@blp.route("/me/places/<int:place_id>")
class MyPlace(MethodView):
    @device_required
    @blp.response(204)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.doc(security=[BEARER])
    def delete(self, place_id: int) -> None:
        """Stop following a place."""
        residents.remove_place(current_device(), place_id)
