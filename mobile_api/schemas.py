"""Resident API schemas: requests and responses of /api/v1 (no staff-only or personal fields)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.models import PLATFORMS, TOPICS
from backend.reporting.submission import MAX_DESCRIPTION


class NamedRef(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class DeviceIn(Schema):
    platform = fields.String(required=True, validate=validate.OneOf(PLATFORMS))
    locale = fields.String(required=True, validate=validate.Length(min=2, max=16))
    push_token = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=4096))


class DeviceRegistered(Schema):
    device_id = fields.Integer(required=True)
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
    device_id = fields.Integer(attribute="id")
    platform = fields.String()
    locale = fields.String()
    has_push_token = fields.Function(lambda d: d.push_token is not None)
    jurisdiction = fields.Function(lambda d: d.jurisdiction.code if d.jurisdiction is not None else None)


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
    order = fields.Integer()
    label = fields.String()
    hint = fields.String(allow_none=True)
    options = fields.List(fields.Nested(OptionOut))


class ServiceOut(Schema):
    service_code = fields.String()
    name = fields.String()
    description = fields.String()
    group = fields.Nested(NamedRef, allow_none=True)
    keywords = fields.List(fields.String())
    sla_hours = fields.Integer(allow_none=True)
    questions = fields.List(fields.Nested(QuestionOut))


class CatalogueOut(Schema):
    jurisdiction = fields.Nested(NamedRef)
    language = fields.String()
    services = fields.List(fields.Nested(ServiceOut))


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
        validate=validate.Length(max=MAX_DESCRIPTION),
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


class IdempotencyHeader(Schema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        load_default=None,
        validate=validate.Regexp(r"^[\x21-\x7e]{1,64}$"),
        metadata={"description": "Makes a retried submission return the first report."},
    )


class PhotoOut(Schema):
    id = fields.Integer()
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
    zoom = fields.Integer(load_default=None, validate=validate.Range(min=0, max=22))
    status = fields.String(load_default=None, metadata={"description": "Statuses, comma-separated; or open, closed"})
    service = fields.String(load_default=None, metadata={"description": "Service codes, comma-separated"})
    since = fields.AwareDateTime(load_default=None, default_timezone=UTC)
    cursor = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**62))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class FeatureCollectionOut(Schema):
    type = fields.String(required=True)
    features = fields.List(fields.Dict(), required=True)
    bbox = fields.List(fields.Float())
    zoom = fields.Integer()
    mode = fields.String(metadata={"description": "clusters (with counts) or points"})
    next_cursor = fields.Integer(allow_none=True)


class ReportOut(Schema):
    id = fields.Integer(required=True)
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
    requested_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    sla_due_at = fields.DateTime(allow_none=True)
    support_count = fields.Integer()
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
    kind = fields.String()
    at = fields.DateTime()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    body = fields.String(allow_none=True)
    by = fields.String()
    department = fields.String(allow_none=True)


class ReportDetailOut(ReportOut):
    timeline = fields.List(fields.Nested(TimelineEntryOut))
    is_mine = fields.Boolean()
    supported = fields.Boolean()


class MyReportsQuery(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    before = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**62))


class MyReportsOut(Schema):
    items = fields.List(fields.Nested(ReportOut))
    next_before = fields.Integer(allow_none=True)


class SupportOut(Schema):
    report_id = fields.Integer()
    supported = fields.Boolean()
    support_count = fields.Integer()


class ExportOut(Schema):
    device = fields.Dict()
    contact = fields.Dict(allow_none=True)
    reports = fields.List(fields.Dict())
    supports = fields.List(fields.Dict())
    notification_topics = fields.List(fields.String())
    notifications = fields.List(fields.Dict())


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
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    before = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=2**62),
        metadata={"description": "next_before of the previous page"},
    )
    unread = fields.Boolean(load_default=False, metadata={"description": "Only unread notifications"})


class NotificationOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "report.status_changed, report.replied, …"})
    topic = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    data = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "Deep link: type, report_id, public_id"}
    )
    report_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime(required=True)
    read = fields.Boolean(required=True)
    read_at = fields.DateTime(allow_none=True)


class InboxOut(Schema):
    items = fields.List(fields.Nested(NotificationOut), required=True)
    unread = fields.Integer(required=True)
    next_before = fields.Integer(allow_none=True)


class ReadIn(Schema):
    ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**62)),
        load_default=None,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "Notifications to mark as read; leave out to mark all"},
    )


class ReadOut(Schema):
    marked = fields.Integer(required=True)
    unread = fields.Integer(required=True)


class UnsubscribeQuery(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=500))


class PlaceIn(Schema):
    label = fields.String(
        required=True, validate=validate.Length(min=1, max=60), metadata={"description": "e.g. home, work"}
    )
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class PlaceRef(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class PlaceOut(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    jurisdiction = fields.Nested(PlaceRef, required=True)
    area = fields.Nested(PlaceRef, allow_none=True)
    created_at = fields.DateTime()


class PlacesOut(Schema):
    items = fields.List(fields.Nested(PlaceOut), required=True)


class PointQuery(Schema):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class AnnouncementsQuery(PointQuery):
    topic = fields.String(load_default=None, validate=validate.OneOf([t for t in TOPICS if t != "my_reports"]))


class AnnouncementOut(Schema):
    id = fields.Integer(required=True)
    topic = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    sent_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(allow_none=True)


class AnnouncementsOut(Schema):
    jurisdiction = fields.Nested(PlaceRef, required=True)
    items = fields.List(fields.Nested(AnnouncementOut), required=True)


class WasteQuery(PointQuery):
    days = fields.Integer(load_default=14, validate=validate.Range(min=1, max=90))


class WasteItem(Schema):
    date = fields.Date(required=True)
    fraction = fields.String(required=True, metadata={"description": "mixed, paper, plastics_metal, glass, bio, bulky"})
    name = fields.String(required=True)


class WasteOut(Schema):
    jurisdiction = fields.String(required=True)
    area = fields.String(required=True)
    items = fields.List(fields.Nested(WasteItem), required=True)


class SurveyListItem(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    closes_at = fields.DateTime(allow_none=True)
    answered = fields.Boolean(required=True)
    questions = fields.Integer(required=True)


class SurveyList(Schema):
    items = fields.List(fields.Nested(SurveyListItem), required=True)


class SurveyOption(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class SurveyCondition(Schema):
    code = fields.String(required=True)
    values = fields.List(fields.String(), required=True)


class SurveyQuestionOut(Schema):
    code = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "likert5, nps, single, multiple, text, district"})
    text = fields.String(required=True)
    required = fields.Boolean(required=True)
    dont_know = fields.Boolean(required=True, metadata={"description": 'The answer "dont_know" is allowed'})
    options = fields.List(fields.Nested(SurveyOption), required=True)
    scale_labels = fields.List(fields.String(), required=True)
    show_if = fields.Nested(
        SurveyCondition,
        allow_none=True,
        metadata={"description": "Show only when the answer to `code` is one of `values`"},
    )


class SurveyOut(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    intro = fields.String(required=True)
    closes_at = fields.DateTime(allow_none=True)
    questions = fields.List(fields.Nested(SurveyQuestionOut), required=True)


class SurveyAnswersIn(Schema):
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        values=fields.Raw(allow_none=True),
        required=True,
        metadata={
            "description": (
                "Question code → answer: 1–5 (likert5), 0–10 (nps), an option code (single, district), "
                'a list of option codes (multiple), text ≤ 2000 (text), or "dont_know"'
            )
        },
    )


class SurveyReceipt(Schema):
    id = fields.Integer(required=True)
    survey_id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


class FeedbackIn(Schema):
    fixed = fields.Boolean(required=True, metadata={"description": "Is it fixed?"})
    satisfaction = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=5),
        metadata={"description": "How satisfied with how it was handled, 1–5"},
    )
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class FeedbackStatusOut(Schema):
    asked = fields.Boolean(required=True)
    answered = fields.Boolean(required=True)
    resolved_at = fields.DateTime(allow_none=True)


class FeedbackOut(Schema):
    report_id = fields.Integer(required=True)
    fixed = fields.Boolean(required=True)
    satisfaction = fields.Integer(allow_none=True)
    reopened = fields.Boolean(required=True, metadata={"description": '"Not fixed" reopened the report'})
    status = fields.String(required=True)


class FeedbackLinkQuery(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=500))
    fixed = fields.Boolean(load_default=True)


class FeedbackFormIn(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=500))
    fixed = fields.Boolean(required=True)
    satisfaction = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
