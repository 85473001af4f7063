"""Redirects and links outside development never carry a host, port or scheme that the client chose: routing's own
redirects (a missing trailing slash) are relative, and with a trusted-host list links name the checked host over
https on the default port."""

from __future__ import annotations

from flask import Flask

from tests.conftest import make_app

EVIL = "evil.example"


def test_a_missing_trailing_slash_is_redirected_by_path_not_to_the_forged_host(
    migrated: str, redis_url: str, cities: dict
) -> None:
    production = make_app(
        migrated, redis_url, HROMADA_ENV="production", PUBLIC_BASE_URL="https://hromada.krakow.example"
    )
    client = production.test_client()
    for path, location in (("/admin", "/admin/"), ("/admin?lang=uk", "/admin/?lang=uk")):
        moved = client.get(path, headers={"Host": EVIL, "X-Forwarded-Host": EVIL})
        assert moved.status_code == 308 and moved.headers["Location"] == location, moved.headers
    followed = client.get("/admin", follow_redirects=True)
    assert followed.status_code == 200 and followed.request.path == "/admin/login"  # signed out: the sign-in page


def test_with_trusted_hosts_links_name_the_checked_host_over_https_without_the_clients_port(
    migrated: str, redis_url: str, cities: dict
) -> None:
    trusted: Flask = make_app(
        migrated, redis_url, HROMADA_ENV="production", PUBLIC_BASE_URL="", TRUSTED_HOSTS="hromada.krakow.example"
    )
    client = trusted.test_client()
    for base in (
        "http://hromada.krakow.example:8443",
        "http://hromada.krakow.example",
        "https://hromada.krakow.example",
    ):
        got = client.get("/open311/v2/discovery.json", base_url=base)
        assert got.status_code == 200, base
        assert got.json["endpoints"][0]["url"] == "https://hromada.krakow.example/open311/v2", base
    moved = client.get("/admin", base_url="http://hromada.krakow.example:8443")
    assert moved.status_code == 308 and moved.headers["Location"] == "/admin/"
