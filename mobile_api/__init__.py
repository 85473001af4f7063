"""Resident-facing HTTP: the /api/v1 API and (later) Open311 GeoReport v2 under /open311/v2."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, Flask, send_from_directory
from flask.typing import ResponseReturnValue

from backend.api import HromadaApi

# The routes join the blueprint in this order, which is the order of the OpenAPI document's paths (and of
# Swagger UI's list): devices and the catalogue first, then reports, as the app uses them. Keep it.
# isort: off
from mobile_api import me, catalogue, lookup, reports, map_tiles, announcements, surveys, feedback_pages, open_data

# isort: on
from mobile_api.blueprint import blp
from mobile_api.media import media_blueprint
from mobile_api.open311 import bp as open311_bp
from mobile_api.site import init_app as init_site

CONFIG_PREFIX = "MOBILE"
SWAGGER_STATIC = "/api/static/swagger-ui/"

#: The feature modules whose routes attach to `blp` when they are imported.
FEATURES = (me, catalogue, lookup, reports, map_tiles, announcements, surveys, feedback_pages, open_data)


def _swagger_assets() -> Blueprint:
    """Swagger UI's files from the swagger-ui-bundle package (never from a CDN)."""
    bp = Blueprint("swagger_assets", __name__)
    root = Path(swagger_ui_bundle.swagger_ui_path)

    @bp.get(f"{SWAGGER_STATIC}<path:filename>")
    def asset(filename: str) -> ResponseReturnValue:
        return send_from_directory(root, filename, max_age=86400)

    return bp


def init_app(app: Flask) -> HromadaApi:
    """Register the resident API, its OpenAPI document (/api/v1/openapi.json) and UI (/api/v1/docs)."""
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
    app.register_blueprint(media_blueprint())
    app.register_blueprint(open311_bp)
    init_site(app)
    return api
