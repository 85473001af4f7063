"""Outbound HTTP to addresses that someone else chose (Web Push endpoints, upstream systems, webhooks, alert
feeds): the one way the application calls such a URL.

Only http and https. The host is resolved once and every address it resolves to must be public (not private,
loopback, link-local, shared/CGNAT, multicast, reserved, documentation, 6to4/NAT64/Teredo or IPv4-mapped forms
of those); the connection then goes to the address that was checked, with the URL's host name in `Host` and in
TLS (SNI and the certificate check), so a second DNS answer cannot move it elsewhere. Redirects are followed here,
each hop checked the same way, at most `max_redirects` of them. Connecting and reading have timeouts, the whole
call a deadline (each hop's connect and read timeouts are cut to the time left; the host's DNS lookup is bounded
by the resolver's own timeout, and a server sending its status line and headers a byte at a time by the read
timeout per byte, so a call can overrun its deadline by those), and a body longer than `max_bytes` is cut off.
`OUTBOUND_ALLOW_HOSTS` names the only exceptions (host or host:port as written in the URL, e.g. a test server on
127.0.0.1:PORT).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

from flask import current_app, has_app_context
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, Timeout
from urllib3.exceptions import HTTPError, LocationParseError, NewConnectionError
from urllib3.exceptions import TimeoutError as TookTooLong
from urllib3.response import BaseHTTPResponse
from urllib3.util import Url, parse_url

from backend.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Special-purpose ranges that are not the public internet (IANA registries), checked on top of `is_global`,
#: which older Pythons get wrong for some of them.
BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/96",  # IPv4-compatible (::a.b.c.d, deprecated), and with it :: and ::1
        "::ffff:0:0:0/96",  # IPv4-translated (::ffff:0:a.b.c.d)
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "2002::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


class OutboundError(Exception):
    """An outbound call that did not give an answer."""


class OutboundRefused(OutboundError):
    """The URL (or a redirect's) is not one the application may call; `reason` says why."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"refused {url!r}: {reason}")
        self.url = url
        self.reason = reason


class OutboundTimeout(OutboundError):
    """Connecting, reading, or the whole call took longer than allowed."""


class OutboundTooLarge(OutboundError):
    """The answer's body is longer than the cap."""


class OutboundFailed(OutboundError):
    """The other side could not be reached or broke the exchange (refused connection, TLS, protocol)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What an outbound call may do; `from_settings` reads the OUTBOUND_* settings."""

    allow_hosts: tuple[str, ...] = ()
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 1_000_000
    max_redirects: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            allow_hosts=tuple(h.lower() for h in settings.OUTBOUND_ALLOW_HOSTS),
            connect_timeout=settings.OUTBOUND_CONNECT_TIMEOUT,
            read_timeout=settings.OUTBOUND_READ_TIMEOUT,
            total_timeout=settings.OUTBOUND_TOTAL_TIMEOUT,
            max_bytes=settings.OUTBOUND_MAX_BYTES,
        )

    @classmethod
    def current(cls) -> Limits:
        """The app's limits (the defaults, no exceptions, outside an app)."""
        if has_app_context() and "HROMADA_SETTINGS" in current_app.config:
            return cls.from_settings(current_app.config["HROMADA_SETTINGS"])
        return cls()


