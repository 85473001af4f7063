"""Reports: the map, submitting a report, its public detail, photos, "me too", and my reports."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import Response, g
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, post_dump, post_load, validate, validates_schema

from backend import reporting
from backend.fields import AwareDateTime, DateTime, Int
from backend.ratelimit import client_ip, device_or_ip, limit_setting, limiter
from mobile_api.auth import BEARER, current_device, device_required
from mobile_api.blueprint import ERRORS, blp
from mobile_api.schemas import IdempotencyHeader, NamedRef


class ContactIn(Schema):
    name = fields.String(allow_none=True, validate=validate.Length(max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=validate.Regexp(r"^\+?[0-9 ()-]{5,40}$"))


class ReportIn(Schema):
    service_code = fields.String(
        required=True, validate=validate.Length(min=1, max=64), metadata={"example": "street_light"}
    )
    description = fields.String(
        load_default="",
        validate=validate.Length(max=reporting.MAX_DESCRIPTION),
        metadata={"example": "The lamp by the entrance to the park is out."},
    )
    lat = fields.Float(load_default=None, validate=validate.Range(min=-90, max=90), metadata={"example": 50.0617})
    lon = fields.Float(load_default=None, validate=validate.Range(min=-180, max=180), metadata={"example": 19.9373})
    address = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=300),
        metadata={"description": "Without lat/lon the report is placed on the best matching address of the register."},
    )
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(max=64)),
        values=fields.Raw(allow_none=True),
        load_default=dict,
        metadata={"description": "Question code -> answer.", "example": {"problem": "off"}},
    )
    contact = fields.Nested(ContactIn, load_default=None, allow_none=True)
    anonymous = fields.Boolean(load_default=False)

    @validates_schema
    def _location(self, data: dict[str, Any], **_: Any) -> None:
        has_point = data.get("lat") is not None and data.get("lon") is not None
        if not has_point and not (data.get("address") or "").strip():
            raise ValidationError("Send lat and lon, or an address.", "lat")
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ValidationError("Send lat and lon together.", "lon" if data.get("lon") is None else "lat")

    @post_load
    def _report(self, data: dict[str, Any], **_: Any) -> reporting.ReportData:
        return reporting.ReportData(
            service_code=data["service_code"],
            description=data["description"],
            lat=data["lat"],
            lon=data["lon"],
            address=data["address"],
            answers=data["answers"],
            contact=data["contact"],
            anonymous=data["anonymous"],
        )


class PhotoOut(Schema):
    id = Int()
    url = fields.String()
    thumbnail_url = fields.String(allow_none=True)


class PhotoUploaded(PhotoOut):
    state = fields.String(metadata={"description": "approved (public) or pending (awaiting moderation)"})


class PhotoIn(Schema):
    photo = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class MapQuery(Schema):
    bbox = fields.String(
        required=True, metadata={"description": "minLon,minLat,maxLon,maxLat", "example": "19.90,50.04,19.98,50.08"}
    )
    zoom = Int(load_default=None, validate=validate.Range(min=0, max=22))
    status = fields.String(load_default=None, metadata={"description": "Statuses, comma-separated; or open, closed"})
    service = fields.String(load_default=None, metadata={"description": "Service codes, comma-separated"})
    since = AwareDateTime(load_default=None, default_timezone=UTC)
    cursor = Int(load_default=None, validate=validate.Range(min=1, max=2**62))
    limit = Int(load_default=200, validate=validate.Range(min=1, max=1000))


class FeatureCollectionOut(Schema):
    type = fields.String(required=True)
    features = fields.List(fields.Dict(), required=True)
    bbox = fields.List(fields.Float())
    zoom = Int()
    mode = fields.String(metadata={"description": "clusters (with counts) or points"})
    next_cursor = Int(allow_none=True)


class ReportOut(Schema):
    id = Int(required=True)
    public_id = fields.String(required=True)
    service_code = fields.String(required=True)
    service_name = fields.String()
    description = fields.String()
    status = fields.String(required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    address = fields.String(allow_none=True)
    jurisdiction = fields.Nested(NamedRef, required=True)
    area = fields.Nested(NamedRef, allow_none=True)
    requested_at = DateTime(required=True)
    updated_at = DateTime(required=True)
    sla_due_at = DateTime(allow_none=True)
    support_count = Int()
    merged_into = fields.Raw(allow_none=True, metadata={"description": "Public id of the report this was merged into."})
    photos = fields.List(fields.Nested(PhotoOut))


class NearbyOut(ReportOut):
    distance_m = fields.Float()


class SubmittedOut(ReportOut):
    nearby = fields.List(
        fields.Nested(NearbyOut),
        metadata={"description": "Similar open reports nearby: offer 'me too' instead of a duplicate."},
    )


class TimelineEntryOut(Schema):
    kind = fields.String(metadata={"description": "created, status, reply, recategorised or moved"})
    at = DateTime()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    body = fields.String(
        allow_none=True,
        metadata={
            "description": "The entry's public words in the reader's language: a status change's comment (after a "
            "rejection's reason in words), a reply, the new category, the corrected address; null when there are none."
        },
    )
    by = fields.String()
    department = fields.String(allow_none=True)


class ReportDetailOut(ReportOut):
    timeline = fields.List(fields.Nested(TimelineEntryOut))
    is_mine = fields.Boolean()
    supported = fields.Boolean()

    @post_dump
    def _device_fields(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """`is_mine` and `supported` only in a device's view (left out, not null, for anyone else)."""
        for name in ("is_mine", "supported"):
            if data.get(name) is None:
                data.pop(name, None)
        return data


