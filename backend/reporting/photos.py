"""Photos of reports: upload (sanitised), moderation, thumbnails through the outbox, serving rules."""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import storage
from backend.db import session, unit_of_work
from backend.errors import DomainError, NotFound
from backend.i18n import gettext
from backend.imaging import Clean, ImageTooLarge, UnsupportedImage, sanitize, thumbnail
from backend.models import Device, Photo, Report, ReportEvent, utcnow
from backend.outbox import add_event, handles
from backend.reporting.presenters import PhotoView, photo_entry
from backend.reporting.reads import find_visible

MAX_PHOTOS = 5
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PhotoUploaded(PhotoView):
    """A new photo: approved (public at once) or pending (awaiting moderation)."""

    state: str


class Forbidden(DomainError):
    status = 403


class TooLarge(DomainError):
    status = 413


class UnsupportedType(DomainError):
    status = 415


def read_limited(stream: IO[bytes]) -> bytes:
    """The upload, refused with 413 past MAX_BYTES without reading much further."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise TooLarge(gettext("A photo may be at most {mb} MB.", mb=MAX_BYTES // (1024 * 1024)), field="photo")
    return data


def prepare(stream: IO[bytes]) -> Clean:
    """Read and sanitise an upload: 413 past the size or pixel limit, 415 for other types."""
    data = read_limited(stream)
    try:
        return sanitize(data)
    except UnsupportedImage as exc:
        raise UnsupportedType(gettext("Send a JPEG, PNG, WebP or HEIC photo."), field="photo") from exc
    except ImageTooLarge as exc:
        raise TooLarge(gettext("The image has too many pixels."), field="photo") from exc


def add_photo(
    s: Session, report: Report, clean: Clean, device_id: int | None, idempotency: tuple[str | None, str] | None = None
) -> Photo:
    """Store a sanitised photo for a report in the caller's transaction (the file is written first)."""
    count = s.scalar(select(func.count()).select_from(Photo).where(Photo.report_id == report.id))
    if (count or 0) >= MAX_PHOTOS:
        raise DomainError(gettext("A report can have at most {n} photos.", n=MAX_PHOTOS), field="photo")
    name = secrets.token_hex(16)
    storage.write("photos", name, clean.jpeg)
    s.info.setdefault("written_photos", []).append(name)
    moderated = report.jurisdiction.settings.get("photo_moderation", "off") not in ("off", False, None)
    photo = Photo(
        report_id=report.id,
        device_id=device_id,
        name=name,
        width=clean.width,
        height=clean.height,
        size_bytes=len(clean.jpeg),
        original_type=clean.original_type,
        state="pending" if moderated else "approved",
    )
    s.add(photo)
    s.flush()
    data: dict[str, Any] = {"photo_id": photo.id}
    if idempotency and idempotency[0]:
        data.update(idempotency_key=idempotency[0], idempotency_hash=idempotency[1])
    s.add(ReportEvent(report_id=report.id, kind="photo", public=False, actor_device_id=device_id, data=data))
    add_event(s, "photo.uploaded", {"photo_id": photo.id})
    return photo


def add_link(s: Session, report: Report, url: str) -> Photo:
    """Record a media URL given by a client as a link (never fetched by the server), moderated like photos."""
    moderated = report.jurisdiction.settings.get("photo_moderation", "off") not in ("off", False, None)
    photo = Photo(
        report_id=report.id,
        name=secrets.token_hex(16),
        width=0,
        height=0,
        size_bytes=0,
        original_type="link",
        state="pending" if moderated else "approved",
        external_url=url,
    )
    s.add(photo)
    return photo


def discard_written(s: Session) -> None:
    """After a rollback: remove the files written for photos that were not committed."""
    for name in s.info.pop("written_photos", []):
        storage.remove("photos", name)


