"""Who calls the staff API: signing in and out (bearer tokens), and the caller."""

from __future__ import annotations

from typing import Any

from flask import Response, g
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from admin.api.auth import BEARER, allow, current_staff
from admin.api.blueprint import blp
from admin.api.second_factor import factor_response
from backend import staff as staff_service
from backend.api import error_response
from backend.fields import DateTime, Int
from backend.ratelimit import SIGN_IN_LIMITS, keep_own_retry_after


class LoginIn(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024), load_only=True)
    totp = fields.String(
        load_default=None,
        validate=validate.Length(max=64),
        load_only=True,
        metadata={
            "description": "The second factor: a 6-digit code from the authenticator app, or a one-time recovery "
            "code. Required for admins and for staff who turned the factor on."
        },
    )


class TokenOut(Schema):
    token = fields.String(metadata={"description": "Bearer token for the admin API; shown only once."})
    expires_at = DateTime()
    role = fields.String()
    recovery_codes = fields.List(
        fields.String(),
        metadata={"description": "Only when this sign-in confirmed a new second factor: one-time recovery codes."},
    )


class StaffOut(Schema):
    id = Int()
    email = fields.String()
    full_name = fields.String(allow_none=True)
    role = fields.String()
    locale = fields.String()
    jurisdiction = fields.Function(lambda u: u.jurisdiction.code)
    department = fields.Function(lambda u: u.department.code if u.department else None)


@blp.route("/tokens")
class Tokens(MethodView):
    decorators = list(SIGN_IN_LIMITS)

    @allow("tokens.create")
    @blp.arguments(LoginIn)
    @blp.response(201, TokenOut)
    @blp.alt_response(
        401,
        description="Wrong e-mail, password or code; or a right password without the second factor's code: "
        '`code` is `"totp_required"`, or `"totp_enrolment_required"` (an admin without a factor yet) with '
        "`secret`, `otpauth_uri` and `qr_svg` to add the account to an authenticator app; sign in again with "
        "`totp` to confirm it.",
    )
    @blp.alt_response(
        429,
        description="Too many sign-ins from this address or overall, too many failures from this address for this "
        "e-mail (answered alike whether or not the e-mail is staff's), or too many password checks at once; "
        "`Retry-After` gives the seconds to wait.",
    )
    def post(self, data: dict[str, Any]) -> Any:
        """Sign in: e-mail and password for an expiring bearer token."""
        codes: list[str] = []
        try:
            user, secret, token = staff_service.login(data["email"], data["password"], data.get("totp"), codes)
        except staff_service.LockedOut as exc:
            keep_own_retry_after()
            return error_response(429, exc.message, headers={"Retry-After": str(exc.retry_after)})
        except (staff_service.FactorRequired, staff_service.EnrolmentRequired) as exc:
            return factor_response(exc)
        out: dict[str, Any] = {"token": secret, "expires_at": token.expires_at, "role": user.role}
        if codes:
            out["recovery_codes"] = codes
        return out


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
