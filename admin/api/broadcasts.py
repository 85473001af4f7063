"""Broadcasts in the staff API (managers and admins): preview the audience, send or schedule, statistics."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from admin.api.auth import BEARER, allow, current_staff
from admin.api.blueprint import blp
from backend import broadcasts
from backend.fields import AwareDateTime, DateTime, Int

AUDIENCE_HELP = (
    "jurisdiction (everyone following the municipality), areas (codes), polygon (GeoJSON Polygon or "
    "MultiPolygon drawn on the map), radius (lat, lon, radius_m)"
)


class Text(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    body = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class AudienceIn(Schema):
    topic = fields.String(required=True, validate=validate.OneOf(broadcasts.BROADCAST_TOPICS))
    audience = fields.String(
        required=True,
        validate=validate.OneOf(("jurisdiction", "areas", "polygon", "radius")),
        metadata={"description": AUDIENCE_HELP},
    )
    areas = fields.List(fields.String(validate=validate.Length(min=1, max=16)), validate=validate.Length(max=200))
    polygon = fields.Dict(metadata={"description": "GeoJSON geometry (longitude first)"})
    lat = fields.Float(validate=validate.Range(min=-90, max=90))
    lon = fields.Float(validate=validate.Range(min=-180, max=180))
    radius_m = fields.Float(validate=validate.Range(min=1, max=broadcasts.MAX_RADIUS_M))


class BroadcastIn(AudienceIn):
    texts = fields.Dict(
        keys=fields.String(validate=validate.OneOf(("pl", "uk", "en"))),
        values=fields.Nested(Text),
        required=True,
        metadata={"description": "Per language; the municipality's language required"},
    )
    send_at = AwareDateTime(load_default=None, metadata={"description": "Leave out to send now"})
    expires_at = AwareDateTime(
        load_default=None, metadata={"description": "After this it is no longer sent nor listed in the announcements"}
    )
    private = fields.Boolean(load_default=False, metadata={"description": "Not listed in the announcements"})


CHANNELS_HELP = (
    'Per channel a broadcast goes out through besides the app\'s inbox (push): "configured", or "not configured" '
    "(no FCM credentials: residents see it only in the app's inbox and nothing is counted as sent)"
)


def _channels() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        values=fields.String(validate=validate.OneOf(("configured", "not configured"))),
        required=True,
        metadata={"description": CHANNELS_HELP},
    )


class PreviewOut(Schema):
    devices = Int(required=True, metadata={"description": "Devices in the audience following the topic"})
    with_push = Int(required=True, metadata={"description": "Of those, devices with a push token"})
    channels = _channels()


class StatsOut(Schema):
    targeted = Int(required=True)
    sent = Int(required=True)
    failed = Int(required=True)
    pruned = Int(required=True)
    pending = Int(required=True)
    channels = _channels()


class BroadcastOut(Schema):
    id = Int(required=True)
    topic = fields.String(required=True)
    audience = fields.String(required=True)
    areas = fields.List(fields.String())
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    radius_m = fields.Float(allow_none=True)
    texts = fields.Dict(keys=fields.String(), values=fields.Nested(Text))
    private = fields.Boolean()
    send_at = DateTime(required=True)
    expires_at = DateTime(allow_none=True)
    status = fields.String(required=True, metadata={"description": "scheduled, sending, sent, cancelled, expired"})
    sent_at = DateTime(allow_none=True)
    created_at = DateTime()
    stats = fields.Nested(StatsOut, required=True)


class BroadcastList(Schema):
    items = fields.List(fields.Nested(BroadcastOut), required=True)


@blp.route("/broadcasts/preview")
class Preview(MethodView):
    @allow("broadcasts.preview")
    @blp.arguments(AudienceIn)
    @blp.response(200, PreviewOut)
    @blp.doc(security=[BEARER])
    def post(self, data: broadcasts.BroadcastSpec) -> broadcasts.AudienceSize:
        """The audience size for a topic and an audience, before sending."""
        return broadcasts.preview(current_staff(), data)


@blp.route("/broadcasts")
class Broadcasts(MethodView):
    @allow("broadcasts.list")
    @blp.response(200, BroadcastList)
    @blp.doc(security=[BEARER])
    def get(self) -> dict[str, list[broadcasts.BroadcastView]]:
        """The municipality's broadcasts, newest first, with delivery statistics."""
        return {"items": broadcasts.listing(current_staff())}

    @allow("broadcasts.create")
    @blp.arguments(BroadcastIn)
    @blp.response(201, BroadcastOut)
    @blp.doc(security=[BEARER])
    def post(self, data: broadcasts.BroadcastSpec) -> broadcasts.BroadcastView:
        """Send now, or schedule (`send_at`); emergencies go out first and with high priority."""
        return broadcasts.create(current_staff(), data)


@blp.route("/broadcasts/<int:broadcast_id>")
class OneBroadcast(MethodView):
    @allow("broadcasts.get")
    @blp.response(200, BroadcastOut)
    @blp.doc(security=[BEARER])
    def get(self, broadcast_id: int) -> broadcasts.BroadcastView:
        """A broadcast and its delivery statistics (targeted, sent, failed, pruned, pending)."""
        return broadcasts.detail(current_staff(), broadcast_id)


@blp.route("/broadcasts/<int:broadcast_id>/cancel")
class CancelBroadcast(MethodView):
    @allow("broadcasts.cancel")
    @blp.response(200, BroadcastOut)
    @blp.doc(security=[BEARER])
    def post(self, broadcast_id: int) -> broadcasts.BroadcastView:
        """Cancel a broadcast that is scheduled or still going out."""
        return broadcasts.cancel(current_staff(), broadcast_id)
