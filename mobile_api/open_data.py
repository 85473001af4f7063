"""Open data: the municipality's public quality indicators and their values."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields

from backend import indicators
from backend.feeds import FEED_DOC, ValuesQuery, values_feed
from mobile_api.blueprint import blp


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
