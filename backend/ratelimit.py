"""Rate limits (Flask-Limiter on Redis), failing open to memory when Redis is unreachable."""

from __future__ import annotations

import ipaddress

from flask import Flask, current_app, g, request
from flask_limiter import Limiter

from backend.settings import Settings


def client_ip() -> str:
    """The client's address as the limits and the sign-in throttle count it: an IPv4 address, or an IPv6
    address's /64 network (one subscriber usually holds a whole /64). Behind a reverse proxy, PROXY_FIX_X_FOR
    makes remote_addr the client's address (`backend.app`)."""
    address = request.remote_addr or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def device_or_ip() -> str:
    """The authenticated device when there is one, else the client's address."""
    device = g.get("device")
    return f"device:{device.id}" if device is not None else f"ip:{client_ip()}"


limiter = Limiter(key_func=client_ip)


def init_limiter(app: Flask, settings: Settings) -> None:
    app.config.setdefault("RATELIMIT_ENABLED", settings.RATELIMIT_ENABLED)
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.REDIS_URL)
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 0.5, "socket_timeout": 0.5})
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "hromada-rl")
    limiter.init_app(app)


def limit_setting(name: str) -> str:
    """A limit string from the settings, read per request (e.g. '20/minute;300/day')."""
    value: str = getattr(current_app.config["HROMADA_SETTINGS"], name)
    return value


def everyone() -> str:
    """One key for all callers together (a limit on the whole service, not on one client)."""
    return "everyone"


#: Staff sign-in: per client address and across all callers. The admin API's POST /api/admin/tokens and the
#: web form's POST /admin/login carry both, sharing the counters (a `shared_limit` counts per scope).
SIGN_IN_LIMITS = (
    limiter.shared_limit(
        lambda: limit_setting("RATE_LIMIT_SIGN_IN_PER_IP"), scope="sign-in-ip", key_func=client_ip, methods=["POST"]
    ),
    limiter.shared_limit(
        lambda: limit_setting("RATE_LIMIT_SIGN_IN_GLOBAL"), scope="sign-in-global", key_func=everyone, methods=["POST"]
    ),
)


def keep_own_retry_after() -> None:
    """This response refuses for a reason of its own (not one of the limits above) and gives its own Retry-After:
    the limiter adds none of its headers to it (it would raise Retry-After to its own window's end)."""
    limiter.context.view_rate_limit = None


def reset_email() -> str:
    """The e-mail a password reset is asked for (the per-e-mail limit's key), from the JSON body or the form."""
    body = request.get_json(silent=True) if request.is_json else None
    email = body.get("email") if isinstance(body, dict) else request.form.get("email")
    return "reset-email:" + (email if isinstance(email, str) else "").strip().lower()[:254]


#: Asking for a password reset link: per client address and per e-mail. The admin API's
#: POST /api/admin/password-reset and the web form's POST /admin/password-reset share both counters.
PASSWORD_RESET_LIMITS = (
    limiter.shared_limit(
        lambda: limit_setting("RATE_LIMIT_PASSWORD_RESET"), scope="pw-reset-ip", key_func=client_ip, methods=["POST"]
    ),
    limiter.shared_limit(
        lambda: limit_setting("RATE_LIMIT_PASSWORD_RESET_PER_EMAIL"),
        scope="pw-reset-email",
        key_func=reset_email,
        methods=["POST"],
    ),
)
