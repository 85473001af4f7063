"""Who calls the staff API: signing in and out (bearer tokens), and the caller."""

from __future__ import annotations

from typing import Any

from flask import Response, g
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from admin.api.auth import BEARER, allow, current_staff
from admin.api.blueprint import blp
from backend import staff as staff_service
from backend.api import error_response


class LoginIn(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024), load_only=True)


class TokenOut(Schema):
    token = fields.String(metadata={"description": "Bearer token for the admin API; shown only once."})
    expires_at = fields.DateTime()
    role = fields.String()


class StaffOut(Schema):
    id = fields.Integer()
    email = fields.String()
    full_name = fields.String(allow_none=True)
    role = fields.String()
    locale = fields.String()
    jurisdiction = fields.Function(lambda u: u.jurisdiction.code)
    department = fields.Function(lambda u: u.department.code if u.department else None)


@blp.route("/tokens")
class Tokens(MethodView):
    @allow("tokens.create")
    @blp.arguments(LoginIn)
    @blp.response(201, TokenOut)
    @blp.alt_response(401, description="Wrong e-mail or password")
    @blp.alt_response(429, description="Locked after repeated failures (Retry-After)")
    def post(self, data: dict[str, Any]) -> Any:
        """Sign in: e-mail and password for an expiring bearer token."""
        try:
            user, secret, token = staff_service.login(data["email"], data["password"])
        except staff_service.LockedOut as exc:
            return error_response(429, exc.message, headers={"Retry-After": str(exc.retry_after)})
        return {"token": secret, "expires_at": token.expires_at, "role": user.role}


@blp.route("/tokens/current")
class CurrentToken(MethodView):
    @allow("tokens.delete")
    @blp.response(204)
    @blp.doc(security=[BEARER])
    def delete(self) -> Response | None:
        """Sign out: revoke the token in use."""
        staff_service.logout(current_staff(), g.staff_token.id)
        return None


@blp.route("/me")
class Me(MethodView):
    @allow("me.get")
    @blp.response(200, StaffOut)
    @blp.doc(security=[BEARER])
    def get(self) -> Any:
        """Who I am: role, jurisdiction, department."""
        return current_staff()
