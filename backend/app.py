"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from flask import Flask, redirect, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response

from admin import init_app as init_admin
from backend import headers, input_guard, metrics, outbox, tasks  # noqa: F401 - registers the tasks
from backend.api import error_response, register_domain_errors
from backend.celery_app import celery_init_app
from backend.db import Database
from backend.health import bp as health_bp
from backend.ratelimit import init_limiter
from backend.settings import Settings
from mobile_api import init_app as init_mobile
from push import email as push_email

log = logging.getLogger(__name__)


class IsoJSONProvider(DefaultJSONProvider):
    """JSON with every date-time in ISO 8601 with its offset (a naive one is UTC) and dates as YYYY-MM-DD, also
    where a view hands over a datetime unformatted (Flask's default would write RFC 1123)."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, datetime):
            return (o if o.tzinfo is not None else o.replace(tzinfo=UTC)).isoformat()
        if isinstance(o, date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the app; `config` is Settings, or overrides applied on top of the environment."""
    settings = config if isinstance(config, Settings) else Settings.from_env(**dict(config or {}))
    settings.check()  # no SECRET_KEY, or production without its safeguards: nothing starts
    app = Flask("hromada")
    app.json = IsoJSONProvider(app)
    app.config.update(
        SECRET_KEY=settings.SECRET_KEY,
        HROMADA_SETTINGS=settings,
        MAX_CONTENT_LENGTH=60 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        TRUSTED_HOSTS=list(settings.TRUSTED_HOSTS) or None,  # set: a request for another Host gets a 400
        **settings.extra,
    )
    if settings.PROXY_FIX_X_FOR > 0:
        # Behind that many reverse proxies: the client's address and scheme come from their X-Forwarded-For and
        # X-Forwarded-Proto (the rightmost entries, which the proxies wrote); the Host header is never trusted.
        n = settings.PROXY_FIX_X_FOR
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0, x_port=0, x_prefix=0)  # type: ignore[method-assign]
    input_guard.init_app(app)  # before any route: bounds `<int:…>`, checks each request before the others
    app.before_request(_relative_redirect)
    Database(settings).init_app(app)
    app.extensions["hromada.redis"] = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5
    )
    celery_init_app(app, settings)
    outbox.load_handler_modules(settings.OUTBOX_HANDLER_MODULES)
    push_email.init_app(app)

    app.register_blueprint(health_bp)
    headers.init_app(app)
    metrics.init_app(app)
    init_limiter(app, settings)
    init_mobile(app)
    init_admin(app)
    register_domain_errors(app)
    _register_error_handlers(app)
    return app


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(exc: Exception) -> ResponseReturnValue:
        if isinstance(exc, DBAPIError) and not exc.connection_invalidated and not _is_connection_error(exc):
            return _internal_error(exc)
        log.warning("database unavailable: %s", exc)
        return error_response(503, "The database is unavailable; try again shortly.", headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        if isinstance(exc, HTTPException):
            return exc
        return _internal_error(exc)


def _is_connection_error(exc: DBAPIError) -> bool:
    text = str(exc.orig or exc).lower()
    return any(
        s in text
        for s in (
            "connection",
            "could not connect",
            "server closed",
            "terminating",
            "timeout expired",
            "the database system is",
        )
    )


def _internal_error(exc: Exception) -> ResponseReturnValue:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500)


def _relative_redirect() -> Response | None:
    """A path that routing corrects (e.g. /admin to /admin/) is redirected by path alone: the absolute URL werkzeug
    would build names the Host header, which a client chooses."""
    wanted = request.routing_exception
    if not isinstance(wanted, RequestRedirect):
        return None
    target = urlsplit(wanted.new_url)
    return redirect(urlunsplit(("", "", target.path, target.query, "")), wanted.code)
