"""Staff and managers: the /api/admin API and the web UI under /admin."""

from __future__ import annotations

from flask import Flask

from admin.api import blp
from admin.web import init_app as init_web
from backend.api import HromadaApi

CONFIG_PREFIX = "ADMIN"


def init_app(app: Flask) -> HromadaApi:
    """Register the staff API and its OpenAPI document at /api/admin/openapi.json."""
    app.config.setdefault(f"{CONFIG_PREFIX}_API_TITLE", "Hromada staff API")
    app.config.setdefault(f"{CONFIG_PREFIX}_API_VERSION", "v1")
    app.config.setdefault(f"{CONFIG_PREFIX}_OPENAPI_VERSION", "3.0.3")
    app.config.setdefault(f"{CONFIG_PREFIX}_OPENAPI_URL_PREFIX", "/api/admin")
    app.config.setdefault(f"{CONFIG_PREFIX}_OPENAPI_SWAGGER_UI_PATH", "/docs")
    app.config.setdefault(f"{CONFIG_PREFIX}_OPENAPI_SWAGGER_UI_URL", "/api/static/swagger-ui/")
    api = HromadaApi(
        app,
        config_prefix=CONFIG_PREFIX,
        spec_kwargs={
            "components": {
                "securitySchemes": {
                    "staffAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "The token from POST /api/admin/tokens.",
                    },
                    "apiKey": {
                        "type": "apiKey",
                        "in": "header",
                        "name": "X-API-Key",
                        "description": "A machine client's key (`hromada create-api-key`), limited to its scopes.",
                    },
                }
            }
        },
    )
    api.register_blueprint(blp)
    init_web(app)
    return api
