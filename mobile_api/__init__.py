"""Resident-facing HTTP: the /api/v1 API and (later) Open311 GeoReport v2 under /open311/v2."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

CONFIG_PREFIX = "MOBILE"


def init_app(app: Flask) -> Api:
    """Register the resident API and its OpenAPI document at /api/v1/openapi.json."""
    app.config.setdefault(f"{CONFIG_PREFIX}_API_TITLE", "Hromada resident API")
    app.config.setdefault(f"{CONFIG_PREFIX}_API_VERSION", "v1")
    app.config.setdefault(f"{CONFIG_PREFIX}_OPENAPI_VERSION", "3.0.3")
    app.config.setdefault(f"{CONFIG_PREFIX}_OPENAPI_URL_PREFIX", "/api/v1")
    api = Api(app, config_prefix=CONFIG_PREFIX)
    return api
