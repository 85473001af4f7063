"""Staff passwords on the API: changing one's own, and a forgotten one reset through an e-mailed link."""

from __future__ import annotations

from typing import Any

from flask import Response, g
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from admin.api.auth import BEARER, allow, current_staff
from admin.api.blueprint import blp
from backend import staff as staff_service
from backend.api import error_response
from backend.errors import DomainError
from backend.ratelimit import PASSWORD_RESET_LIMITS, client_ip

PASSWORD = validate.Length(min=1, max=4096)


class PasswordChangeIn(Schema):
    current_password = fields.String(required=True, validate=PASSWORD, load_only=True)
    new_password = fields.String(
        required=True,
        validate=PASSWORD,
        load_only=True,
        metadata={
            "description": "At least 12 characters, not a common password, and not easy to guess (zxcvbn score 3 "
            "or more, counting the e-mail, the name and the municipality's names as known)."
        },
    )


class ResetRequestIn(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))


class ResetConfirmIn(Schema):
    token = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "The e-mailed link's `token` (/admin/password-reset/new?token=...)."},
    )
    new_password = fields.String(required=True, validate=PASSWORD, load_only=True)


def refused_for_now(exc: DomainError) -> Response:
    """Too many failed attempts from this address (or every password check busy): 429 with Retry-After."""
    return error_response(429, exc.message, headers={"Retry-After": str(getattr(exc, "retry_after", 60))})


@blp.route("/me/password")
class MyPassword(MethodView):
    @allow("me.password")
    @blp.arguments(PasswordChangeIn)
    @blp.response(204)
    @blp.alt_response(422, description="Wrong current password, or a new password the rule refuses (why, in words)")
    @blp.alt_response(429, description="Too many wrong passwords from this address (Retry-After)")
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any]) -> Response | None:
        """Change my password: every other session of mine ends, the token in use stays valid."""
        me = current_staff()
        try:
            staff_service.change_password(
                me.id, g.staff_token.id, data["current_password"], data["new_password"], client_ip()
            )
        except DomainError as exc:
            if exc.status == 429:
                return refused_for_now(exc)
            raise
        return None


@blp.route("/password-reset")
class PasswordReset(MethodView):
    decorators = list(PASSWORD_RESET_LIMITS)  # shared with the web form's POST /admin/password-reset

    @allow("password_reset.request")
    @blp.arguments(ResetRequestIn)
    @blp.response(202)
    @blp.alt_response(429, description="Too many requests from this address or for this e-mail (Retry-After)")
    def post(self, data: dict[str, Any]) -> Response | None:
        """Forgotten password: e-mail a link for setting a new one (valid one hour, works once). The answer is the
        same whether or not the e-mail belongs to a staff account; only an active account gets an e-mail."""
        staff_service.request_reset(data["email"])
        return None


@blp.route("/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    @allow("password_reset.confirm")
    @blp.arguments(ResetConfirmIn)
    @blp.response(204)
    @blp.alt_response(404, description="Not a valid link")
    @blp.alt_response(409, description="The link has been used, or the password changed since it was sent")
    @blp.alt_response(410, description="The link has expired")
    @blp.alt_response(422, description="A new password the rule refuses (why, in words); the link stays usable")
    def post(self, data: dict[str, Any]) -> Response | None:
        """Set a new password with the e-mailed link's token: every session of the person ends."""
        staff_service.reset_password(data["token"], data["new_password"], client_ip())
        return None
