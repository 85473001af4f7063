"""The public map as cacheable tiles (GET /map/tiles/{z}/{x}/{y}): what a web map asks for tile by tile; the bbox
map (GET /reports) stays for the apps."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend import reporting
from backend.fields import Int
from mobile_api.blueprint import ERRORS, blp

CONTENT_TYPE = "application/geo+json"
#: The last column or row of the deepest zoom.
LAST_INDEX = (1 << reporting.MAX_TILE_ZOOM) - 1


class TilePath(Schema):
    z = Int(required=True, validate=validate.Range(min=0, max=reporting.MAX_TILE_ZOOM), metadata={"example": 13})
    x = Int(required=True, validate=validate.Range(min=0, max=LAST_INDEX), metadata={"example": 4549})
    y = Int(required=True, validate=validate.Range(min=0, max=LAST_INDEX), metadata={"example": 2777})

    @validates_schema
    def _within_zoom(self, data: dict[str, Any], **_: Any) -> None:
        last = (1 << data["z"]) - 1
        for name in ("x", "y"):
            if data[name] > last:
                raise ValidationError(f"Must be greater than or equal to 0 and less than or equal to {last}.", name)


class TileQuery(Schema):
    status = fields.String(load_default=None, metadata={"description": "Statuses, comma-separated; or open, closed"})
    service = fields.String(load_default=None, metadata={"description": "Service codes, comma-separated"})


class TileOut(Schema):
    type = fields.String(required=True)
    features = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "One cluster per grid cell whose centre lies in the tile: properties.count, "
            "properties.cell, properties.cell_bbox; the point is the mean position of its reports."
        },
    )
    tile = fields.List(Int(), metadata={"description": "[z, x, y]"})
    bbox = fields.List(fields.Float(), metadata={"description": "The tile's west, south, east, north"})
    zoom = Int()
    mode = fields.String(metadata={"description": "clusters"})


@blp.route("/map/tiles/<z>/<x>/<y>")
class MapTile(MethodView):
    @blp.arguments(TilePath, location="path")
    @blp.arguments(TileQuery, location="query")
    @blp.response(200, TileOut, content_type=CONTENT_TYPE)
    @blp.alt_response(304, description="Not modified: nothing in the tile changed since the ETag in If-None-Match")
    @blp.alt_response(422, description=ERRORS["422"])
    def get(self, path: dict[str, Any], query: dict[str, Any], **_: str) -> Response:
        """The public map as a web-map tile: clustered GeoJSON, cacheable, with an ETag.

        Tiles are numbered as every web map numbers them (Web Mercator, z 0–22). Each grid cell belongs to exactly
        one tile of a zoom, the one holding its centre, so the counts of the tiles covering an area add up to the
        bbox map's for it. Send the ETag back in If-None-Match: 304 while no report in the tile changed.
        """
        tile = reporting.map_tile(
            path["z"],
            path["x"],
            path["y"],
            status=query["status"],
            service=query["service"],
            current=request.if_none_match.contains_weak,
        )
        max_age = current_app.config["HROMADA_SETTINGS"].MAP_DATA_TILE_MAX_AGE
        response = Response(tile.body, status=200 if tile.body is not None else 304, mimetype=CONTENT_TYPE)
        response.set_etag(tile.etag)
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
        return response