class MyReportsQuery(Schema):
    limit = Int(load_default=20, validate=validate.Range(min=1, max=100))
    before = Int(load_default=None, validate=validate.Range(min=1, max=2**62))


class MyReportsOut(Schema):
    items = fields.List(fields.Nested(ReportOut))
    next_before = Int(allow_none=True)


class SupportOut(Schema):
    report_id = Int()
    supported = fields.Boolean()
    support_count = Int()


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

    @blp.arguments(MapQuery, location="query")
    @blp.response(200, FeatureCollectionOut, content_type="application/geo+json")
    @blp.alt_response(422, description=ERRORS["422"])
    def get(self, query: dict[str, Any]) -> Response:
        """The map: a GeoJSON FeatureCollection of public reports in a box.

        Above street zoom (16) clustered per grid cell with exact counts (`properties.count`); at street
        zoom the reports themselves, newest first, paged with `cursor=next_cursor`.
        """
        body = reporting.reports_map(
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
    @blp.arguments(IdempotencyHeader, location="headers")
    @blp.arguments(ReportIn)
    @blp.response(201, SubmittedOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(422, description=ERRORS["422"])
    @blp.alt_response(429, description=ERRORS["429"])
    @blp.doc(security=[BEARER])
    def post(
        self, headers: dict[str, Any], data: reporting.ReportData
    ) -> tuple[reporting.SubmittedReport, int, dict[str, str]]:
        """Report a problem. The answer includes similar open reports nearby ("me too")."""
        result = reporting.submit(current_device(), data, headers.get("idempotency_key"))
        extra = {"Idempotent-Replayed": "true"} if result.replayed else {}
        return result.report, 201, extra


@blp.route("/reports/<string:report_ref>")
class ReportDetail(MethodView):
    @blp.response(200, ReportDetailOut)
    @blp.alt_response(404, description=ERRORS["404"])
    def get(self, report_ref: str) -> reporting.ReportDetail:
        """A report's public detail and timeline, by id or public id (e.g. KRK-2026-000123)."""
        return reporting.public_detail(report_ref, g.get("device"))


@blp.route("/reports/<string:report_ref>/photos")
class ReportPhotos(MethodView):
    @device_required
    @blp.arguments(IdempotencyHeader, location="headers")
    @blp.arguments(PhotoIn, location="files")
    @blp.response(201, PhotoUploaded)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(403, description="Not the device that filed the report")
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.alt_response(413, description="Larger than 10 MB, or too many pixels")
    @blp.alt_response(415, description="Not a JPEG, PNG, WebP or HEIC image")
    @blp.alt_response(422, description="The report has 5 photos already")
    @blp.doc(security=[BEARER])
    def post(
        self, headers: dict[str, Any], files: dict[str, Any], report_ref: str
    ) -> tuple[reporting.PhotoUploaded, int, dict[str, str]]:
        """Add a photo (multipart field `photo`); stored re-encoded without any metadata. A retry with the
        same Idempotency-Key returns the first photo instead of storing it again."""
        photo, replayed = reporting.upload_photo(
            current_device(), report_ref, files["photo"].stream, headers.get("idempotency_key")
        )
        return photo, 201, {"Idempotent-Replayed": "true"} if replayed else {}


@blp.route("/reports/<string:report_ref>/supports")
class ReportSupport(MethodView):
    @device_required
    @blp.response(200, SupportOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.alt_response(409, description="Own report, or no longer open")
    @blp.doc(security=[BEARER])
    def post(self, report_ref: str) -> reporting.SupportState:
        """Say "me too" (once per device; repeating it changes nothing)."""
        return reporting.support(current_device(), report_ref)

    @device_required
    @blp.response(200, SupportOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.alt_response(404, description=ERRORS["404"])
    @blp.doc(security=[BEARER])
    def delete(self, report_ref: str) -> reporting.SupportState:
        """Withdraw a "me too"."""
        return reporting.withdraw_support(current_device(), report_ref)


@blp.route("/me/reports")
class MyReports(MethodView):
    @device_required
    @blp.arguments(MyReportsQuery, location="query")
    @blp.response(200, MyReportsOut)
    @blp.alt_response(401, description=ERRORS["401"])
    @blp.doc(security=[BEARER])
    def get(self, query: dict[str, Any]) -> reporting.ReportsPage:
        """My reports, newest first (pass `before=next_before` for the next page)."""
        return reporting.my_reports(current_device(), limit=query["limit"], before=query["before"])
