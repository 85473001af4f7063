"""Announcements: news, events, transport changes and alerts in force at a place."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from backend import broadcasts
from backend.fields import DateTime, Int
from backend.models import TOPICS
from mobile_api.blueprint import ERRORS, blp
from mobile_api.schemas import PlaceRef, PointQuery


class AnnouncementsQuery(PointQuery):
    topic = fields.String(load_default=None, validate=validate.OneOf([t for t in TOPICS if t != "my_reports"]))


class AnnouncementOut(Schema):
    id = Int(required=True)
    topic = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    sent_at = DateTime(required=True)
    expires_at = DateTime(allow_none=True)


class AnnouncementsOut(Schema):
    jurisdiction = fields.Nested(PlaceRef, required=True)
    items = fields.List(fields.Nested(AnnouncementOut), required=True)


@blp.route("/announcements")
class Announcements(MethodView):
    @blp.arguments(AnnouncementsQuery, location="query")
    @blp.response(200, AnnouncementsOut)
    @blp.alt_response(422, description=ERRORS["422"])
    def get(self, query: dict[str, Any]) -> broadcasts.Announcements:
        """News, events, transport changes and alerts in force at a place (emergencies first)."""
        return broadcasts.announcements(query["lon"], query["lat"], query["topic"], g.language)
