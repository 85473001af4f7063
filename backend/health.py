"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from backend.db import database

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process is alive (no dependency is checked)."""
    return jsonify(status="ok")


def _check_database() -> str:
    try:
        with database().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    except Exception:
        return "down"


def _check_broker() -> str:
    try:
        current_app.extensions["hromada.redis"].ping()
        return "ok"
    except Exception:
        return "degraded"


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """200 while the database answers; a broker outage is reported, not fatal."""
    db, broker = _check_database(), _check_broker()
    checks = {"database": db, "broker": broker}
    if db != "ok":
        body = {"status": "unavailable", "checks": checks, "message": "database unreachable"}
        return jsonify(body), 503, {"Retry-After": "5"}
    return jsonify(status="degraded" if broker != "ok" else "ok", checks=checks), 200
