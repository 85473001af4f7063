"""The resident website's settings: SITE_HOSTS names a municipality per host (with or without the port), an item
that is not host=code stops the app naming it, and a report's link defaults to its page on this site."""

from __future__ import annotations

import pytest

from backend import site
from backend.settings import Settings

KEY = "Qx7pLm2vRt9sWz4kNb8cJh3dFg6yTa5e"


def test_a_host_names_its_municipality_with_or_without_the_port() -> None:
    hosts = ("krakow.example.org=1261011", " Powiat.Example:8443 = 1206 ")
    assert site.municipality_of_host(hosts, "KRAKOW.example.org:443") == "1261011"
    assert site.municipality_of_host(hosts, "powiat.example:8443") == "1206"
    assert site.municipality_of_host(hosts, "elsewhere.example") is None


@pytest.mark.parametrize("item", ["krakow.example.org", "=1261011", "krakow example=1261011", "a.example=12 34"])
def test_a_site_hosts_item_that_is_not_host_equals_code_stops_the_app(item: str) -> None:
    found = Settings.from_env({}, SITE_HOSTS=item, SECRET_KEY=KEY, HROMADA_ENV="development").problems()
    assert any("SITE_HOSTS" in p and repr(item.strip()) in p for p in found), found


def test_the_default_report_link_is_the_report_page_on_this_site() -> None:
    conf = Settings.from_env({}, SECRET_KEY=KEY, PUBLIC_BASE_URL="https://hromada.example.org/")
    assert conf.report_link("KRK-2026-000001") == "https://hromada.example.org/reports/KRK-2026-000001"
    own = Settings.from_env({}, SECRET_KEY=KEY, REPORT_LINK_TEMPLATE="https://city.example/z/{public_id}")
    assert own.report_link("KRK-2026-000001") == "https://city.example/z/KRK-2026-000001"
    assert Settings.from_env({}, SECRET_KEY=KEY, REPORT_LINK_TEMPLATE="").report_link("KRK-2026-000001") is None
    bad = Settings.from_env({}, SECRET_KEY=KEY, HROMADA_ENV="development", REPORT_LINK_TEMPLATE="https://x.example/")
    assert any("{public_id}" in p for p in bad.problems())


def test_a_site_host_outside_trusted_hosts_stops_the_app() -> None:
    conf = Settings.from_env(
        {},
        SECRET_KEY=KEY,
        TRUSTED_HOSTS="krakow.example.org",
        SITE_HOSTS="krakow.example.org=1261011,powiat.example.org=1206",
    )
    assert [p for p in conf.problems() if "SITE_HOSTS" in p] == [
        "TRUSTED_HOSTS must include SITE_HOSTS' host 'powiat.example.org', or every visit gets a 400"
    ]
