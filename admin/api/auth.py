"""Staff authentication (bearer tokens) and the policy check every admin view goes through."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request
from flask_smorest import abort

from admin.policy import guarded, key_allows
from backend import staff as staff_service
from backend.models import StaffUser

#: The OpenAPI security requirement of a staff bearer token.
BEARER: dict[str, list[str]] = {"staffAuth": []}


def identify() -> None:
    """Before each admin request: who is calling (a staff token, an API key in X-API-Key, or nobody)."""
    g.staff = g.staff_token = g.api_key = None
    key = request.headers.get("X-API-Key")
    if key:
        found_key = staff_service.authenticate_key(key.strip())
        if found_key is not None:
            g.api_key = found_key
        return
    scheme, _, secret = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        found = staff_service.authenticate(secret.strip())
        if found is not None:
            g.staff, g.staff_token = found
            g.language = found[0].locale


def allow(endpoint: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Check the caller (staff token or API key) against the policy entry of `endpoint` before the view runs."""
    return guarded(endpoint, functools.partial(_api_gate, endpoint))


def _api_gate(endpoint: str, roles: frozenset[str] | None) -> None:
    key = g.get("api_key")
    if key is not None and roles is not None:
        if not key_allows(key.scopes, endpoint):
            abort(403)
        g.staff = staff_service.acting_for_key(key)
    elif roles is not None:
        staff = g.get("staff")
        if staff is None:
            abort(
                401,
                message="Sign in: send 'Authorization: Bearer <token>' from POST /api/admin/tokens.",
                headers={"WWW-Authenticate": 'Bearer realm="hromada-admin"'},
            )
        if staff.role not in roles:
            abort(403)


def current_staff() -> StaffUser:
    staff: StaffUser = g.staff
    return staff
