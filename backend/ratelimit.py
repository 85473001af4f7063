"""Rate limits (Flask-Limiter on Redis), failing open to memory when Redis is unreachable."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_limiter import Limiter

from backend.settings import Settings


def client_ip() -> str:
    """The client's address (behind a proxy, configure ProxyFix so remote_addr is the client)."""
    return request.remote_addr or "unknown"


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
