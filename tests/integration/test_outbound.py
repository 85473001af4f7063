"""Calls to URLs someone else chose go only to public addresses, checked after DNS and on every redirect, with
timeouts and a size cap; the allow-list is the only exception. The other side is a real HTTP server on
127.0.0.1 (and one on 127.0.0.2, the private address a redirect tries to reach)."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from backend import outbound
from backend.outbound import Limits, OutboundFailed, OutboundRefused, OutboundTimeout, OutboundTooLarge
from backend.settings import Settings


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Host"), self.headers.get("Authorization")))
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/redirect":
            self._answer(302, b"", {"Location": query["to"]})
        elif url.path == "/loop":
            self._answer(302, b"", {"Location": "/loop"})
        elif url.path == "/slow":
            self.server.release.wait(10)
            self._answer(200, b"late")
        elif url.path == "/endless":
            self.send_response(200)
            self.end_headers()
            try:
                while not self.server.release.is_set():
                    self.wfile.write(b"x" * 65536)
            except OSError:
                pass
        else:
            self._answer(200, f"hello from {self.headers.get('Host')}".encode())

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str) -> None:
        super().__init__((host, 0), Handler)
        self.seen: list[tuple[str, str | None, str | None]] = []
        self.release = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def stop(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


@pytest.fixture
def web() -> Iterator[Server]:
    server = Server("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def private() -> Iterator[Server]:
    server = Server("127.0.0.2")
    yield server
    server.stop()


def allowing(*hosts: str, **limits: Any) -> Limits:
    return Limits(allow_hosts=hosts, **limits)


def test_a_local_server_is_refused_without_the_allow_list(web: Server, app: Flask) -> None:
    with pytest.raises(OutboundRefused, match="not a public address"):
        outbound.get(f"http://127.0.0.1:{web.port}/")
    with app.app_context(), pytest.raises(OutboundRefused):  # the app's settings name no exception
        outbound.post(f"http://127.0.0.1:{web.port}/", b"{}")
    assert web.seen == []  # refused before connecting


def test_the_allow_list_setting_lets_a_named_test_server_through(web: Server) -> None:
    settings = Settings.from_env({"OUTBOUND_ALLOW_HOSTS": f"example.org, 127.0.0.1:{web.port}"})
    answer = outbound.get(f"http://127.0.0.1:{web.port}/hi", limits=Limits.from_settings(settings))
    assert answer.status == 200 and answer.body == f"hello from 127.0.0.1:{web.port}".encode()
    assert web.seen[0][0] == "/hi"
    other_port = Limits.from_settings(Settings.from_env({"OUTBOUND_ALLOW_HOSTS": "127.0.0.1:1"}))
    with pytest.raises(OutboundRefused):
        outbound.get(f"http://127.0.0.1:{web.port}/", limits=other_port)


def test_a_redirect_to_a_private_address_is_refused_at_the_hop(web: Server, private: Server) -> None:
    limits = allowing(f"127.0.0.1:{web.port}")
    for target in (
        f"http://127.0.0.2:{private.port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        f"http://localhost:{web.port}/",
    ):
        with pytest.raises(OutboundRefused, match="not a public address") as refused:
            outbound.get(f"http://127.0.0.1:{web.port}/redirect?to={target}", limits=limits)
        assert refused.value.url == target
    assert private.seen == []
    followed = outbound.get(f"http://127.0.0.1:{web.port}/redirect?to=/landed", limits=limits)
    assert followed.status == 200 and followed.url.endswith("/landed") and len(followed.redirects) == 1
    with pytest.raises(OutboundRefused, match="redirects"):
        outbound.get(f"http://127.0.0.1:{web.port}/loop", limits=limits)


def test_the_check_is_on_the_resolved_address_and_the_call_goes_to_it(
    web: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo
    names: dict[str, list[str]] = {
        "partner.example": ["10.0.0.1"],
        "mixed.example": ["93.184.216.34", "127.0.0.1"],
        "tests.example": ["127.0.0.1"],
    }
    asked: list[str] = []

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in names:
            asked.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in names[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(OutboundRefused, match=r"10\.0\.0\.1"):
        outbound.get("https://partner.example/hook")
    with pytest.raises(OutboundRefused, match=r"127\.0\.0\.1"):  # every address must be public
        outbound.get("https://mixed.example/hook")
    with pytest.raises(OutboundRefused):  # allowing the address does not allow a name that resolves to it
        outbound.get(f"http://localhost:{web.port}/", limits=allowing(f"127.0.0.1:{web.port}"))
    asked.clear()
    answer = outbound.get(f"http://tests.example:{web.port}/named", limits=allowing(f"tests.example:{web.port}"))
    assert answer.body == f"hello from tests.example:{web.port}".encode()  # the name travels in Host
    assert asked == ["tests.example"]  # resolved once: the connection went to the checked address


def test_a_slow_server_times_out(web: Server) -> None:
    with pytest.raises(OutboundTimeout):
        outbound.get(f"http://127.0.0.1:{web.port}/slow", limits=allowing(f"127.0.0.1:{web.port}", read_timeout=0.3))


def test_an_endless_body_is_cut_at_the_cap(web: Server) -> None:
    with pytest.raises(OutboundTooLarge):
        outbound.get(
            f"http://127.0.0.1:{web.port}/endless", limits=allowing(f"127.0.0.1:{web.port}", max_bytes=200_000)
        )


def test_an_endless_trickle_ends_at_the_deadline(web: Server) -> None:
    with pytest.raises(OutboundTimeout):
        outbound.get(
            f"http://127.0.0.1:{web.port}/endless",
            limits=allowing(f"127.0.0.1:{web.port}", max_bytes=10**12, total_timeout=0.5),
        )


def test_an_unreachable_allowed_server_fails_clearly() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens once it is closed
    with pytest.raises(OutboundFailed):
        outbound.get(f"http://127.0.0.1:{port}/", limits=allowing(f"127.0.0.1:{port}"))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/",
        "ftp://example.org/x",
        "javascript:alert(1)",
        "http:///nohost",
        "//example.org/x",
        "not a url",
    ],
)
def test_only_http_and_https_urls_with_a_host_are_called(url: str) -> None:
    with pytest.raises(OutboundRefused):
        outbound.get(url, limits=allowing("127.0.0.1", "example.org"))


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://017700000001/",
        "http://100.64.0.1/",
        "http://[64:ff9b::a00:1]/",
    ],
)
def test_loopback_private_and_encoded_addresses_are_refused(url: str) -> None:
    with pytest.raises(OutboundRefused, match="not a public address"):
        outbound.get(url)


def test_credentials_in_the_url_are_refused(web: Server) -> None:
    for url in (f"http://127.0.0.1:{web.port}@example.com/", "http://user:pw@example.com/"):
        with pytest.raises(OutboundRefused, match="user name or password"):
            outbound.get(url, limits=allowing(f"127.0.0.1:{web.port}", "example.com"))
    assert web.seen == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("::ffff:8.8.8.8", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.1.2.3", False),
        ("192.0.0.8", False),
        ("198.18.0.1", False),
        ("224.0.0.1", False),
        ("255.255.255.255", False),
        ("::", False),
        ("::1", False),
        ("::ffff:10.0.0.1", False),
        ("::7f00:1", False),  # IPv4-compatible 127.0.0.1
        ("::808:808", False),  # IPv4-compatible addresses are deprecated: none is reached
        ("::ffff:0:7f00:1", False),  # IPv4-translated 127.0.0.1
        ("::ffff:0:a9fe:a9fe", False),
        ("64:ff9b::7f00:1", False),
        ("2002:7f00:1::", False),
        ("2001::1", False),
        ("fc00::1", False),
        ("fe80::1", False),
        ("ff02::1", False),
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert outbound.is_public(ipaddress.ip_address(address)) is public


def test_credentials_stay_with_their_host_across_redirects(web: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: real("127.0.0.1" if host == "other.example" else host, port, *a, **k),
    )
    limits = allowing(f"127.0.0.1:{web.port}", f"other.example:{web.port}")
    outbound.get(
        f"http://127.0.0.1:{web.port}/redirect?to=http://other.example:{web.port}/x",
        headers={"Authorization": "Bearer secret"},
        limits=limits,
    )
    assert web.seen[0][2] == "Bearer secret" and web.seen[1][1] == f"other.example:{web.port}"
    assert web.seen[1][2] is None
