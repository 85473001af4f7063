"""What a place offers: the service catalogue of its municipality and its waste-collection calendar."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from backend import cities, reporting
from backend.cities import schedule_at
from backend.fields import Date, Int
from mobile_api.blueprint import ERRORS, blp
from mobile_api.schemas import NamedRef, PointQuery


class CatalogueQuery(Schema):
    lat = fields.Float(validate=validate.Range(min=-90, max=90))
    lon = fields.Float(validate=validate.Range(min=-180, max=180))
    jurisdiction = fields.String(validate=validate.Length(min=1, max=32))


class OptionOut(Schema):
    key = fields.String()
    name = fields.String()


class QuestionOut(Schema):
    code = fields.String()
    datatype = fields.String()
    required = fields.Boolean()
    order = Int()
    label = fields.String()
    hint = fields.String(allow_none=True)
    options = fields.List(fields.Nested(OptionOut))


class ServiceOut(Schema):
    service_code = fields.String()
    name = fields.String()
    description = fields.String()
    group = fields.Nested(NamedRef, allow_none=True)
    keywords = fields.List(fields.String())
    sla_hours = Int(allow_none=True)
    questions = fields.List(fields.Nested(QuestionOut))


class CatalogueOut(Schema):
    jurisdiction = fields.Nested(NamedRef)
    language = fields.String()
    services = fields.List(fields.Nested(ServiceOut))


class WasteQuery(PointQuery):
    days = Int(load_default=14, validate=validate.Range(min=1, max=90))


class WasteItem(Schema):
    date = Date(required=True)
    fraction = fields.String(required=True, metadata={"description": "mixed, paper, plastics_metal, glass, bio, bulky"})
    name = fields.String(required=True)


class WasteOut(Schema):
    jurisdiction = fields.String(required=True)
    area = fields.String(required=True)
    items = fields.List(fields.Nested(WasteItem), required=True)


@blp.route("/services")
class Services(MethodView):
    @blp.arguments(CatalogueQuery, location="query")
    @blp.response(200, CatalogueOut)
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.alt_response(422, description=ERRORS["422"])
    def get(self, query: dict[str, Any]) -> reporting.Catalogue:
        """The service catalogue of the municipality at a point (lat+lon) or with a code, localized; with both,
        the point must lie in that municipality (an unknown code is 404)."""
        has_point = "lat" in query and "lon" in query
        if not has_point and not query.get("jurisdiction"):
            abort(422, errors={"query": {"lat": ["Give lat and lon, or jurisdiction."]}})
        device = g.get("device")
        result = reporting.service_catalogue(
            lon=query.get("lon"),
            lat=query.get("lat"),
            jurisdiction_code=query.get("jurisdiction"),
            device_locale=device.locale if device else None,
        )
        return result


@blp.route("/waste-schedule")
class WasteSchedule(MethodView):
    @blp.arguments(WasteQuery, location="query")
    @blp.response(200, WasteOut)
    @blp.alt_response(422, description=ERRORS["422"])
    def get(self, query: dict[str, Any]) -> cities.WasteSchedule:
        """The coming waste collections at a place (its district's and its street's)."""
        return schedule_at(query["lon"], query["lat"], query["days"], g.language)
