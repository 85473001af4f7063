"""Open311 GeoReport v2 on top of the same use cases: catalogue, requests, tokens, api keys."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from geoalchemy2.shape import to_shape
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from backend.cities.geography import locate_or_refuse
from backend.db import session
from backend.errors import DomainError
from backend.i18n import choose_language, pick
from backend.models import OPEN_STATUSES, Address, ApiKey, Jurisdiction, Report, ReportEvent, Service, utcnow
from backend.reporting import photos
from backend.reporting.answers import check_answers
from backend.reporting.map import parse_bbox
from backend.reporting.presenters import location_of, media_url
from backend.reporting.submission import create_report, place
from backend.security import digest

DEFAULT_WINDOW = timedelta(days=90)
MAX_PAGE = 1000
ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


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
    return choose_language(locale, j.languages, j.default_language)


def service_list(j: Jurisdiction, locale: str | None) -> list[dict[str, Any]]:
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


def _authorise(key: str | None, j: Jurisdiction) -> ApiKey:
    if not key:
        raise Open311Error.one(403, "api_key is required to submit requests")
    s = session()
    found = s.scalars(select(ApiKey).where(ApiKey.key_hash == digest(key), ApiKey.revoked_at.is_(None))).first()
    if found is None or found.jurisdiction_id != j.id or "open311:write" not in found.scopes:
        raise Open311Error.one(403, f"api_key is not valid for submitting to jurisdiction {j.code}")
    return found


def _answers(values: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, items in values.items():
        match = ATTRIBUTE.match(key)
        items = [x for x in items if x.strip()]  # an empty parameter is an absent one
        if match and items:
            out[match.group(1)] = items if match.group(2) else items[-1]
    return out


def submit(values: dict[str, list[str]], media: IO[bytes] | None) -> dict[str, Any]:
    """POST requests: validate everything first, then file the report (and its photo) in one transaction."""

    def one(name: str) -> str | None:
        items = values.get(name) or []
        return items[-1].strip() or None if items else None

    errors: list[tuple[int, str]] = []
    code = one("service_code")
    if not code:
        errors.append((400, "service_code is required"))
    lat, lon = one("lat"), one("long")
    address_string, address_id = one("address_string"), one("address_id")
    point: tuple[float, float] | None = None
    if lat or lon:
        try:
            point = (float(lon or ""), float(lat or ""))
            if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
                raise ValueError
        except ValueError:
            errors.append((400, "lat and long must be WGS84 decimal degrees, given together"))
    elif not address_string and not address_id:
        errors.append((400, "a location is required: lat and long, address_string or address_id"))
    description = one("description") or ""
    if len(description) > 4000:
        errors.append((400, "description is longer than 4000 characters"))
    email = one("email")
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        errors.append((400, "email is not an e-mail address"))
    media_url = one("media_url")
    if media_url and not re.match(r"^https?://\S+$", media_url):
        errors.append((400, "media_url must be an http(s) URL"))
    if errors:
        raise Open311Error(400, errors)
    j = jurisdiction(one("jurisdiction_id"))
    assert j is not None  # noqa: S101 - jurisdiction() raises when none applies
    key = _authorise(one("api_key"), j)
    service = _service(j, code or "")
    try:
        answers = check_answers(service.questions, _answers(values))
    except DomainError as exc:
        name = (exc.field or "").removeprefix("answers.")
        raise Open311Error.one(400, f"attribute[{name}]: {exc.message}") from exc
    clean = None
    if media is not None:
        try:
            clean = photos.prepare(media)
        except DomainError as exc:
            raise Open311Error.one(exc.status if exc.status in (413, 415) else 400, f"media: {exc.message}") from exc
    s = session()
    if address_id and point is None:
        found = s.get(Address, int(address_id)) if address_id.isdigit() else None
        if found is None or found.jurisdiction_id != j.id:
            raise Open311Error.one(404, f"address_id {address_id} is not known")

        p = to_shape(found.point)
        point, address_string = (p.x, p.y), f"{found.street} {found.house_number}"
    name = " ".join(x for x in (one("first_name"), one("last_name")) if x) or None
    data: dict[str, Any] = {
        "service_code": service.code,
        "description": description,
        "answers": answers,
        "address": address_string,
        "lon": point[0] if point else None,
        "lat": point[1] if point else None,
        "locale": j.default_language,
        "contact": {"name": name, "email": email, "phone": one("phone")},
    }
    token = secrets.token_hex(16)
    try:
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
        s.add(
            ReportEvent(
                report_id=report.id,
                kind="note",
                public=False,
                body="Open311 submission",
                data={"api_key": key.prefix, "device_id": one("device_id"), "account_id": one("account_id")},
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
    return {
        "service_request_id": report.public_id,
        "token": token,
        "service_notice": None,
        "account_id": one("account_id"),
    }


def _as_request(r: Report, notes: list[ReportEvent], extensions: bool, lang: str) -> dict[str, Any]:
    j = r.jurisdiction
    lon, lat = location_of(r)
    closed = r.status not in OPEN_STATUSES
    public_photos = [p for p in r.photos if p.state == "approved"]
    replies = [e for e in notes if e.kind == "reply"]
    media = public_photos[0].external_url or media_url("photos", public_photos[0].name) if public_photos else None
    out: dict[str, Any] = {
        "service_request_id": r.public_id,
        "status": "closed" if closed else "open",
        "status_notes": replies[-1].body if replies else None,
        "service_name": pick(r.service.name, lang, j.default_language),
        "service_code": r.service.code,
        "description": r.description or None,
        "agency_responsible": pick(r.department.name, lang, j.default_language) if r.department else None,
        "service_notice": None,
        "requested_datetime": w3c(r.requested_at, j.timezone),
        "updated_datetime": w3c((r.closed_at or r.resolved_at or r.updated_at) if closed else r.updated_at, j.timezone),
        "expected_datetime": w3c(r.sla_due_at, j.timezone),
        "address": r.address,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": media,
    }
    if extensions:
        out["extended_attributes"] = {
            "internal_status": r.status,
            "area": None
            if r.area is None
            else {"code": r.area.code, "name": pick(r.area.name, lang, j.default_language)},
            "duplicate_of": r.merged_into.public_id if r.merged_into else None,
            "support_count": r.support_count,
            "status_notes_history": [
                {
                    "datetime": w3c(e.created_at, j.timezone),
                    "status": e.to_status,
                    "notes": e.body if e.kind == "reply" else None,
                }
                for e in notes
            ],
            "photos": [p.external_url or media_url("photos", p.name) for p in public_photos],
        }
    return out


def _load_notes(report_ids: list[int]) -> dict[int, list[ReportEvent]]:
    out: dict[int, list[ReportEvent]] = {rid: [] for rid in report_ids}
    if report_ids:
        for e in session().scalars(
            select(ReportEvent)
            .where(
                ReportEvent.report_id.in_(report_ids),
                ReportEvent.public,
                ReportEvent.kind.in_(("created", "status", "reply")),
            )
            .order_by(ReportEvent.created_at, ReportEvent.id)
        ):
            out[e.report_id].append(e)
    return out


def _options() -> list[Any]:
    return [
        selectinload(Report.service),
        selectinload(Report.jurisdiction),
        selectinload(Report.area),
        selectinload(Report.department),
        selectinload(Report.photos),
        selectinload(Report.merged_into),
    ]


def query(j: Jurisdiction, params: dict[str, str | None], locale: str | None) -> list[dict[str, Any]]:
    """GET requests with the spec's filters and the common extensions."""
    stmt = select(Report).where(Report.jurisdiction_id == j.id, ~Report.hidden).options(*_options())
    ids = params.get("service_request_id")
    if ids:
        refs = [x.strip().upper() for x in ids.split(",") if x.strip()][:MAX_PAGE]
        stmt = stmt.where(Report.public_id.in_(refs))
    else:
        if params.get("service_code"):
            codes = [x.strip() for x in (params["service_code"] or "").split(",") if x.strip()]
            stmt = stmt.join(Service, Service.id == Report.service_id).where(Service.code.in_(codes))
        start, end = parse_date("start_date", params.get("start_date")), parse_date("end_date", params.get("end_date"))
        if start and end and end < start:
            raise Open311Error.one(400, "end_date is before start_date")
        if start is None and end is None:
            start = utcnow() - DEFAULT_WINDOW
        elif start is None and end is not None:
            start = end - DEFAULT_WINDOW
        stmt = stmt.where(Report.requested_at >= start)
        if end is not None:
            stmt = stmt.where(Report.requested_at <= end)
        if params.get("status"):
            wanted = {x.strip() for x in (params["status"] or "").split(",") if x.strip()}
            if wanted - {"open", "closed"}:
                raise Open311Error.one(400, "status is open, closed or both (comma-separated)")
            if wanted == {"open"}:
                stmt = stmt.where(Report.status.in_(OPEN_STATUSES))
            elif wanted == {"closed"}:
                stmt = stmt.where(Report.status.not_in(OPEN_STATUSES))
        for name, op in (("updated_after", ">="), ("updated_before", "<=")):
            moment = parse_date(name, params.get(name))
            if moment is not None:
                stmt = stmt.where(Report.updated_at >= moment if op == ">=" else Report.updated_at <= moment)
        if params.get("bbox"):
            try:
                x0, y0, x1, y1 = parse_bbox(params["bbox"] or "")
            except DomainError as exc:
                raise Open311Error.one(400, "bbox is minLon,minLat,maxLon,maxLat") from exc
            stmt = stmt.where(
                func.ST_Intersects(func.ST_MakeEnvelope(x0, y0, x1, y1, 4326), func.geometry(Report.location))
            )
    try:
        page = int(params.get("page") or 1)
        size = int(params.get("page_size") or MAX_PAGE)
    except ValueError as exc:
        raise Open311Error.one(400, "page and page_size are whole numbers") from exc
    if page < 1 or not 1 <= size <= MAX_PAGE:
        raise Open311Error.one(400, f"page >= 1 and 1 <= page_size <= {MAX_PAGE}")
    rows = list(
        session().scalars(
            stmt.order_by(Report.requested_at.desc(), Report.id.desc()).limit(size).offset((page - 1) * size)
        )
    )
    notes = _load_notes([r.id for r in rows])
    lang = _lang(j, locale)
    extensions = (params.get("extensions") or "").lower() == "true"
    return [_as_request(r, notes[r.id], extensions, lang) for r in rows]


def one_request(j: Jurisdiction, ref: str, params: dict[str, str | None], locale: str | None) -> dict[str, Any]:
    s = session()
    cond = Report.public_id == ref.upper()
    if ref.isdigit() and len(ref) <= 18:
        cond = or_(cond, Report.id == int(ref))
    r = s.scalars(
        select(Report).where(cond, Report.jurisdiction_id == j.id, ~Report.hidden).options(*_options())
    ).first()
    if r is None:
        raise Open311Error.one(404, f"service request {ref} not found")
    extensions = (params.get("extensions") or "").lower() == "true"
    return _as_request(r, _load_notes([r.id])[r.id], extensions, _lang(j, locale))


def token(j: Jurisdiction, value: str) -> dict[str, Any]:
    r = session().scalars(select(Report).where(Report.open311_token == value, Report.jurisdiction_id == j.id)).first()
    if r is None:
        raise Open311Error.one(404, f"token {value} not found")
    return {"service_request_id": r.public_id, "token": value}
