"""Before filing: the address register's candidates for typed text, what a point is (municipality, district,
nearest address), and the open reports nearby that a new report would duplicate ("me too" instead)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates

from backend import cities, reporting
from backend.fields import DateTime, Int
from mobile_api.blueprint import ERRORS, blp
from mobile_api.schemas import NamedRef, PointQuery

KRAKOW = {"code": "1261011", "name": "Kraków"}
STARE_MIASTO = {"code": "I", "name": "Stare Miasto"}


class AddressQuery(Schema):
    q = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": 'Street and house number as typed: "ul. Floriańska 12, 31-019 Kraków", "Florianska 12", '
            '"вул. Флоріанська 12", or a postcode alone.',
            "example": "ul. Floriańska 12, Kraków",
        },
    )
    jurisdiction = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=32),
        metadata={"description": "Only this municipality's addresses (its code)", "example": "1261011"},
    )
    limit = Int(load_default=10, validate=validate.Range(min=1, max=20))

    @validates("q")
    def _not_blank(self, value: str, **_: Any) -> None:
        if not value.strip():
            raise ValidationError("Type a street name, and the house number if you know it.")


class AddressOut(Schema):
    label = fields.String(required=True, metadata={"description": "Street and number in the reader's language"})
    street = fields.String(required=True)
    house_number = fields.String(required=True)
    postcode = fields.String(allow_none=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    jurisdiction = fields.Nested(NamedRef, required=True)
    area = fields.Nested(NamedRef, allow_none=True, metadata={"description": "The district"})


class AddressesOut(Schema):
    items = fields.List(fields.Nested(AddressOut), required=True)
    message = fields.String(allow_none=True, metadata={"description": "What to do next when nothing matched"})


class MunicipalityOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    default_language = fields.String(required=True)
    languages = fields.List(fields.String(), required=True)


class NearestAddressOut(Schema):
    label = fields.String(required=True)
    street = fields.String(required=True)
    house_number = fields.String(required=True)
    postcode = fields.String(allow_none=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    distance_m = fields.Float(required=True)


class LocateOut(Schema):
    inside = fields.Boolean(required=True, metadata={"description": "Whether a served municipality covers the point"})
    jurisdiction = fields.Nested(MunicipalityOut, allow_none=True)
    area = fields.Nested(NamedRef, allow_none=True, metadata={"description": "The district"})
    address = fields.Nested(
        NearestAddressOut, allow_none=True, metadata={"description": "The nearest address within 100 m"}
    )
    message = fields.String(allow_none=True, metadata={"description": "Outside: what to do next"})


class NearbyQuery(PointQuery):
    service_code = fields.String(
        required=True, validate=validate.Length(min=1, max=64), metadata={"example": "street_light"}
    )


class NearbyPhotoOut(Schema):
    id = Int(required=True)
    url = fields.String(required=True)
    thumbnail_url = fields.String(allow_none=True)


class NearbyReportOut(Schema):
    id = Int(required=True)
    public_id = fields.String(required=True)
    service_code = fields.String(required=True)
    service_name = fields.String(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True, metadata={"description": "The status in the reader's language"})
    description = fields.String(required=True)
    address = fields.String(allow_none=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    requested_at = DateTime(required=True)
    support_count = Int(required=True)
    distance_m = fields.Float(required=True)
    photo = fields.Nested(NearbyPhotoOut, allow_none=True, metadata={"description": "The first public photo"})
    is_mine = fields.Boolean(allow_none=True, metadata={"description": "Filed by this device (null without one)"})
    supported = fields.Boolean(allow_none=True, metadata={"description": '"Me too" said by this device already'})


class NearbyReportsOut(Schema):
    service_code = fields.String(required=True)
    radius_m = Int(required=True, metadata={"description": "The service's duplicate radius"})
    window_days = Int(required=True, metadata={"description": "Reports filed within this many days count"})
    items = fields.List(fields.Nested(NearbyReportOut), required=True)


_ADDRESSES_EXAMPLE = {
    "items": [
        {
            "label": "Floriańska 12",
            "street": "Floriańska",
            "house_number": "12",
            "postcode": "31-019",
            "lat": 50.06285,
            "lon": 19.93929,
            "jurisdiction": KRAKOW,
            "area": STARE_MIASTO,
        }
    ],
    "message": None,
}
_LOCATE_EXAMPLE = {
    "inside": True,
    "jurisdiction": {**KRAKOW, "default_language": "pl", "languages": ["pl", "uk", "en"]},
    "area": STARE_MIASTO,
    "address": {
        "label": "Floriańska 3",
        "street": "Floriańska",
        "house_number": "3",
        "postcode": "31-019",
        "lat": 50.062235,
        "lon": 19.938797,
        "distance_m": 4.2,
    },
    "message": None,
}


@blp.route("/addresses")
class Addresses(MethodView):
    @blp.arguments(AddressQuery, location="query")
    @blp.response(200, AddressesOut, example=_ADDRESSES_EXAMPLE)
    @blp.alt_response(404, description="Unknown jurisdiction")
    @blp.alt_response(422, description=ERRORS["422"])
    def get(self, query: dict[str, Any]) -> cities.AddressCandidates:
        """Addresses of the register for what a resident types, best first, in the reader's language.

        Tolerant of a prefix ("ul.", "al.", "pl.", "os.", "вул.", "просп.", "пл."), the postcode, the
        municipality's name, missing diacritics and small misspellings. Nothing found: `items` is empty and
        `message` says what to do next."""
        return cities.address_candidates(
            query["q"], jurisdiction_code=query["jurisdiction"], lang=g.language, limit=query["limit"]
        )


@blp.route("/locate")
class Locate(MethodView):
    @blp.arguments(PointQuery, location="query")
    @blp.response(200, LocateOut, example=_LOCATE_EXAMPLE)
    @blp.alt_response(422, description=ERRORS["422"])
    def get(self, query: dict[str, Any]) -> cities.Whereabouts:
        """What a point is: its municipality, district and nearest address, in the reader's language.

        A point outside every municipality served here is not an error: `inside` is false and `message` says
        which municipalities are served and what to do."""
        return cities.whereabouts(query["lon"], query["lat"], g.language)


@blp.route("/reports/nearby")
class NearbyBeforeFiling(MethodView):
    @blp.arguments(NearbyQuery, location="query")
    @blp.response(200, NearbyReportsOut)
    @blp.alt_response(422, description=ERRORS["422"])
    def get(self, query: dict[str, Any]) -> reporting.NearbyReports:
        """Open reports of a service near a point, before filing: offer "me too" (POST /reports/{id}/supports)
        instead of a duplicate. Same radius and window as the `nearby` answered with a filed report; hidden,
        merged and finished reports are never offered."""
        return reporting.nearby_before_filing(g.get("device"), query["lon"], query["lat"], query["service_code"])
