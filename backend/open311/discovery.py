"""Open311 GeoReport v2 discovery: the jurisdiction asked for, the service list and a service's definition."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from backend.db import session
from backend.errors import DomainError, NotFound
from backend.i18n import choose_language, gettext, pick
from backend.models import Jurisdiction, Service
from backend.open311.results import (
    Attribute,
    AttributeValue,
    JurisdictionRef,
    ServiceDefinition,
    ServiceSummary,
)


def _ref(j: Jurisdiction) -> JurisdictionRef:
    return JurisdictionRef(j.id, j.code, j.timezone, j.default_language, tuple(j.languages))


def _served() -> str:
    """The jurisdictions served here, as `code (name), ...` in their own languages, for a refusal to name them."""
    rows = session().scalars(select(Jurisdiction).order_by(Jurisdiction.code)).all()
    return ", ".join(f"{j.code} ({pick(j.name, j.default_language, j.default_language)})" for j in rows)


def jurisdiction(code: str | None) -> JurisdictionRef | None:
    """The jurisdiction named by jurisdiction_id: required when several are served, NotFound if unknown (both
    refusals list the ids served). None only when no jurisdiction is served at all."""
    s = session()
    if not code:
        count = s.scalar(select(func.count()).select_from(Jurisdiction))
        if (count or 0) > 1:
            raise DomainError(
                gettext("jurisdiction_id is required: this server serves several; one of: {served}", served=_served()),
                field="jurisdiction_id",
            )
        first = s.scalars(select(Jurisdiction)).first()
        return None if first is None else _ref(first)
    found = s.scalars(select(Jurisdiction).where(Jurisdiction.code == code)).first()
    if found is None:
        raise NotFound(
            gettext("jurisdiction_id {code} is not served here; one of: {served}", code=code, served=_served()),
            field="jurisdiction_id",
        )
    return _ref(found)


def language(j: JurisdictionRef, locale: str | None) -> str:
    """The answer's language: the requested locale if the jurisdiction speaks it, else its default."""
    return choose_language(locale, j.languages, j.default_language)


def service_list(j: JurisdictionRef, locale: str | None) -> list[ServiceSummary]:
    """The jurisdiction's active services in their order."""
    lang = language(j, locale)
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
        ServiceSummary(
            code=x.code,
            name=pick(x.name, lang, j.default_language),
            description=pick(x.description, lang, j.default_language),
            has_questions=bool(x.questions),
            keywords=tuple(x.keywords),
            group=pick(x.group.name, lang, j.default_language) if x.group else None,
        )
        for x in rows
    ]


def offered_service(j: JurisdictionRef, code: str) -> Service:
    """The active service with this code in the jurisdiction (with its questions); NotFound otherwise."""
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
        raise NotFound(
            gettext(
                "service_code {code} is not offered in jurisdiction {jurisdiction}", code=code, jurisdiction=j.code
            ),
            field="service_code",
        )
    return found


def service_definition(j: JurisdictionRef, code: str, locale: str | None) -> ServiceDefinition:
    """The service's extra questions, as Open311 attributes."""
    lang = language(j, locale)
    service = offered_service(j, code)
    return ServiceDefinition(
        service_code=service.code,
        attributes=tuple(
            Attribute(
                code=q.code,
                datatype=q.datatype,
                required=q.required,
                hint=pick(q.hint, lang, j.default_language),
                position=q.position,
                description=pick(q.description, lang, j.default_language),
                values=tuple(AttributeValue(o["key"], pick(o["name"], lang, j.default_language)) for o in q.options),
            )
            for q in service.questions
        ),
    )