@dataclass(frozen=True, slots=True)
class Answer:
    """The final answer after any redirects: its status, headers, body and URL."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str
    redirects: list[str] = field(default_factory=list)


def is_public(address: IPAddress) -> bool:
    """Whether an address is on the public internet (an IPv4-mapped IPv6 address is judged as its IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not any(address in n for n in BLOCKED_NETWORKS if n.version == address.version)


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: where to connect (the address that was checked) and what to name in Host and TLS."""

    scheme: str
    host: str
    port: int
    address: str
    target: str

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = {"http": 80, "https": 443}[self.scheme]
        return name if self.port == default else f"{name}:{self.port}"


def check(url: str, limits: Limits) -> Target:
    """Parse `url`, resolve its host once and check every address; refuses with the reason."""
    try:
        parts: Url = parse_url(url)
    except (LocationParseError, ValueError) as exc:
        raise OutboundRefused(url, "not a URL") from exc
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused(url, f"scheme {parts.scheme or '(none)'} (only http and https)")
    if parts.auth is not None:
        raise OutboundRefused(url, "user name or password in the URL")
    host = (parts.host or "").strip("[]").lower()
    if not host:
        raise OutboundRefused(url, "no host")
    port = parts.port or {"http": 80, "https": 443}[parts.scheme]
    allowed = host in limits.allow_hosts or f"{host}:{port}" in limits.allow_hosts
    if ":" in host and f"[{host}]:{port}" in limits.allow_hosts:
        allowed = True
    addresses = _resolve(url, host, port)
    if not allowed:
        private = [a for a in addresses if not is_public(a)]
        if private:
            raise OutboundRefused(url, f"{host} is not a public address ({private[0]})")
    target = parts.request_uri or "/"
    return Target(parts.scheme, host, port, str(addresses[0]), target)


def _resolve(url: str, host: str, port: int) -> list[IPAddress]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise OutboundRefused(url, f"{host} does not resolve") from exc
    addresses: list[IPAddress] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise OutboundRefused(url, f"{host} does not resolve")
    return addresses


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    limits: Limits | None = None,
) -> Answer:
    """Call `url` under the rules of this module and read the whole answer (after at most
    `limits.max_redirects` redirects). Raises OutboundRefused, OutboundTimeout, OutboundTooLarge or
    OutboundFailed."""
    limits = limits or Limits.current()
    deadline = time.monotonic() + limits.total_timeout
    sent = dict(headers or {})
    hops: list[str] = []
    while True:
        target = check(url, limits)
        status, answer_headers, data = _exchange(method, target, sent, body, limits, deadline)
        location = answer_headers.get("location")
        if status not in REDIRECTS or not location:
            return Answer(status, answer_headers, data, url, hops)
        if len(hops) >= limits.max_redirects:
            raise OutboundRefused(url, f"more than {limits.max_redirects} redirects")
        following = urljoin(url, location)
        if parse_url(following).host != parse_url(url).host:
            sent = {k: v for k, v in sent.items() if k.lower() not in ("authorization", "cookie")}
        if status == 303 or (status in (301, 302) and method.upper() == "POST"):
            method, body = "GET", None
        hops.append(following)
        url = following


def get(url: str, *, headers: Mapping[str, str] | None = None, limits: Limits | None = None) -> Answer:
    """GET `url` (see `request`)."""
    return request("GET", url, headers=headers, limits=limits)


def post(url: str, body: bytes, *, headers: Mapping[str, str] | None = None, limits: Limits | None = None) -> Answer:
    """POST `body` to `url` (see `request`)."""
    return request("POST", url, headers=headers, body=body, limits=limits)


def _pool(target: Target, limits: Limits, deadline: float) -> HTTPConnectionPool:
    left = deadline - time.monotonic()
    if left <= 0:
        raise OutboundTimeout(f"{target.host}: no complete answer within {limits.total_timeout} s")
    timeout = Timeout(connect=min(limits.connect_timeout, left), read=min(limits.read_timeout, left))
    if target.scheme == "https":
        return HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False)


def _exchange(
    method: str,
    target: Target,
    headers: Mapping[str, str],
    body: bytes | None,
    limits: Limits,
    deadline: float,
) -> tuple[int, dict[str, str], bytes]:
    """One request to the checked address; the answer's status, headers (lower-case names) and capped body."""
    pool = _pool(target, limits, deadline)
    sent = {**headers, "Host": target.host_header, "Accept-Encoding": "identity"}
    try:
        response = pool.urlopen(
            method.upper(),
            target.target,
            body=body,
            headers=sent,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            data = _read(response, limits, deadline)
        finally:
            response.close()  # never drained: an endless body stops here
    except NewConnectionError as exc:  # urllib3 makes it a kind of timeout; it is a refusal to connect
        raise OutboundFailed(f"{target.host}: {exc}") from exc
    except TookTooLong as exc:
        raise OutboundTimeout(f"{target.host}: {exc}") from exc
    except (HTTPError, OSError) as exc:
        raise OutboundFailed(f"{target.host}: {exc}") from exc
    finally:
        pool.close()
    return response.status, {k.lower(): v for k, v in response.headers.items()}, data


def _read(response: BaseHTTPResponse, limits: Limits, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limits.max_bytes:
        raise OutboundTooLarge(f"{declared} bytes declared; at most {limits.max_bytes}")
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise OutboundTimeout(f"no complete answer within {limits.total_timeout} s")
        chunk = response.read1(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limits.max_bytes:
            raise OutboundTooLarge(f"more than {limits.max_bytes} bytes")
        chunks.append(chunk)
