"""Resident-facing HTTP: the /api/v1 API and (later) Open311 GeoReport v2 under /open311/v2."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, Flask, abort, request, send_file, send_from_directory
from flask.typing import ResponseReturnValue

from backend.api import HromadaApi
from backend.errors import NotFound

CONFIG_PREFIX = "MOBILE"
SWAGGER_STATIC = "/api/static/swagger-ui/"


def _swagger_assets() -> Blueprint:
    """Swagger UI's files from the swagger-ui-bundle package (never from a CDN)."""
    bp = Blueprint("swagger_assets", __name__)
    root = Path(swagger_ui_bundle.swagger_ui_path)

    @bp.get(f"{SWAGGER_STATIC}<path:filename>")
    def asset(filename: str) -> ResponseReturnValue:
        return send_from_directory(root, filename, max_age=86400)

    return bp


def _for_staff(kind: str, name: str) -> str:
    """Pending and hidden photos, for staff of the report's jurisdiction (bearer token)."""
    from backend.staff.sign_in import authenticate
    from backend.triage.detail import photo_file_for_staff

    scheme, _, secret = (request.headers.get("Authorization") or "").partition(" ")
    found = authenticate(secret.strip()) if scheme.lower() == "bearer" and secret.strip() else None
    if found is None:
        abort(404)
    try:
        return photo_file_for_staff(found[0], kind, name)
    except NotFound:
        abort(404)
    raise AssertionError("unreachable")


def _media() -> Blueprint:
    """Public photos and thumbnails; pending or hidden ones are not served."""
    from backend.reporting.photos import public_photo

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


def init_app(app: Flask) -> HromadaApi:
    """Register the resident API, its OpenAPI document (/api/v1/openapi.json) and UI (/api/v1/docs)."""
    from mobile_api.views import blp

    app.config.setdefault(f"{CONFIG_PREFIX}_API_TITLE", "Hromada resident API")
    app.config.setdefault(f"{CONFIG_PREFIX}_API_VERSION", "v1")
    app.config.setdefault(f"{CONFIG_PREFIX}_OPENAPI_VERSION", "3.0.3")
    app.config.setdefault(f"{CONFIG_PREFIX}_OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault(f"{CONFIG_PREFIX}_OPENAPI_SWAGGER_UI_PATH", "/docs")
    app.config.setdefault(f"{CONFIG_PREFIX}_OPENAPI_SWAGGER_UI_URL", SWAGGER_STATIC)
    api = HromadaApi(
        app,
        config_prefix=CONFIG_PREFIX,
        spec_kwargs={
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "The device token from POST /devices.",
                    }
                }
            }
        },
    )
    api.register_blueprint(blp)
    if "swagger_assets" not in app.blueprints:
        app.register_blueprint(_swagger_assets())
    app.register_blueprint(_media())
    from mobile_api.open311 import bp as open311_bp

    app.register_blueprint(open311_bp)
    return api
