"""The schema of a city directory's city.yaml (marshmallow), with errors naming each field."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.models import LANGUAGES, QUESTION_TYPES, WASTE_FRACTIONS

_LANGUAGE = validate.OneOf(LANGUAGES, error="unknown language {input!r}; one of pl, uk, en")
_code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{1,64}$"))


class Text(fields.Dict):
    """Text per language: {"pl": ..., "uk": ..., "en": ...}."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(
            keys=fields.String(validate=_LANGUAGE),
            values=fields.String(validate=validate.Length(min=1, max=2000)),
            **kw,
        )


class JurisdictionSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Z-]{2,32}$"))
    slug = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9-]{2,64}$"))
    name = Text(required=True)
    languages = fields.List(fields.String(validate=_LANGUAGE), required=True, validate=validate.Length(min=1))
    default_language = fields.String(required=True)
    timezone = fields.String(required=True)
    report_prefix = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2,8}$"))
    settings = fields.Dict(load_default=dict)

    @validates_schema
    def _default_in_languages(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("default_language") not in data.get("languages", []):
            raise ValidationError("must be one of the jurisdiction's languages", "default_language")


class AreasSchema(Schema):
    file = fields.String(required=True)
    code_property = fields.String(required=True)
    name_property = fields.String(required=True)
    population_property = fields.String(load_default=None)
    population_year = fields.Integer(load_default=None)
    exclude_jurisdictions = fields.List(fields.String(), load_default=list)


class DepartmentSchema(Schema):
    code = _code
    name = Text(required=True)
    email = fields.Email(load_default=None)


class GroupSchema(Schema):
    code = _code
    name = Text(required=True)


class OptionSchema(Schema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = Text(required=True)


class QuestionSchema(Schema):
    code = _code
    datatype = fields.String(required=True, validate=validate.OneOf(QUESTION_TYPES))
    required = fields.Boolean(load_default=False)
    description = Text(required=True)
    hint = Text(load_default=dict)
    options = fields.List(fields.Nested(OptionSchema), load_default=list)
    #: The options are waste fractions: their keys must be the waste calendar's (WASTE_FRACTIONS).
    waste_fractions = fields.Boolean(load_default=False)

    @validates_schema
    def _options_for_lists(self, data: dict[str, Any], **_: Any) -> None:
        is_list = data.get("datatype", "").endswith("valuelist")
        if is_list and not data.get("options"):
            raise ValidationError("a list question needs options", "options")
        if not is_list and data.get("options"):
            raise ValidationError("only list questions have options", "options")
        if data.get("waste_fractions") and not is_list:
            raise ValidationError("only a list question can offer waste fractions", "waste_fractions")

    @validates_schema
    def _waste_fractions_known(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("waste_fractions"):
            return
        for i, option in enumerate(data.get("options") or []):
            if option["key"] not in WASTE_FRACTIONS:
                raise ValidationError(
                    {
                        "options": {
                            i: {
                                "key": [
                                    f"{option['key']!r} is not a fraction of the waste calendar; "
                                    f"one of {', '.join(WASTE_FRACTIONS)}"
                                ]
                            }
                        }
                    }
                )


class ServiceSchema(Schema):
    code = _code
    group = fields.String(required=True)
    department = fields.String(load_default=None)
    name = Text(required=True)
    description = Text(load_default=dict)
    keywords = fields.List(fields.String(), load_default=list)
    sla_hours = fields.Integer(load_default=None, validate=validate.Range(min=1))
    sla_working_hours = fields.Boolean(load_default=False)
    duplicate_radius_m = fields.Integer(load_default=50, validate=validate.Range(min=0, max=5000))
    duplicate_window_days = fields.Integer(load_default=30, validate=validate.Range(min=0, max=365))
    active = fields.Boolean(load_default=True)
    questions = fields.List(fields.Nested(QuestionSchema), load_default=list)


class CitySchema(Schema):
    jurisdiction = fields.Nested(JurisdictionSchema, required=True)
    areas = fields.Nested(AreasSchema, required=True)
    departments = fields.List(fields.Nested(DepartmentSchema), load_default=list)
    service_groups = fields.List(fields.Nested(GroupSchema), required=True)
    services = fields.List(fields.Nested(ServiceSchema), required=True)
    attribution = fields.String(load_default=None)


def first_error(messages: Any, prefix: str = "") -> tuple[str, str]:
    """The first (dotted field path, message) of a marshmallow error tree."""
    if isinstance(messages, dict):
        key = sorted(messages, key=str)[0]
        path = f"{prefix}.{key}" if prefix else str(key)
        return first_error(messages[key], path)
    if isinstance(messages, list) and messages:
        return first_error(messages[0], prefix)
    return prefix or "city.yaml", str(messages)
