"""Broadcasts (managers and admins): audience preview, send now or at a time, statistics, cancel;
and the public announcements residents read in the app."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import cast

from geoalchemy2.shape import to_shape
from sqlalchemy import Table, case, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from backend import audit
from backend.broadcasts.views import (
    Announcement,
    Announcements,
    AudienceSize,
    BroadcastSpec,
    BroadcastView,
    DeliveryStats,
    Text,
)
from backend.cities.geography import Named, locate_or_refuse
from backend.db import session, unit_of_work
from backend.errors import Conflict, DomainError, NotFound
from backend.i18n import LANGUAGES, gettext, pick
from backend.models import TOPICS, Area, Broadcast, Delivery, Device, Jurisdiction, Notification, StaffUser, utcnow
from geo.audiences import Target, audience_devices, covers, point_sql, shape_sql
from push.broadcasts import request_send
from push.delivery import enabled

#: Topics a broadcast may use (a report's own updates are not broadcast).
BROADCAST_TOPICS = tuple(t for t in TOPICS if t != "my_reports")
MAX_RADIUS_M = 50_000
#: A send time this far in the past is refused (clock skew is allowed for).
PAST_GRACE = timedelta(minutes=1)
#: The channels a broadcast goes out through besides the in-app inbox (e-mail reaches only reporters about their
#: reports, never a broadcast).
BROADCAST_CHANNELS = ("push",)


def channels() -> dict[str, str]:
    """Per channel, "configured" or "not configured" (push without FCM credentials: the inbox only)."""
    return {c: "configured" if enabled(c) else "not configured" for c in BROADCAST_CHANNELS}


def _jurisdiction(staff: StaffUser) -> Jurisdiction:
    return session().get_one(Jurisdiction, staff.jurisdiction_id)


def target(staff: StaffUser, spec: BroadcastSpec) -> Target:
    """Check an audience (422 naming the field) and return it."""
    s = session()
    audience = spec.get("audience")
    if audience == "jurisdiction":
        return Target("jurisdiction", staff.jurisdiction_id)
    if audience == "areas":
        return _areas_target(s, staff, spec)
    if audience == "polygon":
        return _polygon_target(s, staff, spec)
    if audience == "radius":
        return _radius_target(s, staff, spec)
    raise DomainError(gettext("Must be one of: {0}.").format("jurisdiction, areas, polygon, radius"), field="audience")


def _areas_target(s: Session, staff: StaffUser, spec: BroadcastSpec) -> Target:
    """The residents of the areas named by code (at least one, all of this municipality)."""
    codes = spec.get("areas") or []
    if not codes:
        raise DomainError(gettext("Choose at least one area."), field="areas")
    found = dict(
        s.execute(
            select(Area.code, Area.id).where(Area.jurisdiction_id == staff.jurisdiction_id, Area.code.in_(codes))
        ).all()
    )
    unknown = sorted(set(codes) - set(found))
    if unknown:
        raise DomainError(gettext("Unknown area: {0}.").format(", ".join(unknown)), field="areas")
    return Target("areas", staff.jurisdiction_id, area_ids=tuple(sorted(found.values())))


def _polygon_target(s: Session, staff: StaffUser, spec: BroadcastSpec) -> Target:
    """The residents inside a GeoJSON (Multi)Polygon that is valid, not empty and touches the municipality."""
    polygon = spec.get("polygon")
    if not isinstance(polygon, dict) or polygon.get("type") not in ("Polygon", "MultiPolygon"):
        raise DomainError(gettext("Give a GeoJSON Polygon or MultiPolygon."), field="polygon")
    geojson = json.dumps(polygon)
    j = _jurisdiction(staff)
    try:
        with s.begin_nested():
            area, inside = s.execute(
                select(
                    func.ST_Area(shape_sql(geojson)), func.ST_Intersects(shape_sql(geojson), Jurisdiction.boundary)
                ).where(Jurisdiction.id == j.id)
            ).one()
    except DBAPIError as exc:
        raise DomainError(gettext("The polygon is not valid GeoJSON."), field="polygon") from exc
    if not area:
        raise DomainError(gettext("The polygon is empty."), field="polygon")
    if not inside:
        raise DomainError(gettext("The polygon lies outside the municipality."), field="polygon")
    return Target("polygon", staff.jurisdiction_id, shape=geojson)


def _radius_target(s: Session, staff: StaffUser, spec: BroadcastSpec) -> Target:
    """The residents within radius_m (up to MAX_RADIUS_M) of the centre lat, lon; the circle must reach into the
    municipality."""
    lat, lon, radius = spec.get("lat"), spec.get("lon"), spec.get("radius_m")
    if lat is None or lon is None:
        raise DomainError(gettext("Give lat and lon of the centre."), field="lat")
    if radius is None or not 0 < radius <= MAX_RADIUS_M:
        raise DomainError(gettext("The radius must be between 1 and {n} metres.", n=MAX_RADIUS_M), field="radius_m")
    center = (float(lon), float(lat))
    reaches = s.scalar(
        select(func.ST_DWithin(func.geography(Jurisdiction.boundary), point_sql(*center), float(radius))).where(
            Jurisdiction.id == staff.jurisdiction_id
        )
    )
    if not reaches:
        raise DomainError(gettext("The circle lies outside the municipality."), field="lat")
    return Target("radius", staff.jurisdiction_id, center=center, radius_m=float(radius))


def _topic(topic: str | None) -> str:
    if topic not in BROADCAST_TOPICS:
        raise DomainError(gettext("Must be one of: {0}.").format(", ".join(BROADCAST_TOPICS)), field="topic")
    return topic


def preview(staff: StaffUser, spec: BroadcastSpec) -> AudienceSize:
    """How many devices the audience has for this topic, and how many of them can get a push."""
    t, topic = target(staff, spec), _topic(spec.get("topic"))
    s = session()
    devices, with_push = s.execute(
        select(func.count(), func.count(Device.push_token)).where(audience_devices(t, topic))
    ).one()
    s.rollback()
    return AudienceSize(devices=int(devices), with_push=int(with_push), channels=channels())


def _texts(texts: dict[str, Text], default: str) -> dict[str, Text]:
    clean: dict[str, Text] = {}
    for lang, text in (texts or {}).items():
        if lang not in LANGUAGES:
            raise DomainError(gettext("Unsupported language; one of pl, uk, en."), field="texts")
        title, body = (text or {}).get("title", "").strip(), (text or {}).get("body", "").strip()
        if not title or not body:
            raise DomainError(gettext("Each language needs a title and a body."), field="texts")
        clean[lang] = {"title": title, "body": body}
    if default not in clean:
        raise DomainError(
            gettext("A text in the municipality's language ({language}) is required.", language=default), field="texts"
        )
    return clean


def create(staff: StaffUser, spec: BroadcastSpec) -> BroadcastView:
    """Send now (no `send_at`) or schedule; the fan-out starts once this commits (or when the time comes)."""
    t, topic = target(staff, spec), _topic(spec.get("topic"))
    jurisdiction = _jurisdiction(staff)
    texts = _texts(spec.get("texts") or {}, jurisdiction.default_language)
    now = utcnow()
    send_at: datetime = spec.get("send_at") or now
    if send_at < now - PAST_GRACE:
        raise DomainError(gettext("The send time is in the past."), field="send_at")
    expires_at: datetime | None = spec.get("expires_at")
    if expires_at is not None and expires_at <= max(send_at, now):
        raise DomainError(gettext("The expiry must come after the send time."), field="expires_at")
    with unit_of_work() as s:
        b = Broadcast(
            jurisdiction_id=staff.jurisdiction_id,
            topic=topic,
            audience=t.audience,
            area_ids=list(t.area_ids) or None,
            texts=texts,
            private=bool(spec.get("private")),
            send_at=send_at,
            expires_at=expires_at,
            status="scheduled",
            created_by_staff_id=staff.id,
            shape=shape_sql(t.shape) if t.shape else None,
            center=point_sql(*t.center) if t.center else None,
            radius_m=t.radius_m,
        )
        s.add(b)
        s.flush()
        audit.record(
            s,
            staff,
            "broadcast.create",
            "broadcast",
            b.id,
            jurisdiction_id=b.jurisdiction_id,
            after={
                "topic": topic,
                "audience": t.audience,
                "send_at": send_at.isoformat(),
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
        if send_at <= now:
            request_send(s, b.id)
        bid = b.id
    return detail(staff, bid)


def _visible(staff: StaffUser, broadcast_id: int) -> Broadcast:
    if not 0 < broadcast_id < 2**31:
        raise NotFound(gettext("Not found."))
    b = session().get(Broadcast, broadcast_id)
    if b is None or b.jurisdiction_id != staff.jurisdiction_id:
        raise NotFound(gettext("Not found."))
    return b


def _stats(broadcast_ids: list[int]) -> dict[int, dict[str, int]]:
    s = session()
    out = {bid: {"targeted": 0, "sent": 0, "failed": 0, "pruned": 0, "pending": 0} for bid in broadcast_ids}
    for bid, n in s.execute(
        select(Notification.broadcast_id, func.count())
        .where(Notification.broadcast_id.in_(broadcast_ids))
        .group_by(Notification.broadcast_id)
    ):
        out[cast(int, bid)]["targeted"] = n
    state = case((Delivery.status.in_(("pending", "sending")), "pending"), else_=Delivery.status)
    for bid, st, n in s.execute(
        select(Notification.broadcast_id, state, func.count())
        .join(Notification, Notification.id == Delivery.notification_id)
        .where(Notification.broadcast_id.in_(broadcast_ids))
        .group_by(Notification.broadcast_id, state)
    ):
        out[bid][st] = out[bid].get(st, 0) + n
    return out


def _view(b: Broadcast, stats: dict[str, int], areas: dict[int, str], configured: dict[str, str]) -> BroadcastView:
    center = to_shape(b.center) if b.center is not None else None
    counts: DeliveryStats = {
        "targeted": stats["targeted"],
        "sent": stats["sent"],
        "failed": stats["failed"],
        "pruned": stats["pruned"],
        "pending": stats["pending"],
        "channels": configured,
    }
    return {
        "id": b.id,
        "topic": b.topic,
        "audience": b.audience,
        "areas": [areas[i] for i in (b.area_ids or []) if i in areas],
        "lat": float(center.y) if center else None,
        "lon": float(center.x) if center else None,
        "radius_m": b.radius_m,
        "texts": {lang: {"title": text["title"], "body": text["body"]} for lang, text in b.texts.items()},
        "private": b.private,
        "send_at": b.send_at,
        "expires_at": b.expires_at,
        "status": b.status,
        "sent_at": b.sent_at,
        "created_at": b.created_at,
        "stats": counts,
    }


def detail(staff: StaffUser, broadcast_id: int) -> BroadcastView:
    s = session()
    b = _visible(staff, broadcast_id)
    areas = dict(s.execute(select(Area.id, Area.code).where(Area.jurisdiction_id == staff.jurisdiction_id)).all())
    view = _view(b, _stats([b.id])[b.id], areas, channels())
    s.rollback()
    return view


def listing(staff: StaffUser, limit: int = 50) -> list[BroadcastView]:
    s = session()
    rows = list(
        s.scalars(
            select(Broadcast)
            .where(Broadcast.jurisdiction_id == staff.jurisdiction_id)
            .order_by(Broadcast.send_at.desc(), Broadcast.id.desc())
            .limit(limit)
        )
    )
    stats = _stats([b.id for b in rows])
    areas = dict(s.execute(select(Area.id, Area.code).where(Area.jurisdiction_id == staff.jurisdiction_id)).all())
    configured = channels()
    out = [_view(b, stats[b.id], areas, configured) for b in rows]
    s.rollback()
    return out


def cancel(staff: StaffUser, broadcast_id: int) -> BroadcastView:
    """Cancel a broadcast not yet sent; pushes already queued for it are dropped."""
    with unit_of_work() as s:
        b = _visible(staff, broadcast_id)
        s.refresh(b, with_for_update=True)
        if b.status not in ("scheduled", "sending"):
            raise Conflict(gettext("Only a broadcast that is not yet sent can be cancelled."), field="status")
        before = b.status
        b.status = "cancelled"
        s.execute(
            cast(Table, Delivery.__table__)
            .update()
            .where(
                Delivery.status == "pending",
                Delivery.notification_id.in_(select(Notification.id).where(Notification.broadcast_id == b.id)),
            )
            .values(status="failed", error="the broadcast was cancelled")
        )
        audit.record(
            s,
            staff,
            "broadcast.cancel",
            "broadcast",
            b.id,
            jurisdiction_id=b.jurisdiction_id,
            before={"status": before},
            after={"status": "cancelled"},
        )
    return detail(staff, broadcast_id)


def announcements(lon: float, lat: float, topic: str | None, lang: str, limit: int = 50) -> Announcements:
    """Public broadcasts in force at a point (emergencies first, then the newest)."""
    if topic is not None and topic not in BROADCAST_TOPICS:
        raise DomainError(gettext("Must be one of: {0}.").format(", ".join(BROADCAST_TOPICS)), field="topic")
    loc, jurisdiction = locate_or_refuse(lon, lat)
    s = session()
    now = utcnow()
    stmt = (
        select(Broadcast)
        .where(
            covers(lon, lat, loc.jurisdiction_id, loc.area_id),
            ~Broadcast.private,
            Broadcast.status.in_(("sending", "sent")),
            Broadcast.send_at <= now,
            (Broadcast.expires_at.is_(None)) | (Broadcast.expires_at > now),
        )
        .order_by(case((Broadcast.topic == "emergency", 0), else_=1), Broadcast.send_at.desc())
        .limit(limit)
    )
    if topic is not None:
        stmt = stmt.where(Broadcast.topic == topic)
    items: list[Announcement] = []
    for b in s.scalars(stmt):
        text = b.texts.get(lang) or b.texts.get(jurisdiction.default_language) or next(iter(b.texts.values()))
        items.append(
            Announcement(
                id=b.id,
                topic=b.topic,
                title=text["title"],
                body=text["body"],
                sent_at=b.send_at,
                expires_at=b.expires_at,
            )
        )
    s.rollback()
    return Announcements(
        jurisdiction=Named(code=jurisdiction.code, name=pick(jurisdiction.name, lang, jurisdiction.default_language)),
        items=items,
    )
