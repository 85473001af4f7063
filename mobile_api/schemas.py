"""Resident API schemas shared by several features (no staff-only or personal fields)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class NamedRef(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class PlaceRef(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class PointQuery(Schema):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class IdempotencyHeader(Schema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        load_default=None,
        validate=validate.Regexp(r"^[\x21-\x7e]{1,64}$"),
        metadata={"description": "Makes a retried submission return the first report."},
    )
