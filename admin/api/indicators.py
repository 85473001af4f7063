"""Quality indicators in the staff API: the catalogue (admins edit it) and the values feed that STRADOM-like
systems read with an API key of scope `indicators:read`."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields

from admin.api.auth import BEARER, allow, current_staff
from admin.api.blueprint import blp
from backend import indicators
from backend.feeds import FEED_DOC, ValuesQuery, values_feed

#: The OpenAPI security requirement of an API key (X-API-Key).
KEY: dict[str, list[str]] = {"apiKey": []}


class IndicatorOut(indicators.IndicatorSpec):
    updated_at = fields.String(allow_none=True)


class IndicatorListOut(Schema):
    items = fields.List(fields.Nested(IndicatorOut), required=True)


class IndicatorChange(indicators.IndicatorSpec):
    """Any subset of an indicator's fields except its code."""

    class Meta:
        exclude = ("code",)

    links = fields.Nested(indicators.LinksSchema)


class RecomputeIn(Schema):
    codes = fields.List(
        fields.String(), load_default=list, metadata={"description": "Only these indicators (empty: all active ones)"}
    )
    since = fields.String(data_key="from", load_default=None, metadata={"description": "First month, YYYY-MM"})
    until = fields.String(data_key="to", load_default=None, metadata={"description": "Last month, YYYY-MM"})


@blp.route("/indicators")
class Indicators(MethodView):
    @allow("indicators.list")
    @blp.response(200, IndicatorListOut)
    @blp.doc(security=[BEARER, KEY])
    def get(self) -> dict[str, list[indicators.IndicatorDefinition]]:
        """The municipality's indicator catalogue: definitions, targets, thresholds, owners, strategic links."""
        return {"items": indicators.definitions(current_staff().jurisdiction_id)}

    @allow("indicators.create")
    @blp.arguments(indicators.IndicatorSpec)
    @blp.response(201, IndicatorOut)
    @blp.doc(security=[BEARER])
    def post(self, data: indicators.IndicatorFields) -> indicators.IndicatorDefinition:
        """Add an indicator; its values are computed in the background."""
        return indicators.create(current_staff(), data)


@blp.route("/indicators/<string:code>")
class OneIndicator(MethodView):
    @allow("indicators.list")
    @blp.response(200, IndicatorOut)
    @blp.doc(security=[BEARER, KEY])
    def get(self, code: str) -> indicators.IndicatorDefinition:
        return indicators.definition(current_staff(), code)

    @allow("indicators.update")
    @blp.arguments(IndicatorChange(partial=True))
    @blp.response(200, IndicatorOut)
    @blp.doc(security=[BEARER])
    def patch(self, data: indicators.IndicatorFields, code: str) -> indicators.IndicatorDefinition:
        """Change an indicator. New thresholds or target re-judge the stored values at once; a change of what is
        computed (computation, filters, provenance, granularity, active) recomputes them in the background."""
        return indicators.update(current_staff(), code, data)


@blp.route("/indicators/recompute")
class Recompute(MethodView):
    @allow("indicators.recompute")
    @blp.arguments(RecomputeIn)
    @blp.response(202)
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any]) -> indicators.RecomputeAccepted:
        """Recompute the indicators' values for the configured history now (in the background)."""
        return indicators.request_recompute(current_staff(), data["codes"], data["since"], data["until"])


@blp.route("/indicator-values")
class IndicatorValues(MethodView):
    @allow("indicators.values")
    @blp.arguments(ValuesQuery, location="query")
    @blp.doc(security=[BEARER, KEY], responses=FEED_DOC)
    def get(self, query: dict[str, Any]) -> Response:
        """The values feed, in a stable order (indicator, period, service, area, provenance)."""
        return values_feed(current_staff().jurisdiction_id, query, public_only=False, cache="private, no-cache")
