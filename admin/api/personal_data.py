"""A person's data on their request, in the staff API (the municipality's administrators): find the person by the
e-mail address or phone number they gave, export what is held, erase it. The address travels in the body of a POST,
never in a URL (which logs and browser histories keep); each export and erasure is audited."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, pre_load, validate

from admin.api.auth import BEARER, allow, current_staff
from admin.api.blueprint import blp
from backend import residents
from backend.fields import DateTime, Int


class PersonIn(Schema):
    email = fields.String(
        load_default=None,
        allow_none=True,
        validate=[
            validate.Length(max=residents.EMAIL_MAX),
            validate.Regexp(residents.EMAIL_GIVEN, error="Not a valid email address."),
        ],
        metadata={"description": "The e-mail address the person gave (capitals and surrounding spaces do not matter)"},
    )
    phone = fields.String(
        load_default=None,
        allow_none=True,
        validate=[
            validate.Length(min=3, max=residents.PHONE_MAX),
            validate.Regexp(residents.PHONE_GIVEN, error="Not a phone number."),
        ],
        metadata={
            "description": "The phone number the person gave, with or without the country code (numbers without "
            "it are read as numbers of the municipality's country; spaces, dashes and brackets do not matter)"
        },
    )

    @pre_load
    def trimmed(self, data: Any, **kwargs: Any) -> Any:
        """The values as the person gave them, without the spaces around them; a blank one is an absent one."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for key in ("email", "phone"):
            if isinstance(out.get(key), str):
                out[key] = out[key].strip() or None
        return out


class RecordOut(Schema):
    id = Int(required=True, metadata={"description": "The resident record (what the audit log names)"})
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    locale = fields.String(allow_none=True)
    created_at = DateTime()


class ReportOut(Schema):
    id = Int(required=True)
    public_id = fields.String(required=True)
    service_code = fields.String()
    description = fields.String()
    status = fields.String()
    lon = fields.Float()
    lat = fields.Float()
    address = fields.String(allow_none=True)
    answers = fields.Dict()
    anonymous = fields.Boolean()
    requested_at = DateTime()
    with_contact = fields.Boolean()


class DeviceOut(Schema):
    id = Int(required=True)
    platform = fields.String()
    locale = fields.String()
    has_push_token = fields.Boolean()
    created_at = DateTime()
    last_seen_at = DateTime(allow_none=True)
    notification_topics = fields.List(fields.String())


class SupportOut(Schema):
    report_id = Int()
    public_id = fields.String()
    created_at = DateTime()


class PlaceOut(Schema):
    label = fields.String()
    lon = fields.Float()
    lat = fields.Float()
    jurisdiction = fields.String()
    area = fields.String(allow_none=True)
    created_at = DateTime()


class NotificationOut(Schema):
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    created_at = DateTime()
    read_at = DateTime(allow_none=True)


class AnswerOut(Schema):
    question = fields.String()
    number = Int(allow_none=True)
    choices = fields.List(fields.String(), allow_none=True)
    text = fields.String(allow_none=True)
    dont_know = fields.Boolean()


class SurveyAnswersOut(Schema):
    survey = fields.String()
    title = fields.String()
    answered_at = DateTime()
    answers = fields.List(fields.Nested(AnswerOut))


class FeedbackOut(Schema):
    public_id = fields.String()
    fixed = fields.Boolean()
    satisfaction = Int(allow_none=True)
    comment = fields.String(allow_none=True)
    answered_at = DateTime()


class PersonExportOut(Schema):
    jurisdiction = fields.String(required=True, metadata={"description": "The municipality (code) that holds it"})
    records = fields.List(fields.Nested(RecordOut), required=True, metadata={"description": "Contact data given"})
    reports = fields.List(fields.Nested(ReportOut), required=True)
    devices = fields.List(fields.Nested(DeviceOut), required=True, metadata={"description": "App installs"})
    supports = fields.List(fields.Nested(SupportOut), required=True)
    places = fields.List(fields.Nested(PlaceOut), required=True)
    notifications = fields.List(fields.Nested(NotificationOut), required=True)
    survey_answers = fields.List(fields.Nested(SurveyAnswersOut), required=True)
    feedback = fields.List(
        fields.Nested(FeedbackOut), required=True, metadata={"description": 'Answers to "Is it fixed?"'}
    )


class ErasureOut(Schema):
    records = Int(required=True, metadata={"description": "Contact records erased"})
    devices = Int(required=True, metadata={"description": "App installs erased"})
    supports = Int(required=True, metadata={"description": '"Me too"s of this municipality\'s reports withdrawn'})
    reports = Int(
        required=True,
        metadata={"description": "This municipality's reports that stay, no longer linked to the person"},
    )
    kept = Int(
        required=True,
        metadata={
            "description": "Records kept, with their app installs, because the person also has data with another "
            "municipality (which handles that part); only this municipality's part of them was erased"
        },
    )
    notice = fields.String(
        required=True, allow_none=True, metadata={"description": "What was kept and why, in words (or null)"}
    )


NOBODY = "Nobody with this e-mail address or phone number has data in your municipality"


@blp.route("/personal-data/export")
class PersonalDataExport(MethodView):
    @allow("personal_data.export")
    @blp.arguments(PersonIn)
    @blp.response(200, PersonExportOut)
    @blp.alt_response(404, description=NOBODY)
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any]) -> residents.PersonExport:
        """Everything the municipality holds about the person with this e-mail address or phone (audited)."""
        return residents.export_person(current_staff(), data["email"], data["phone"])


@blp.route("/personal-data/erasure")
class PersonalDataErasure(MethodView):
    @allow("personal_data.erase")
    @blp.arguments(PersonIn)
    @blp.response(200, ErasureOut)
    @blp.alt_response(404, description=NOBODY)
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any]) -> residents.Erasure:
        """Erase what the municipality holds about the person with this e-mail address or phone (audited): the
        links of its reports to them (the reports stay), their supports of its reports, places saved in it, its
        notifications, their pseudonyms in its surveys; the contact data and app installs too (as the app's DELETE
        /api/v1/me does) unless the person also has data with another municipality, which the answer then says."""
        return residents.erase_person(current_staff(), data["email"], data["phone"])
