"""Staff: accounts and API keys, signing in (tokens, keys, throttling), and the administration screens' use
cases (people, departments, services, keys)."""

from backend.staff import notices  # noqa: F401 - registers the credential change notices
from backend.staff.accounts import create_api_key, create_staff, set_locale
from backend.staff.administration import (
    add_department,
    add_key,
    add_staff,
    revoke_key,
    set_staff_active,
    update_service,
)
from backend.staff.administration import overview as administration_overview
from backend.staff.credentials import (
    ResetPage,
    WrongPassword,
    change_password,
    request_reset,
    reset_page,
    reset_password,
)
from backend.staff.factor_settings import FactorState
from backend.staff.factor_settings import confirm as confirm_second_factor
from backend.staff.factor_settings import pending as pending_second_factor
from backend.staff.factor_settings import regenerate as renew_recovery_codes
from backend.staff.factor_settings import reset as reset_second_factor
from backend.staff.factor_settings import reset_by_email as reset_second_factor_by_email
from backend.staff.factor_settings import start as start_second_factor
from backend.staff.factor_settings import state as second_factor_state
from backend.staff.factor_settings import turn_off as turn_second_factor_off
from backend.staff.passwords import WeakPassword
from backend.staff.passwords import check as check_password
from backend.staff.policy import KEY_ROLE, KEY_SCOPES, POLICY, allowed, key_allows, scope_label, sees
from backend.staff.second_factor import Enrolment, EnrolmentRequired, FactorRequired, WrongCode, seal, unseal
from backend.staff.second_factor import ticket_state as second_step_state
from backend.staff.sign_in import (
    InvalidCredentials,
    acting_for_key,
    authenticate,
    authenticate_key,
    login,
    login_second_step,
    logout,
)
from backend.staff.throttle import Busy, LockedOut, TooManyWrongCodes, record_failed_sign_in

__all__ = [
    "Busy",
    "record_failed_sign_in",
    "ResetPage",
    "WeakPassword",
    "WrongPassword",
    "change_password",
    "check_password",
    "request_reset",
    "reset_page",
    "reset_password",
    "Enrolment",
    "EnrolmentRequired",
    "FactorRequired",
    "FactorState",
    "WrongCode",
    "confirm_second_factor",
    "login_second_step",
    "pending_second_factor",
    "renew_recovery_codes",
    "reset_second_factor",
    "seal",
    "unseal",
    "reset_second_factor_by_email",
    "second_factor_state",
    "second_step_state",
    "start_second_factor",
    "turn_second_factor_off",
    "KEY_ROLE",
    "KEY_SCOPES",
    "POLICY",
    "allowed",
    "key_allows",
    "scope_label",
    "sees",
    "InvalidCredentials",
    "LockedOut",
    "TooManyWrongCodes",
    "acting_for_key",
    "add_department",
    "add_key",
    "add_staff",
    "administration_overview",
    "authenticate",
    "authenticate_key",
    "create_api_key",
    "create_staff",
    "login",
    "logout",
    "revoke_key",
    "set_locale",
    "set_staff_active",
    "update_service",
]
