"""Entity-tags on the wire: the If-Match header of a triage action and the versions a bulk change names."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields


class EntityTag(fields.String):
    """An If-Match header (RFC 9110): one entity-tag, strong ("…") or weak (W/"…"); the use case gets its
    opaque value, the report version it compares with."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs).strip()
        return raw.removeprefix("W/").strip('"')


class IfMatch(Schema):
    if_match = EntityTag(
        data_key="If-Match",
        load_default=None,
        metadata={"description": "The report's ETag; required for every change."},
    )
