"""Bearer-token authentication of app installs, and the request's language."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request
from flask_smorest import abort

from backend import residents
from backend.i18n import choose_language
from backend.models import Device

BEARER: dict[str, list[str]] = {"bearerAuth": []}


def identify() -> None:
    """Before each request: the device (if a valid token is sent) and the language."""
    g.device = None
    g.auth_error = None
    header = request.headers.get("Authorization")
    if header:
        scheme, _, token = header.partition(" ")
        device = residents.authenticate_device(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if device is None:
            g.auth_error = "Invalid or revoked token."
        g.device = device
    g.language = choose_language(g.device.locale if g.device is not None else None)


def current_device() -> Device:
    device: Device | None = g.get("device")
    if device is None:
        abort(
            401,
            message=g.get("auth_error") or "Send the device token as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": 'Bearer realm="hromada"'},
        )
    assert device is not None  # noqa: S101 - abort raised otherwise
    return device


def device_required(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The view needs a registered device (401 otherwise, before the body is validated)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        current_device()
        return fn(*args, **kwargs)

    return wrapper
