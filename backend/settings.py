"""Settings from the environment (12-factor), read when the app is created."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": "postgresql+psycopg://hromada@127.0.0.1:5432/hromada",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "dev-only-not-secret",
    "MEDIA_ROOT": str(Path("var") / "media"),
    "PORT": "8000",
    # Seconds a Celery message may stay unacknowledged before Redis hands it to another worker.
    "CELERY_VISIBILITY_TIMEOUT": "600",
    # Publishing after commit must never block a request for long.
    "BROKER_PUBLISH_TIMEOUT": "1.0",
    "OUTBOX_SWEEP_INTERVAL": "15",
    "OUTBOX_MAX_ATTEMPTS": "12",
    "OUTBOX_HANDLER_MODULES": "",
    # Days a handled (`done`) outbox row is kept before the sweeper deletes it; pending and dead rows are kept.
    "OUTBOX_KEEP_DONE_DAYS": "14",
    "DB_POOL_SIZE": "10",
    "DB_CONNECT_TIMEOUT": "3",
    "DB_STATEMENT_TIMEOUT_MS": "30000",
    "RATELIMIT_ENABLED": "true",
    # Per device, and per client address, on report submission.
    "RATE_LIMIT_REPORTS_PER_DEVICE": "20/minute;200/day",
    "RATE_LIMIT_REPORTS_PER_IP": "120/minute;2000/day",
    # Per client address on device registration.
    "RATE_LIMIT_DEVICE_REGISTRATION": "30/hour;200/day",
    # Months after a report closed before its reporter's contact data is unlinked (per jurisdiction
    # `settings.retention_months` overrides).
    "RETENTION_MONTHS": "24",
    "RETENTION_INTERVAL": "3600",
    # Base of absolute media URLs (e.g. https://hromada.example.org); empty: the request's host.
    "PUBLIC_BASE_URL": "",
    # Hours a staff member's admin API token stays valid.
    "STAFF_TOKEN_HOURS": "12",
    # Push through FCM: a service-account JSON file (empty: no push, the in-app inbox only), and the FCM
    # endpoint as a template with {0} for the project id (empty: Google's; set for staging or tests).
    "FCM_CREDENTIALS_FILE": "",
    "FCM_URL": "",
    "FCM_TIMEOUT": "10",
    # Messages per send_each call (FCM allows at most 500) and per claimed batch of delivery rows.
    "PUSH_CHUNK": "500",
    # Seconds a claimed batch may stay unmarked before the sweeper gives it to another worker (longer than
    # a batch can take: the FCM timeout plus marking).
    "PUSH_LEASE_SECONDS": "120",
    "PUSH_MAX_ATTEMPTS": "12",
    # Longest wait between two attempts of one delivery, in seconds.
    "PUSH_BACKOFF_CAP": "3600",
    "PUSH_SWEEP_INTERVAL": "5",
    # Delivery tasks started in parallel for one large fan-out.
    "PUSH_PARALLEL": "4",
    # An operator alarm (e.g. FCM's third-party auth error) is logged at most once per this many seconds.
    "ALARM_PERIOD_SECONDS": "900",
    # E-mail through SMTP (empty server: no e-mail channel).
    "MAIL_SERVER": "",
    "MAIL_PORT": "25",
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_USE_TLS": "false",
    "MAIL_USE_SSL": "false",
    "MAIL_FROM": "Hromada <no-reply@hromada.invalid>",
    "MAIL_TIMEOUT": "10",
    # A link to a report in e-mails, e.g. https://city.example/reports/{public_id} (empty: no link).
    "REPORT_LINK_TEMPLATE": "",
    # When set, GET /metrics needs "Authorization: Bearer <this>".
    "METRICS_TOKEN": "",
    # The staff UI's session cookie is sent only over HTTPS (browsers also accept it on http://localhost).
    "WEB_COOKIE_SECURE": "true",
    # Quality indicators: months of history the nightly full recompute covers, seconds between two incremental
    # refreshes of the months whose reports or responses changed, and the hour (UTC) of the nightly run.
    "INDICATOR_HISTORY_MONTHS": "24",
    "INDICATOR_REFRESH_INTERVAL": "60",
    "INDICATOR_NIGHTLY_HOUR": "2",
}


@dataclass(frozen=True)
class Settings:
    """Typed view of the configuration; `from_env` is the one place that reads os.environ."""

    DATABASE_URL: str
    REDIS_URL: str
    SECRET_KEY: str
    MEDIA_ROOT: str
    PORT: int
    CELERY_VISIBILITY_TIMEOUT: int
    BROKER_PUBLISH_TIMEOUT: float
    OUTBOX_SWEEP_INTERVAL: float
    OUTBOX_MAX_ATTEMPTS: int
    OUTBOX_HANDLER_MODULES: tuple[str, ...]
    OUTBOX_KEEP_DONE_DAYS: int
    DB_POOL_SIZE: int
    DB_CONNECT_TIMEOUT: int
    DB_STATEMENT_TIMEOUT_MS: int
    RATELIMIT_ENABLED: bool
    RATE_LIMIT_REPORTS_PER_DEVICE: str
    RATE_LIMIT_REPORTS_PER_IP: str
    RATE_LIMIT_DEVICE_REGISTRATION: str
    RETENTION_MONTHS: int
    RETENTION_INTERVAL: float
    INDICATOR_HISTORY_MONTHS: int
    INDICATOR_REFRESH_INTERVAL: float
    INDICATOR_NIGHTLY_HOUR: int
    PUBLIC_BASE_URL: str
    STAFF_TOKEN_HOURS: int
    FCM_CREDENTIALS_FILE: str
    FCM_URL: str
    FCM_TIMEOUT: float
    PUSH_CHUNK: int
    PUSH_LEASE_SECONDS: float
    PUSH_MAX_ATTEMPTS: int
    PUSH_BACKOFF_CAP: float
    PUSH_SWEEP_INTERVAL: float
    PUSH_PARALLEL: int
    ALARM_PERIOD_SECONDS: float
    MAIL_SERVER: str
    MAIL_PORT: int
    MAIL_USERNAME: str
    MAIL_PASSWORD: str
    MAIL_USE_TLS: bool
    MAIL_USE_SSL: bool
    MAIL_FROM: str
    MAIL_TIMEOUT: float
    REPORT_LINK_TEMPLATE: str
    METRICS_TOKEN: str
    WEB_COOKIE_SECURE: bool
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from the environment, then apply explicit overrides."""
        env = os.environ if environ is None else environ
        raw = {**DEFAULTS, **{k: env[k] for k in DEFAULTS if k in env}, **overrides}
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            value = raw[f.name]
            if f.type == "int":
                value = int(value)
            elif f.type == "float":
                value = float(value)
            elif f.type == "bool" and isinstance(value, str):
                value = value.strip().lower() in ("1", "true", "yes", "on")
            elif f.type.startswith("tuple") and isinstance(value, str):
                value = tuple(v.strip() for v in value.split(",") if v.strip())
            values[f.name] = value
        extra = {k: v for k, v in overrides.items() if k not in DEFAULTS}
        return cls(**values, extra=extra)
