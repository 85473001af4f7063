"""No default SECRET_KEY, and HROMADA_ENV as the one switch that relaxes PUBLIC_BASE_URL, the /metrics token and
secure cookies: what refuses to start, and what each environment decides."""

from __future__ import annotations

import pytest

from backend.app import create_app
from backend.settings import ConfigurationError, Settings

KEY = "Hq3vN8zR1xT6wB0mK5cJ9pL2sY7fD4gA"  # 32 random-looking bytes
# Explicit: the suite's own environment is development (tests/conftest.py), create_app reads the environment.
PRODUCTION = {"SECRET_KEY": KEY, "PUBLIC_BASE_URL": "https://hromada.krakow.example", "HROMADA_ENV": "production"}
DEVELOPMENT = {"SECRET_KEY": KEY, "HROMADA_ENV": "development"}


def problems(**environ: str) -> str:
    return "\n".join(Settings.from_env(environ).problems())


def test_the_default_environment_is_production_and_there_is_no_default_secret_key() -> None:
    s = Settings.from_env({})
    assert s.HROMADA_ENV == "production" and not s.development
    assert s.SECRET_KEY == ""
    assert "SECRET_KEY must be set to at least 32" in problems()


@pytest.mark.parametrize("key", ["", "change-me", "dev-only-not-secret", "x" * 31, "ż" * 15])
def test_a_missing_or_short_secret_key_refuses_to_start_in_every_environment(key: str) -> None:
    for base in (PRODUCTION, DEVELOPMENT):
        with pytest.raises(ConfigurationError, match="SECRET_KEY must be set to at least 32 random bytes"):
            create_app({**base, "SECRET_KEY": key})


def test_the_web_app_starts_with_a_32_byte_key() -> None:
    assert Settings.from_env(PRODUCTION).problems() == []
    assert Settings.from_env(DEVELOPMENT).problems() == []
    assert Settings.from_env({**PRODUCTION, "SECRET_KEY": "ąćęłńóśźżĄĆĘŁŃÓŚ"}).problems() == []  # 32 bytes in UTF-8


@pytest.mark.parametrize(
    "key",
    [
        "x" * 32,
        "ż" * 16,
        "abcabcabcabcabcabcabcabcabcabcabc",
        "change-me-change-me-change-me-change-me",
        "dev-only-not-secret-0123456789abcdefghij",
        "please-replace-with-a-long-random-value-1234",
        "my-super-secret-key-for-hromada-2026",
    ],
)
def test_a_long_but_guessable_secret_key_refuses_to_start(key: str) -> None:
    for base in (PRODUCTION, DEVELOPMENT):
        with pytest.raises(ConfigurationError, match="SECRET_KEY looks like a placeholder or repeats itself"):
            create_app({**base, "SECRET_KEY": key})


def test_production_requires_an_absolute_public_base_url() -> None:
    assert "PUBLIC_BASE_URL is required in production" in problems(SECRET_KEY=KEY)
    assert "absolute http(s) URL" in problems(**{**PRODUCTION, "PUBLIC_BASE_URL": "hromada.krakow.example"})
    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL is required in production"):
        create_app({**PRODUCTION, "PUBLIC_BASE_URL": ""})
    assert problems(**DEVELOPMENT) == ""


def test_insecure_cookies_only_in_development() -> None:
    assert "WEB_COOKIE_SECURE=false is allowed only with HROMADA_ENV=development" in problems(
        **PRODUCTION, WEB_COOKIE_SECURE="false"
    )
    dev = Settings.from_env({**DEVELOPMENT, "WEB_COOKIE_SECURE": "false"})
    assert dev.problems() == [] and dev.cookie_secure is False
    assert Settings.from_env(PRODUCTION).cookie_secure is True
    assert create_app(PRODUCTION).config["SESSION_COOKIE_SECURE"] is True
    assert create_app({**DEVELOPMENT, "WEB_COOKIE_SECURE": "false"}).config["SESSION_COOKIE_SECURE"] is False


def test_an_unknown_environment_is_refused_rather_than_guessed() -> None:
    assert "HROMADA_ENV must be one of production, development" in problems(**{**PRODUCTION, "HROMADA_ENV": "staging"})


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ConfigurationError) as refused:
        create_app({"HROMADA_ENV": "production", "SECRET_KEY": "", "PUBLIC_BASE_URL": "", "WEB_COOKIE_SECURE": "false"})
    message = str(refused.value)
    assert message.startswith("Hromada cannot start")
    for part in ("SECRET_KEY", "PUBLIC_BASE_URL", "WEB_COOKIE_SECURE"):
        assert part in message


def test_metrics_are_closed_in_production_without_a_token_and_open_only_in_development() -> None:
    assert Settings.from_env(PRODUCTION).metrics_access == "closed"
    assert Settings.from_env({**PRODUCTION, "METRICS_TOKEN": "t"}).metrics_access == "token"
    assert Settings.from_env(DEVELOPMENT).metrics_access == "open"
    assert Settings.from_env({**DEVELOPMENT, "METRICS_TOKEN": "t"}).metrics_access == "token"


def test_links_never_take_the_host_header_in_production() -> None:
    production = Settings.from_env({**PRODUCTION, "PUBLIC_BASE_URL": "https://hromada.krakow.example/"})
    assert production.public_base("http://evil.example/") == "https://hromada.krakow.example"
    dev = Settings.from_env({**DEVELOPMENT, "PORT": "8123"})
    assert dev.public_base("http://localhost:8123/") == "http://localhost:8123"
    assert dev.public_base() == "http://localhost:8123"
    with pytest.raises(ConfigurationError):
        Settings.from_env({"SECRET_KEY": KEY}).public_base("http://evil.example/")


def test_migrations_use_the_owner_url_and_fall_back_to_the_application_url() -> None:
    app_url = "postgresql+psycopg://hromada_app@db/hromada"
    owner_url = "postgresql+psycopg://hromada@db/hromada"
    assert Settings.from_env({"DATABASE_URL": app_url, "DATABASE_OWNER_URL": owner_url}).owner_database_url == owner_url
    assert Settings.from_env({"DATABASE_URL": app_url}).owner_database_url == app_url


def test_the_number_of_trusted_proxies_cannot_be_negative() -> None:
    assert Settings.from_env(PRODUCTION).PROXY_FIX_X_FOR == 0  # no proxy trusted unless said
    negative = problems(**{**PRODUCTION, "PROXY_FIX_X_FOR": "-1"})
    assert "PROXY_FIX_X_FOR must be the number of reverse proxies" in negative
    assert Settings.from_env({**PRODUCTION, "PROXY_FIX_X_FOR": "1"}).problems() == []
