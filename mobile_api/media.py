"""Photos and thumbnails under /media: public ones for everyone, pending and hidden ones for staff only."""

from __future__ import annotations

from flask import Blueprint, abort, request, send_file
from flask.typing import ResponseReturnValue

from backend.errors import NotFound
from backend.reporting import public_photo
from backend.staff import authenticate
from backend.triage import photo_file_for_staff


def _for_staff(kind: str, name: str) -> str:
    """Pending and hidden photos, for staff of the report's jurisdiction (bearer token)."""
    scheme, _, secret = (request.headers.get("Authorization") or "").partition(" ")
    found = authenticate(secret.strip()) if scheme.lower() == "bearer" and secret.strip() else None
    if found is None:
        abort(404)
    try:
        return photo_file_for_staff(found[0], kind, name)
    except NotFound:
        abort(404)
    raise AssertionError("unreachable")


def media_blueprint() -> Blueprint:
    """Public photos and thumbnails; pending or hidden ones are not served."""
    bp = Blueprint("media", __name__)

    @bp.get("/media/<any(photos, thumbs):kind>/<name>.jpg")
    def media(kind: str, name: str) -> ResponseReturnValue:
        if not name.isalnum() or len(name) > 64:
            abort(404)
        try:
            path = public_photo(kind, name)
        except NotFound:
            path = _for_staff(kind, name)
        return send_file(path, mimetype="image/jpeg", max_age=3600)

    return bp
