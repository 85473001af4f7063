"""Open311 GeoReport v2 on top of the same use cases: requests submitted with an api key, and tokens.

Discovery (jurisdictions, services, dates, errors) lives in backend.open311.discovery, queries in
backend.open311.query."""

from __future__ import annotations

import re
import secrets
from typing import IO, Any

from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cities.geography import locate_or_refuse
from backend.db import session
from backend.errors import DomainError
from backend.models import Address, ApiKey, Jurisdiction, Report, ReportEvent, Service
from backend.open311.discovery import Open311Error, _service, jurisdiction
from backend.open311.discovery import w3c as w3c
from backend.reporting import photos
from backend.reporting.answers import check_answers
from backend.reporting.submission import create_report, place
from backend.security import digest

ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")

Point = tuple[float, float]


def _authorise(key: str | None, j: Jurisdiction) -> ApiKey:
    """The api key, if it is live and may submit to this jurisdiction; 403 otherwise."""
    if not key:
        raise Open311Error.one(403, "api_key is required to submit requests")
    s = session()
    found = s.scalars(select(ApiKey).where(ApiKey.key_hash == digest(key), ApiKey.revoked_at.is_(None))).first()
    if found is None or found.jurisdiction_id != j.id or "open311:write" not in found.scopes:
        raise Open311Error.one(403, f"api_key is not valid for submitting to jurisdiction {j.code}")
    return found


def _answers(values: dict[str, list[str]]) -> dict[str, Any]:
    """The attribute[CODE] (and attribute[CODE][]) parameters as answers keyed by question code."""
    out: dict[str, Any] = {}
    for key, items in values.items():
        match = ATTRIBUTE.match(key)
        items = [x for x in items if x.strip()]  # an empty parameter is an absent one
        if match and items:
            out[match.group(1)] = items if match.group(2) else items[-1]
    return out


def _one(values: dict[str, list[str]], name: str) -> str | None:
    """The last value given for a parameter, stripped; None when absent or blank."""
    items = values.get(name) or []
    return items[-1].strip() or None if items else None


def _point(values: dict[str, list[str]], errors: list[tuple[int, str]]) -> Point | None:
    """The (lon, lat) given as lat and long; records an error when they are unusable or no location is given."""
    lat, lon = _one(values, "lat"), _one(values, "long")
    point: Point | None = None
    if lat or lon:
        try:
            point = (float(lon or ""), float(lat or ""))
            if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
                raise ValueError
        except ValueError:
            errors.append((400, "lat and long must be WGS84 decimal degrees, given together"))
    elif not _one(values, "address_string") and not _one(values, "address_id"):
        errors.append((400, "a location is required: lat and long, address_string or address_id"))
    return point


def _checked_form(values: dict[str, list[str]]) -> Point | None:
    """Check what needs no database, raising every error found at once (400); returns the point given, if any."""
    errors: list[tuple[int, str]] = []
    if not _one(values, "service_code"):
        errors.append((400, "service_code is required"))
    point = _point(values, errors)
    description = _one(values, "description") or ""
    if len(description) > 4000:
        errors.append((400, "description is longer than 4000 characters"))
    email = _one(values, "email")
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        errors.append((400, "email is not an e-mail address"))
    media_url = _one(values, "media_url")
    if media_url and not re.match(r"^https?://\S+$", media_url):
        errors.append((400, "media_url must be an http(s) URL"))
    if errors:
        raise Open311Error(400, errors)
    return point


def _checked_answers(service: Service, values: dict[str, list[str]]) -> dict[str, Any]:
    """The attribute parameters checked against the service's questions (400 naming the attribute)."""
    try:
        return check_answers(service.questions, _answers(values))
    except DomainError as exc:
        name = (exc.field or "").removeprefix("answers.")
        raise Open311Error.one(400, f"attribute[{name}]: {exc.message}") from exc


def _prepared_media(media: IO[bytes] | None) -> Any:
    """The uploaded photo checked and prepared (413/415 as the photo check says, else 400); None without one."""
    if media is None:
        return None
    try:
        return photos.prepare(media)
    except DomainError as exc:
        raise Open311Error.one(exc.status if exc.status in (413, 415) else 400, f"media: {exc.message}") from exc


