"""Liveness and readiness probes for load balancers and orchestrators; which notification channels are configured
(said by /readyz and in one warning when the app starts)."""

from __future__ import annotations

import logging
from typing import cast

from flask import Blueprint, Flask, current_app, jsonify
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from backend.db import database
from push.delivery import enabled

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

#: The notification channels besides the in-app inbox: the setting each needs, and what is lost without it.
CHANNEL_SETTINGS = {"push": "FCM_CREDENTIALS_FILE", "email": "MAIL_SERVER"}
_WITHOUT = {
    "push": "app users get notifications only in the app's inbox",
    "email": "reporters without the app get no updates by e-mail and staff no password-reset e-mails",
}


def channels() -> dict[str, str]:
    """Per channel "configured" or "not configured" (then nothing is sent through it)."""
    return {c: "configured" if enabled(c) else "not configured" for c in CHANNEL_SETTINGS}


@bp.record_once
def _warn_unconfigured_channels(state: BlueprintSetupState) -> None:
    """One warning when the app starts without a channel (so that a deployment notices before residents do)."""
    with cast(Flask, state.app).app_context():
        missing = [c for c, s in channels().items() if s != "configured"]
    if missing:
        log.warning(
            "notifications not configured: %s",
            "; ".join(f"{c} ({CHANNEL_SETTINGS[c]} is empty): {_WITHOUT[c]}" for c in missing),
        )


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
    """200 while the database answers; a broker outage is reported, not fatal; so is a notification channel that is
    not configured (the app serves, its notifications reach only the in-app inbox)."""
    db, broker = _check_database(), _check_broker()
    checks = {"database": db, "broker": broker}
    if db != "ok":
        body = {"status": "unavailable", "checks": checks, "channels": channels(), "message": "database unreachable"}
        return jsonify(body), 503, {"Retry-After": "5"}
    return jsonify(status="degraded" if broker != "ok" else "ok", checks=checks, channels=channels()), 200
