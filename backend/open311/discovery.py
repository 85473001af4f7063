"""Open311 GeoReport v2 discovery: jurisdictions, the service list and definitions, dates and errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from backend.db import session
from backend.i18n import choose_language, pick
from backend.models import Jurisdiction, Service


@dataclass
class Open311Error(Exception):
    """One or more errors in the spec's format: [(code, description), ...] with an HTTP status."""

    status: int
    errors: list[tuple[int, str]] = field(default_factory=list)

    @classmethod
    def one(cls, status: int, description: str) -> Open311Error:
        return cls(status, [(status, description)])


def w3c(value: datetime | None, tz: str) -> str | None:
    """ISO 8601 with the jurisdiction's offset and no fractional seconds."""
    return None if value is None else value.astimezone(ZoneInfo(tz)).replace(microsecond=0).isoformat()


def parse_date(name: str, value: str | None) -> datetime | None:
    """A W3C date-time parameter with an offset (None when absent); 400 naming the parameter otherwise."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise Open311Error.one(400, f"{name}: not a W3C date-time, e.g. 2026-01-31T00:00:00Z") from exc
    if parsed.tzinfo is None:
        raise Open311Error.one(400, f"{name}: give an offset or Z")
    return parsed


def jurisdiction(code: str | None) -> Jurisdiction | None:
    """The jurisdiction named by jurisdiction_id: required when several are served (400), 404 if unknown."""
    s = session()
    if not code:
        count = s.scalar(select(func.count()).select_from(Jurisdiction))
        if (count or 0) > 1:
            raise Open311Error.one(400, "jurisdiction_id is required: this server serves several jurisdictions")
        return s.scalars(select(Jurisdiction)).first()
    found = s.scalars(select(Jurisdiction).where(Jurisdiction.code == code)).first()
    if found is None:
        raise Open311Error.one(404, f"jurisdiction_id {code} is not served here")
    return found


def _lang(j: Jurisdiction, locale: str | None) -> str:
    """The response language: the requested locale if the jurisdiction speaks it, else its default."""
    return choose_language(locale, j.languages, j.default_language)


def service_list(j: Jurisdiction, locale: str | None) -> list[dict[str, Any]]:
    """GET services: the jurisdiction's active services in their order."""
    lang = _lang(j, locale)
    rows = (
        session()
        .scalars(
            select(Service)
            .where(Service.jurisdiction_id == j.id, Service.active)
            .options(selectinload(Service.questions), selectinload(Service.group))
            .order_by(Service.position)
        )
        .all()
    )
    return [
        {
            "service_code": x.code,
            "service_name": pick(x.name, lang, j.default_language),
            "description": pick(x.description, lang, j.default_language) or None,
            "metadata": bool(x.questions),
            "type": "realtime",
            "keywords": ", ".join(x.keywords) or None,
            "group": pick(x.group.name, lang, j.default_language) if x.group else None,
        }
        for x in rows
    ]


def _service(j: Jurisdiction, code: str) -> Service:
    """The active service with this code in the jurisdiction (with its questions); 404 otherwise."""
    found = (
        session()
        .scalars(
            select(Service)
            .where(Service.jurisdiction_id == j.id, Service.code == code, Service.active)
            .options(selectinload(Service.questions))
        )
        .first()
    )
    if found is None:
        raise Open311Error.one(404, f"service_code {code} is not offered in jurisdiction {j.code}")
    return found


def service_definition(j: Jurisdiction, code: str, locale: str | None) -> dict[str, Any]:
    """GET services/{code}: the service's extra questions as Open311 attributes."""
    lang = _lang(j, locale)
    service = _service(j, code)
    return {
        "service_code": service.code,
        "attributes": [
            {
                "variable": True,
                "code": q.code,
                "datatype": q.datatype,
                "required": q.required,
                "datatype_description": pick(q.hint, lang, j.default_language) or None,
                "order": q.position + 1,
                "description": pick(q.description, lang, j.default_language),
                "values": [{"key": o["key"], "name": pick(o["name"], lang, j.default_language)} for o in q.options],
            }
            for q in service.questions
        ],
    }
