"""Open311 GeoReport v2 on top of the same use cases: requests submitted with an API key, and their tokens."""

from __future__ import annotations

import secrets
from typing import IO, Any

from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cities.geography import locate_or_refuse
from backend.db import session
from backend.errors import DomainError, NotFound
from backend.i18n import gettext
from backend.models import Address, ApiKey, Report, ReportEvent, Service
from backend.open311.discovery import jurisdiction, offered_service
from backend.open311.errors import Forbidden, InputRefused
from backend.open311.inputs import INT4_MAX, Open311Request, row_id
from backend.open311.results import JurisdictionRef, RequestToken
from backend.reporting import photos
from backend.reporting.answers import check_answers
from backend.reporting.submission import ReportData, file_report, place_report
from backend.security import digest

Point = tuple[float, float]


def _authorise(key: str | None, j: JurisdictionRef) -> ApiKey:
    """The API key, if it is live and may submit to this jurisdiction; Forbidden otherwise."""
    if not key:
        raise Forbidden(gettext("api_key is required to submit requests"), field="api_key")
    s = session()
    found = s.scalars(select(ApiKey).where(ApiKey.key_hash == digest(key), ApiKey.revoked_at.is_(None))).first()
    if found is None or found.jurisdiction_id != j.id or "open311:write" not in found.scopes:
        raise Forbidden(
            gettext("api_key is not valid for submitting to jurisdiction {code}", code=j.code), field="api_key"
        )
    return found


def _checked_answers(service: Service, attributes: dict[str, Any]) -> dict[str, Any]:
    """The attributes checked against the service's questions (InputRefused naming `attributes.CODE`)."""
    try:
        return check_answers(service.questions, attributes)
    except DomainError as exc:
        name = (exc.field or "").removeprefix("answers.")
        raise InputRefused(exc.message, field=f"attributes.{name}") from exc


def _prepared_media(media: IO[bytes] | None) -> Any:
    """The uploaded photo checked and prepared (InputRefused `media`, with the check's status); None without one."""
    if media is None:
        return None
    try:
        return photos.prepare(media)
    except DomainError as exc:
        raise InputRefused(exc.message, field="media", status=exc.status) from exc


def _registered_address(s: Session, j: JurisdictionRef, req: Open311Request) -> tuple[Point | None, str | None]:
    """The point and address: from the address register when only address_id locates the request."""
    point = (req.lon, req.lat) if req.lon is not None and req.lat is not None else None
    address, address_id = req.address, req.address_id
    if address_id and point is None:
        number = row_id(address_id, INT4_MAX)
        found = s.get(Address, number) if number is not None else None
        if found is None or found.jurisdiction_id != j.id:
            raise NotFound(gettext("address_id {id} is not known", id=address_id), field="address_id")
        p = to_shape(found.point)
        point, address = (p.x, p.y), f"{found.street} {found.house_number}"
    return point, address


def _report_data(
    req: Open311Request,
    j: JurisdictionRef,
    service: Service,
    answers: dict[str, Any],
    point: Point | None,
    address: str | None,
) -> ReportData:
    """The report as reporting's submission takes it."""
    return {
        "service_code": service.code,
        "description": req.description,
        "answers": answers,
        "address": address,
        "lon": point[0] if point else None,
        "lat": point[1] if point else None,
        "locale": j.default_language,
        "contact": {"name": req.name, "email": req.email, "phone": req.phone},
    }


def _create(s: Session, j: JurisdictionRef, data: ReportData, token: str) -> Report:
    """Place the report, check that it lies in this jurisdiction and create it."""
    try:
        placed = place_report(s, data)
    except DomainError as exc:
        raise InputRefused(exc.message, field="address") from exc
    try:
        _, located = locate_or_refuse(placed["lon"], placed["lat"])
    except DomainError as exc:
        raise DomainError(gettext("the location is outside every jurisdiction served here"), field="location") from exc
    if located.id != j.id:
        raise DomainError(gettext("the location is outside jurisdiction {code}", code=j.code), field="location")
    report, _ = file_report(s, None, placed, channel="open311", token=token)
    return report


def _file(
    s: Session, j: JurisdictionRef, key: ApiKey, req: Open311Request, data: ReportData, token: str, clean: Any
) -> Report:
    """Create the report with a note of its origin, its photo and media link, in one transaction (undone on error)."""
    try:
        report = _create(s, j, data, token)
        s.add(
            ReportEvent(
                report_id=report.id,
                kind="note",
                public=False,
                body="Open311 submission",
                data={"api_key": key.prefix, "device_id": req.device_id, "account_id": req.account_id},
            )
        )
        if clean is not None:
            photos.add_photo(s, report, clean, None)
        if req.media_url:
            photos.add_link(s, report, req.media_url)
        s.commit()
    except BaseException:
        s.rollback()
        photos.discard_written(s)
        raise
    s.info.pop("written_photos", None)
    return report


def submit(
    jurisdiction_id: str | None, api_key: str | None, req: Open311Request, media: IO[bytes] | None
) -> RequestToken:
    """File a request: check everything first, then the report (and its photo) in one transaction."""
    j = jurisdiction(jurisdiction_id)
    assert j is not None  # noqa: S101 - jurisdiction() raises when none applies
    key = _authorise(api_key, j)
    service = offered_service(j, req.service_code)
    answers = _checked_answers(service, dict(req.attributes))
    clean = _prepared_media(media)
    s = session()
    point, address = _registered_address(s, j, req)
    data = _report_data(req, j, service, answers, point, address)
    token = secrets.token_hex(16)
    report = _file(s, j, key, req, data, token, clean)
    return RequestToken(report.public_id, token)


def token(j: JurisdictionRef, value: str) -> RequestToken:
    """The request a submission's token stands for; NotFound if unknown."""
    r = session().scalars(select(Report).where(Report.open311_token == value, Report.jurisdiction_id == j.id)).first()
    if r is None:
        raise NotFound(gettext("token {value} not found", value=value), field="token")
    return RequestToken(r.public_id, value)