def _earlier_upload(s: Session, device: Device, key: str, digest: str) -> Photo | None:
    """The photo this device already uploaded with this Idempotency-Key; 422 if that was another request."""
    event = s.scalars(
        select(ReportEvent).where(
            ReportEvent.kind == "photo",
            ReportEvent.actor_device_id == device.id,
            ReportEvent.data["idempotency_key"].astext == key,
        )
    ).first()
    if event is None:
        return None
    if event.data.get("idempotency_hash") != digest:
        raise DomainError(
            gettext("This Idempotency-Key was already used for a different request."), field="Idempotency-Key"
        )
    return s.get(Photo, event.data.get("photo_id"))


def _uploaded(photo: Photo) -> PhotoUploaded:
    entry = photo_entry(photo)
    return PhotoUploaded(id=entry.id, url=entry.url, thumbnail_url=entry.thumbnail_url, state=photo.state)


def upload(
    device: Device, report_ref: str, stream: IO[bytes], idempotency_key: str | None = None
) -> tuple[PhotoUploaded, bool]:
    """Attach a photo to the device's own report; public at once or after moderation.

    With an Idempotency-Key, a retry of the same upload returns the first photo (replayed=True) instead of
    storing it again; the same key with another file or report is a 422."""

    s = session()
    report = find_visible(s, report_ref)
    if report.device_id != device.id:
        raise Forbidden(gettext("Only the device that filed the report can add photos to it."))
    data = read_limited(stream)
    digest = hashlib.sha256(f"{report.id}:".encode() + data).hexdigest()
    if idempotency_key:
        earlier = _earlier_upload(s, device, idempotency_key, digest)
        if earlier is not None:
            return _uploaded(earlier), True
    clean = prepare(io.BytesIO(data))
    try:
        with unit_of_work() as s:
            if idempotency_key:
                # Serialise concurrent retries with the same key from the same device.
                lock = func.hashtextextended(f"photo:{device.id}:{idempotency_key}", 0)
                s.execute(select(func.pg_advisory_xact_lock(lock)))
                earlier = _earlier_upload(s, device, idempotency_key, digest)
                if earlier is not None:
                    return _uploaded(earlier), True
            report = s.get_one(Report, report.id, with_for_update=True)
            photo = add_photo(s, report, clean, device.id, idempotency=(idempotency_key, digest))
    except BaseException:
        discard_written(s)
        raise
    s.info.pop("written_photos", None)
    return _uploaded(photo), False


def moderate(photo_id: int, approve: bool, staff_id: int | None = None) -> Photo:
    """Approve (public) or hide a photo (without an acting staff member: system moderation)."""
    with unit_of_work() as s:
        photo = s.get(Photo, photo_id, with_for_update=True)
        if photo is None:
            raise NotFound(gettext("Not found."))
        apply_moderation(s, photo, approve, staff_id)
    return photo


def public_photo(kind: str, name: str) -> str:
    """The file path of a photo or thumbnail anyone may see; NotFound otherwise."""
    s = session()
    row = s.execute(
        select(Photo.state, Photo.has_thumbnail, Report.hidden)
        .join(Report, Report.id == Photo.report_id)
        .where(Photo.name == name)
    ).first()
    s.rollback()
    if row is None or row.state != "approved" or row.hidden or (kind == "thumbs" and not row.has_thumbnail):
        raise NotFound(gettext("Not found."))
    return str(storage.path_of(kind, name))


@handles("photo.uploaded")
def make_thumbnail(s: Session, payload: dict[str, Any]) -> None:
    """Outbox handler: write the thumbnail of a new photo (idempotent)."""
    photo = s.get(Photo, payload["photo_id"])
    if photo is None or photo.has_thumbnail:
        return
    data = storage.path_of("photos", photo.name).read_bytes()
    storage.write("thumbs", photo.name, thumbnail(data))
    photo.has_thumbnail = True


def apply_moderation(s: Session, photo: Photo, approve: bool, staff_id: int | None) -> None:
    """Approve (public) or hide a photo, with a staff-only event on the report's timeline."""
    photo.state = "approved" if approve else "hidden"
    photo.moderated_at = utcnow()
    photo.moderated_by_id = staff_id
    s.add(
        ReportEvent(
            report_id=photo.report_id,
            kind="moderation",
            public=False,
            actor_staff_id=staff_id,
            data={"photo_id": photo.id, "state": photo.state},
        )
    )
