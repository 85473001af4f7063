"""PUBLIC_BASE_URL or TRUSTED_HOSTS outside development: where absolute links come from, and the settings that
refuse to start because a link could be forged or every visit would be refused."""

from __future__ import annotations

import pytest

from backend.app import create_app
from backend.settings import ConfigurationError, Settings

KEY = "Hq3vN8zR1xT6wB0mK5cJ9pL2sY7fD4gA"
PRODUCTION = {"SECRET_KEY": KEY, "HROMADA_ENV": "production", "PUBLIC_BASE_URL": ""}


def settings(**environ: str) -> Settings:
    return Settings.from_env({**PRODUCTION, **environ})


def test_production_starts_with_a_trusted_host_list_instead_of_a_public_base_url() -> None:
    assert "PUBLIC_BASE_URL is required in production" in "\n".join(settings().problems())
    trusted = settings(TRUSTED_HOSTS="hromada.krakow.example, .krakow.example")
    assert trusted.problems() == []
    assert trusted.TRUSTED_HOSTS == ("hromada.krakow.example", ".krakow.example")
    assert create_app({**PRODUCTION, "TRUSTED_HOSTS": "hromada.krakow.example"}).config["TRUSTED_HOSTS"] == [
        "hromada.krakow.example"
    ]
    assert create_app({**PRODUCTION, "PUBLIC_BASE_URL": "https://h.example"}).config["TRUSTED_HOSTS"] is None


def test_links_come_from_the_checked_host_or_the_first_trusted_host_outside_a_request() -> None:
    trusted = settings(TRUSTED_HOSTS="hromada.krakow.example,.gmina.example")
    assert trusted.public_base("https://hromada.gmina.example/") == "https://hromada.gmina.example"
    # the port and scheme the client chose are not the site's
    assert trusted.public_base("http://hromada.gmina.example:8443/") == "https://hromada.gmina.example"
    assert trusted.public_base() == "https://hromada.krakow.example"  # e-mails, sent by the worker
    fixed = settings(TRUSTED_HOSTS="hromada.krakow.example", PUBLIC_BASE_URL="https://hromada.krakow.example/")
    assert fixed.public_base("https://other.krakow.example/") == "https://hromada.krakow.example"
    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL or TRUSTED_HOSTS is required"):
        settings().public_base("https://evil.example/")


@pytest.mark.parametrize(
    ("environ", "said"),
    [
        ({"TRUSTED_HOSTS": "https://hromada.krakow.example"}, "TRUSTED_HOSTS must list host names"),
        ({"TRUSTED_HOSTS": "hromada.krakow.example:443"}, "TRUSTED_HOSTS must list host names"),
        ({"TRUSTED_HOSTS": "hromada.krakow.example/admin"}, "TRUSTED_HOSTS must list host names"),
        ({"TRUSTED_HOSTS": ".krakow.example"}, "the first of TRUSTED_HOSTS must be a full host name"),
        (
            {"TRUSTED_HOSTS": "other.example", "PUBLIC_BASE_URL": "https://hromada.krakow.example"},
            "TRUSTED_HOSTS must include PUBLIC_BASE_URL's host 'hromada.krakow.example'",
        ),
    ],
)
def test_a_trusted_host_list_that_cannot_work_refuses_to_start(environ: dict[str, str], said: str) -> None:
    assert said in "\n".join(settings(**environ).problems())
    with pytest.raises(ConfigurationError, match="Hromada cannot start"):
        create_app({**PRODUCTION, **environ})


def test_a_subdomain_pattern_covers_the_public_base_url() -> None:
    assert settings(TRUSTED_HOSTS=".krakow.example", PUBLIC_BASE_URL="https://hromada.krakow.example").problems() == []
    development = Settings.from_env({"SECRET_KEY": KEY, "HROMADA_ENV": "development", "PORT": "8123"})
    assert development.problems() == [] and development.public_base() == "http://localhost:8123"
