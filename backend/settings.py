"""Settings from the environment (12-factor), read when the app is created."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from werkzeug.sansio.utils import host_is_trusted

from backend import basemap, site

DEFAULTS: dict[str, Any] = {
    # `production` (the default) or `development`: the one switch that relaxes PUBLIC_BASE_URL, the /metrics
    # token and secure cookies (see Settings.problems).
    "HROMADA_ENV": "production",
    # The application's role: reads and writes rows, owns nothing (web, worker, beat).
    "DATABASE_URL": "postgresql+psycopg://hromada_app@127.0.0.1:5432/hromada",
    # The owner of the tables, used only by `hromada db upgrade` (empty: DATABASE_URL).
    "DATABASE_OWNER_URL": "",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    # No default: at least 32 bytes, or nothing starts (`make run` writes one into .env).
    "SECRET_KEY": "",
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
    # How many reverse proxies in front of gunicorn append to X-Forwarded-For (and set X-Forwarded-Proto): the
    # client's address is taken that many hops back. 0 (no proxy): the headers are ignored, the connecting
    # address is the client's. Set it to exactly the proxies there are: one too many lets a caller pick its
    # address by sending the header itself.
    "PROXY_FIX_X_FOR": "0",
    # Per device, and per client address, on report submission.
    "RATE_LIMIT_REPORTS_PER_DEVICE": "20/minute;200/day",
    "RATE_LIMIT_REPORTS_PER_IP": "120/minute;2000/day",
    # Per client address on device registration.
    "RATE_LIMIT_DEVICE_REGISTRATION": "30/hour;200/day",
    # Staff sign-in (POST /api/admin/tokens and /admin/login share the counters): per client address, and across
    # all callers together.
    "RATE_LIMIT_SIGN_IN_PER_IP": "20/minute;200/hour",
    "RATE_LIMIT_SIGN_IN_GLOBAL": "100/minute;2000/hour",
    # Password checks (argon2, 64 MiB each) running at once per process; an excess sign-in is refused at once.
    "SIGN_IN_CONCURRENT_CHECKS": "2",
    # Failed sign-ins a client address may have for one e-mail before it waits (1 min, doubling up to 1 h).
    "SIGN_IN_FREE_FAILURES": "5",
    # Wrong second-factor codes one account may have (signing in, or on its second-factor settings) before it
    # waits (15 min, doubling up to 1 h), from whatever addresses; a correct code starts again.
    "SECOND_FACTOR_FREE_FAILURES": "10",
    # Staff password reset: requests per client address, and per e-mail address asked about.
    "RATE_LIMIT_PASSWORD_RESET": "5/15minutes;30/day",
    "RATE_LIMIT_PASSWORD_RESET_PER_EMAIL": "3/hour",
    # Open311 POST requests.<fmt>: per API key (a city system files for many residents), and per client address.
    "RATE_LIMIT_OPEN311_POST_PER_KEY": "60/minute;5000/day",
    "RATE_LIMIT_OPEN311_POST_PER_IP": "60/minute;5000/day",
    # Minutes a password reset link works (it also acts only once).
    "PASSWORD_RESET_MINUTES": "60",
    # Months after a report closed before its reporter's contact data is unlinked (per jurisdiction
    # `settings.retention_months` overrides).
    "RETENTION_MONTHS": "24",
    "RETENTION_INTERVAL": "3600",
    # Base of absolute links and media URLs (e.g. https://hromada.example.org); required in production unless
    # TRUSTED_HOSTS is set. Empty: the request's (checked) host, or outside a request https://<first trusted host>
    # (development: http://localhost:PORT).
    "PUBLIC_BASE_URL": "",
    # Host names the app answers for, comma-separated (".example.org" takes every subdomain); a request naming
    # another Host gets a 400. Empty: any Host (links then come from PUBLIC_BASE_URL only).
    "TRUSTED_HOSTS": "",
    # Hours a staff member's admin API token stays valid.
    "STAFF_TOKEN_HOURS": "12",
    # Push through FCM: a service-account JSON file (empty: no push, the in-app inbox only), and the FCM
    # endpoint as a template with {0} for the project id (empty: Google's; set for staging or tests).
    "FCM_CREDENTIALS_FILE": "",
    "FCM_URL": "",
    "FCM_TIMEOUT": "10",
    # Calls to URLs that someone else chose (backend/outbound.py): seconds to connect, between two reads, and for
    # the whole call; the longest body read; host or host:port names (as written in the URL) exempt from the
    # public-address rule, comma-separated: for tests or a known system on the city's own network, never a
    # host whose name anyone else controls.
    "OUTBOUND_CONNECT_TIMEOUT": "5",
    "OUTBOUND_READ_TIMEOUT": "10",
    "OUTBOUND_TOTAL_TIMEOUT": "30",
    "OUTBOUND_MAX_BYTES": "1000000",
    "OUTBOUND_ALLOW_HOSTS": "",
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
    # The link to a report in e-mails: its public page on this site ({base}: PUBLIC_BASE_URL, else the site's
    # host); another site's page instead, e.g. https://city.example/zgloszenia/{public_id}; empty: no link.
    "REPORT_LINK_TEMPLATE": site.DEFAULT_REPORT_LINK,
    # The resident website with several municipalities: host=municipality code items, comma-separated (e.g.
    # drohobych.example.org=4610300000); other hosts start at the municipality in the path (/m/<slug>/).
    "SITE_HOSTS": "",
    # Days an e-mail's signed links work (backend/links.py). "Is it fixed?" asks about one resolution: a month
    # later the answer no longer describes it. Unsubscribing must keep working from any e-mail a resident still
    # keeps (and from mail clients' one-click button on old messages): a year.
    "LINK_FEEDBACK_DAYS": "30",
    "LINK_UNSUBSCRIBE_DAYS": "365",
    # When set, GET /metrics needs "Authorization: Bearer <this>"; unset, /metrics is open in development and
    # answers 404 in production.
    "METRICS_TOKEN": "",
    # The staff UI's session cookie is sent only over HTTPS (browsers also accept it on http://localhost); false
    # is allowed only in development.
    "WEB_COOKIE_SECURE": "true",
    # Quality indicators: months of history the nightly full recompute covers, seconds between two incremental
    # refreshes of the months whose reports or responses changed, and the hour (UTC) of the nightly run.
    "INDICATOR_HISTORY_MONTHS": "24",
    "INDICATOR_REFRESH_INTERVAL": "60",
    "INDICATOR_NIGHTLY_HOUR": "2",
    # Every map's base layer (backend/basemap.py; README, Maps): a tile URL template, the attribution the tile
    # source requires (HTML) and the deepest zoom it serves. OpenStreetMap's tiles: development and light use only.
    "MAP_TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "MAP_TILE_ATTRIBUTION": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    "MAP_MAX_ZOOM": "19",
    # Seconds a public map data tile (/api/v1/map/tiles/…) is reused before it is asked for again with its ETag.
    "MAP_DATA_TILE_MAX_AGE": "30",
}


@dataclass(frozen=True)
class Settings:
    """Typed view of the configuration; `from_env` is the one place that reads os.environ."""

    HROMADA_ENV: str
    DATABASE_URL: str
    DATABASE_OWNER_URL: str
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
    PROXY_FIX_X_FOR: int
    RATE_LIMIT_REPORTS_PER_DEVICE: str
    RATE_LIMIT_REPORTS_PER_IP: str
    RATE_LIMIT_DEVICE_REGISTRATION: str
    RATE_LIMIT_SIGN_IN_PER_IP: str
    RATE_LIMIT_SIGN_IN_GLOBAL: str
    SIGN_IN_CONCURRENT_CHECKS: int
    SIGN_IN_FREE_FAILURES: int
    SECOND_FACTOR_FREE_FAILURES: int
    RATE_LIMIT_PASSWORD_RESET: str
    RATE_LIMIT_PASSWORD_RESET_PER_EMAIL: str
    RATE_LIMIT_OPEN311_POST_PER_KEY: str
    RATE_LIMIT_OPEN311_POST_PER_IP: str
    PASSWORD_RESET_MINUTES: int
    RETENTION_MONTHS: int
    RETENTION_INTERVAL: float
    INDICATOR_HISTORY_MONTHS: int
    INDICATOR_REFRESH_INTERVAL: float
    INDICATOR_NIGHTLY_HOUR: int
    PUBLIC_BASE_URL: str
    TRUSTED_HOSTS: tuple[str, ...]
    STAFF_TOKEN_HOURS: int
    FCM_CREDENTIALS_FILE: str
    FCM_URL: str
    FCM_TIMEOUT: float
    OUTBOUND_CONNECT_TIMEOUT: float
    OUTBOUND_READ_TIMEOUT: float
    OUTBOUND_TOTAL_TIMEOUT: float
    OUTBOUND_MAX_BYTES: int
    OUTBOUND_ALLOW_HOSTS: tuple[str, ...]
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
    SITE_HOSTS: tuple[str, ...]
    LINK_FEEDBACK_DAYS: int
    LINK_UNSUBSCRIBE_DAYS: int
    METRICS_TOKEN: str
    WEB_COOKIE_SECURE: bool
    MAP_TILE_URL: str
    MAP_TILE_ATTRIBUTION: str
    MAP_MAX_ZOOM: int
    MAP_DATA_TILE_MAX_AGE: int
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

    # -- what HROMADA_ENV decides: the one place that reads it ------------------------------------------------

    @property
    def development(self) -> bool:
        """True only for HROMADA_ENV=development (a checkout on plain HTTP); anything else is production."""
        return self.HROMADA_ENV == "development"

    @property
    def owner_database_url(self) -> str:
        """The URL that may change the schema (`hromada db upgrade`); DATABASE_URL when no owner is given."""
        return self.DATABASE_OWNER_URL or self.DATABASE_URL

    @property
    def cookie_secure(self) -> bool:
        """Whether the staff UI's session cookie is sent only over HTTPS: always, except when development says."""
        return self.WEB_COOKIE_SECURE or not self.development

    @property
    def metrics_access(self) -> str:
        """How GET /metrics answers: "token" (METRICS_TOKEN set: only with it), "open" (development without a
        token), "closed" (production without a token: 404)."""
        if self.METRICS_TOKEN:
            return "token"
        return "open" if self.development else "closed"

    def public_base(self, request_host_url: str | None = None) -> str:
        """The base of absolute links (e-mails, media, discovery), without a trailing slash.

        PUBLIC_BASE_URL when set. Without it a request's host is used only where it cannot be forged: when
        TRUSTED_HOSTS refused every other Host before the request reached a view (then as https://<its name>: the
        port and scheme a client chose are not the site's), or in development; outside a request https://<the first
        trusted host> (development: http://localhost:PORT)."""
        if self.PUBLIC_BASE_URL:
            return self.PUBLIC_BASE_URL.rstrip("/")
        if not self.development and not self.TRUSTED_HOSTS:
            raise ConfigurationError("PUBLIC_BASE_URL or TRUSTED_HOSTS is required when HROMADA_ENV is production")
        if request_host_url and self.development:
            return request_host_url.rstrip("/")
        if request_host_url and (name := urlsplit(request_host_url).hostname):
            return f"https://{name}"
        if self.development:
            return f"http://localhost:{self.PORT}"
        return f"https://{self.TRUSTED_HOSTS[0]}"

    def report_link(self, public_id: str, request_host_url: str | None = None) -> str | None:
        """The URL of a report's page for e-mails and pages (REPORT_LINK_TEMPLATE); None without one."""
        return site.report_link(self.REPORT_LINK_TEMPLATE, lambda: self.public_base(request_host_url), public_id)

    def problems(self) -> list[str]:
        """Why these settings must not run a process (empty: they may), in words an operator can act on."""
        found = []
        if self.HROMADA_ENV not in ENVIRONMENTS:
            found.append(f"HROMADA_ENV must be one of {', '.join(ENVIRONMENTS)} (it is {self.HROMADA_ENV!r})")
        if len(self.SECRET_KEY.encode()) < MIN_SECRET_BYTES:
            found.append(
                f"SECRET_KEY must be set to at least {MIN_SECRET_BYTES} random bytes (e.g. the output of "
                "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`); `make run` writes one into .env"
            )
        elif _guessable_secret(self.SECRET_KEY):
            found.append(
                f"SECRET_KEY looks like a placeholder or repeats itself (it needs at least {MIN_SECRET_CHARACTERS} "
                "different characters and no words such as 'change-me' or 'secret'): use random bytes, e.g. the "
                "output of `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        if self.PUBLIC_BASE_URL and not _absolute_http(self.PUBLIC_BASE_URL):
            found.append(f"PUBLIC_BASE_URL must be an absolute http(s) URL (it is {self.PUBLIC_BASE_URL!r})")
        if self.PROXY_FIX_X_FOR < 0:
            found.append(
                f"PROXY_FIX_X_FOR must be the number of reverse proxies in front (0 without one; it is "
                f"{self.PROXY_FIX_X_FOR})"
            )
        found.extend(self._host_problems())
        found.extend(basemap.problems(self.MAP_TILE_URL, self.MAP_MAX_ZOOM, self.MAP_DATA_TILE_MAX_AGE))
        found.extend(site.problems(self.SITE_HOSTS, self.REPORT_LINK_TEMPLATE, self.TRUSTED_HOSTS))
        if not self.development:
            if not self.PUBLIC_BASE_URL and not self.TRUSTED_HOSTS:
                found.append(
                    "PUBLIC_BASE_URL is required in production (e.g. https://hromada.example.org), or TRUSTED_HOSTS "
                    "(the host names the site answers for): links in e-mails and media URLs must not be taken from "
                    "a forged Host header; or set HROMADA_ENV=development"
                )
            if not self.WEB_COOKIE_SECURE:
                found.append("WEB_COOKIE_SECURE=false is allowed only with HROMADA_ENV=development")
        return found

    def _host_problems(self) -> list[str]:
        found = [
            f"TRUSTED_HOSTS must list host names such as hromada.example.org or .example.org (not {h!r})"
            for h in self.TRUSTED_HOSTS
            if not _HOST_NAME.fullmatch(h)
        ]
        if found or not self.TRUSTED_HOSTS:
            return found
        if self.PUBLIC_BASE_URL:
            host = urlsplit(self.PUBLIC_BASE_URL).hostname or ""
            if not host_is_trusted(host, self.TRUSTED_HOSTS):  # the check Flask makes of each request's Host
                found.append(f"TRUSTED_HOSTS must include PUBLIC_BASE_URL's host {host!r}, or every visit gets a 400")
        elif self.TRUSTED_HOSTS[0].startswith("."):
            found.append(
                "without PUBLIC_BASE_URL the first of TRUSTED_HOSTS must be a full host name (links in e-mails "
                f"are made with it), not {self.TRUSTED_HOSTS[0]!r}"
            )
        return found

    def check(self) -> Settings:
        """These settings, or ConfigurationError naming every problem (web, worker, beat and CLI call it)."""
        found = self.problems()
        if found:
            raise ConfigurationError("Hromada cannot start:\n  - " + "\n  - ".join(found))
        return self


ENVIRONMENTS = ("production", "development")
MIN_SECRET_BYTES = 32
MIN_SECRET_CHARACTERS = 16
#: Words of placeholder keys from examples and templates; a random key practically never contains one.
PLACEHOLDER_SECRET_WORDS = ("change", "replace", "placeholder", "example", "secret", "dev-only", "insecure", "password")


def _guessable_secret(key: str) -> bool:
    """A key long enough but not random: too few different characters, or a placeholder's words."""
    lowered = key.lower()
    return len(set(key)) < MIN_SECRET_CHARACTERS or any(word in lowered for word in PLACEHOLDER_SECRET_WORDS)


class ConfigurationError(RuntimeError):
    """The settings cannot run a process; the message says what to set."""


#: A host name, or a dot and a domain (every subdomain); the port is not part of it.
_HOST_NAME = re.compile(r"\.?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*")


def _absolute_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