def _registered_address(
    s: Session, j: Jurisdiction, values: dict[str, list[str]], point: Point | None
) -> tuple[Point | None, str | None]:
    """The point and address: from the address register when only address_id locates the request (404 if unknown)."""
    address_string, address_id = _one(values, "address_string"), _one(values, "address_id")
    if address_id and point is None:
        found = s.get(Address, int(address_id)) if address_id.isdigit() else None
        if found is None or found.jurisdiction_id != j.id:
            raise Open311Error.one(404, f"address_id {address_id} is not known")

        p = to_shape(found.point)
        point, address_string = (p.x, p.y), f"{found.street} {found.house_number}"
    return point, address_string


def _report_data(
    values: dict[str, list[str]],
    j: Jurisdiction,
    service: Service,
    answers: dict[str, Any],
    point: Point | None,
    address_string: str | None,
) -> dict[str, Any]:
    """The report as create_report takes it."""
    name = " ".join(x for x in (_one(values, "first_name"), _one(values, "last_name")) if x) or None
    return {
        "service_code": service.code,
        "description": _one(values, "description") or "",
        "answers": answers,
        "address": address_string,
        "lon": point[0] if point else None,
        "lat": point[1] if point else None,
        "locale": j.default_language,
        "contact": {"name": name, "email": _one(values, "email"), "phone": _one(values, "phone")},
    }


def _create(s: Session, j: Jurisdiction, data: dict[str, Any], token: str) -> Report:
    """Place the report, check that it lies in this jurisdiction (400 otherwise) and create it."""
    try:
        data = place(s, data)
    except DomainError as exc:
        raise Open311Error.one(400, f"address_string: {exc.message}") from exc

    try:
        _, located = locate_or_refuse(data["lon"], data["lat"])
    except DomainError as exc:
        raise Open311Error.one(400, "the location is outside every jurisdiction served here") from exc
    if located.id != j.id:
        raise Open311Error.one(400, f"the location is outside jurisdiction {j.code}")
    report, _ = create_report(s, None, data, channel="open311", token=token)
    return report


def _file(
    s: Session,
    j: Jurisdiction,
    key: ApiKey,
    values: dict[str, list[str]],
    data: dict[str, Any],
    token: str,
    clean: Any,
) -> Report:
    """Create the report with a note of its origin, its photo and media link, in one transaction (undone on error)."""
    media_url = _one(values, "media_url")
    try:
        report = _create(s, j, data, token)
        s.add(
            ReportEvent(
                report_id=report.id,
                kind="note",
                public=False,
                body="Open311 submission",
                data={
                    "api_key": key.prefix,
                    "device_id": _one(values, "device_id"),
                    "account_id": _one(values, "account_id"),
                },
            )
        )
        if clean is not None:
            photos.add_photo(s, report, clean, None)
        if media_url:
            photos.add_link(s, report, media_url)
        s.commit()
    except BaseException:
        s.rollback()
        photos.discard_written(s)
        raise
    s.info.pop("written_photos", None)
    return report


def submit(values: dict[str, list[str]], media: IO[bytes] | None) -> dict[str, Any]:
    """POST requests: validate everything first, then file the report (and its photo) in one transaction."""
    point = _checked_form(values)
    j = jurisdiction(_one(values, "jurisdiction_id"))
    assert j is not None  # noqa: S101 - jurisdiction() raises when none applies
    key = _authorise(_one(values, "api_key"), j)
    service = _service(j, _one(values, "service_code") or "")
    answers = _checked_answers(service, values)
    clean = _prepared_media(media)
    s = session()
    point, address_string = _registered_address(s, j, values, point)
    data = _report_data(values, j, service, answers, point, address_string)
    token = secrets.token_hex(16)
    report = _file(s, j, key, values, data, token, clean)
    return {
        "service_request_id": report.public_id,
        "token": token,
        "service_notice": None,
        "account_id": _one(values, "account_id"),
    }


def token(j: Jurisdiction, value: str) -> dict[str, Any]:
    """GET tokens/{token}: the service request id a submission's token stands for (404 if unknown)."""
    r = session().scalars(select(Report).where(Report.open311_token == value, Report.jurisdiction_id == j.id)).first()
    if r is None:
        raise Open311Error.one(404, f"token {value} not found")
    return {"service_request_id": r.public_id, "token": value}
