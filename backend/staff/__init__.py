"""Staff: accounts and API keys, signing in (tokens, keys, lock-out), and the administration screens' use
cases (people, departments, services, keys)."""

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
from backend.staff.policy import KEY_ROLE, KEY_SCOPES, POLICY, allowed
from backend.staff.sign_in import (
    InvalidCredentials,
    LockedOut,
    acting_for_key,
    authenticate,
    authenticate_key,
    login,
    logout,
)

__all__ = [
    "KEY_ROLE",
    "KEY_SCOPES",
    "POLICY",
    "allowed",
    "InvalidCredentials",
    "LockedOut",
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
