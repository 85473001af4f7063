"""Staff authentication (bearer tokens) and the policy check every admin view goes through."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request
from flask_smorest import abort

from admin.policy import POLICY
from backend.models import StaffUser
from backend.services import staff_auth

BEARER = {"staffAuth": []}


def identify() -> None:
    """Before each admin request: who is calling (a valid staff token, or nobody)."""
    g.staff = g.staff_token = None
    scheme, _, secret = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        found = staff_auth.authenticate(secret.strip())
        if found is not None:
            g.staff, g.staff_token = found
            g.language = found[0].locale


def allow(endpoint: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Check the caller against the policy entry of `endpoint` before the view runs."""
    if endpoint not in POLICY:
        raise KeyError(f"no policy entry for {endpoint}")

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            roles = POLICY[endpoint]
            if roles is not None:
                staff = g.get("staff")
                if staff is None:
                    abort(401, message="Sign in: send 'Authorization: Bearer <token>' from POST /api/admin/tokens.",
                          headers={"WWW-Authenticate": 'Bearer realm="hromada-admin"'})
                if staff.role not in roles:
                    abort(403)
            return fn(*args, **kwargs)

        wrapper.policy_endpoint = endpoint  # type: ignore[attr-defined]
        return wrapper

    return decorate


def current_staff() -> StaffUser:
    staff: StaffUser = g.staff
    return staff
