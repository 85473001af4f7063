"""The second factor on the staff API: one's own (turn on, confirm, new recovery codes, turn off) and an admin's
reset of a colleague's. Signing in with a code is `POST /api/admin/tokens` (`identity`)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from admin.api.auth import BEARER, allow, current_staff
from admin.api.blueprint import blp
from backend import staff as staff_service
from backend.fields import Int

#: The 429 of the endpoints that take a code.
WAIT = (
    "Too many wrong codes or passwords for this account (at sign-in or here), or too many wrong passwords from "
    "this address: `Retry-After` gives the seconds to wait."
)


class CodeIn(Schema):
    totp = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "A current 6-digit code from the authenticator app."},
    )


class ReauthenticateIn(CodeIn):
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1024),
        load_only=True,
        metadata={"description": "The current password (asked again before the factor is weakened)."},
    )


class FactorOut(Schema):
    on = fields.Boolean(metadata={"description": "Whether signing in asks for a code."})
    required = fields.Boolean(metadata={"description": "Admins must keep it on."})
    recovery_codes_left = Int()


class EnrolmentOut(Schema):
    secret = fields.String(metadata={"description": "The base32 secret, for typing into an authenticator app."})
    otpauth_uri = fields.String(metadata={"description": "The otpauth:// URI the QR code holds."})
    qr_svg = fields.String(metadata={"description": "The QR code: a data: URI of an SVG image."})


class RecoveryCodesOut(Schema):
    recovery_codes = fields.List(
        fields.String(), metadata={"description": "One-time codes for signing in without the phone; shown once."}
    )


def enrolment_body(enrolment: staff_service.Enrolment) -> dict[str, str]:
    return {"secret": enrolment.secret, "otpauth_uri": enrolment.otpauth_uri, "qr_svg": enrolment.qr_svg}


@blp.route("/me/second-factor")
class MySecondFactor(MethodView):
    @allow("me.second_factor")
    @blp.response(200, FactorOut)
    @blp.doc(security=[BEARER])
    def get(self) -> Any:
        """My second factor: on or off, required or not, recovery codes left."""
        return staff_service.second_factor_state(current_staff())

    @allow("me.second_factor_start")
    @blp.response(201, EnrolmentOut)
    @blp.alt_response(409, description="The second factor is already on")
    @blp.doc(security=[BEARER])
    def post(self) -> Any:
        """Start turning the second factor on: a new secret for an authenticator app (confirm it with a code)."""
        return enrolment_body(staff_service.start_second_factor(current_staff()))


@blp.route("/me/second-factor/confirm")
class ConfirmSecondFactor(MethodView):
    @allow("me.second_factor_confirm")
    @blp.arguments(CodeIn)
    @blp.response(200, RecoveryCodesOut)
    @blp.alt_response(409, description="Nothing to confirm, or already on")
    @blp.alt_response(429, description=WAIT)
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any]) -> Any:
        """Turn the second factor on with a first code; answers the one-time recovery codes (shown once)."""
        return {"recovery_codes": staff_service.confirm_second_factor(current_staff(), data["totp"])}


@blp.route("/me/second-factor/recovery-codes")
class RecoveryCodes(MethodView):
    @allow("me.recovery_codes")
    @blp.arguments(ReauthenticateIn)
    @blp.response(200, RecoveryCodesOut)
    @blp.alt_response(409, description="The second factor is off")
    @blp.alt_response(422, description="Wrong password or code (each counts against the account)")
    @blp.alt_response(429, description=WAIT)
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any]) -> Any:
        """New recovery codes after the current password and a current code; the old ones stop working."""
        return {"recovery_codes": staff_service.renew_recovery_codes(current_staff(), data["totp"], data["password"])}


@blp.route("/me/second-factor/off")
class SecondFactorOff(MethodView):
    @allow("me.second_factor_off")
    @blp.arguments(ReauthenticateIn)
    @blp.response(204)
    @blp.alt_response(409, description="Admins must keep it on, or it is off")
    @blp.alt_response(422, description="Wrong password or code (each counts against the account)")
    @blp.alt_response(429, description=WAIT)
    @blp.doc(security=[BEARER])
    def post(self, data: dict[str, Any]) -> Response | None:
        """Turn my second factor off after the current password and a current code (not for admins)."""
        staff_service.turn_second_factor_off(current_staff(), data["totp"], data["password"])
        return None


@blp.route("/staff/<int:staff_id>/second-factor/reset")
class ResetSecondFactor(MethodView):
    @allow("staff.second_factor_reset")
    @blp.response(204)
    @blp.alt_response(404, description="No such staff member in this municipality")
    @blp.doc(security=[BEARER])
    def post(self, staff_id: int) -> Response | None:
        """Reset a staff member's second factor (a lost phone); audited. Admins enrol again at the next sign-in."""
        staff_service.reset_second_factor(current_staff(), staff_id)
        return None


def factor_response(exc: staff_service.FactorRequired | staff_service.EnrolmentRequired) -> Response:
    """401 for a right password without the second factor: code `totp_required`, or `totp_enrolment_required`
    with what an authenticator app needs."""
    body: dict[str, Any] = {"code": exc.code, "status": "Unauthorized", "message": exc.message}
    if isinstance(exc, staff_service.EnrolmentRequired):
        body.update(enrolment_body(exc.enrolment))
    response = jsonify(body)
    response.status_code = 401
    return response
