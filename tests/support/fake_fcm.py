"""A fake FCM: a real HTTP server on 127.0.0.1 speaking the FCM v1 protocol (and the OAuth token endpoint
a service-account file points at), so that firebase-admin runs its production code path against it.

What a message gets depends on its registration token's prefix:
  ok…           200 with a message name
  unregistered… 404 UNREGISTERED             mismatch…  403 SENDER_ID_MISMATCH
  badtoken…     400 INVALID_ARGUMENT on `message.token`
  badmsg…       400 INVALID_ARGUMENT on another field
  apnsauth…     401 THIRD_PARTY_AUTH_ERROR
  quota…        429 QUOTA_EXCEEDED (Retry-After)  unavailable… 503 (Retry-After)
  internal…     500 INTERNAL                       deadline…   504 DEADLINE_EXCEEDED
The transient ones fail `fail_times` times per token, then succeed. `storm(n, kinds)` makes the next n requests
fail whatever the token, taking turns through the kinds (429 and/or 503, with Retry-After). Every request is recorded.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"

#: prefix → (HTTP status, gRPC status, FCM error code or None, field violation or None, transient)
BEHAVIOURS: dict[str, tuple[int, str, str | None, str | None, bool]] = {
    "unregistered": (404, "NOT_FOUND", "UNREGISTERED", None, False),
    "mismatch": (403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", None, False),
    "badtoken": (400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "message.token", False),
    "badmsg": (400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "message.data", False),
    "apnsauth": (401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", None, False),
    "quota": (429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", None, True),
    "unavailable": (503, "UNAVAILABLE", "UNAVAILABLE", None, True),
    "internal": (500, "INTERNAL", "INTERNAL", None, True),
    "deadline": (504, "DEADLINE_EXCEEDED", None, None, True),
}


@dataclass(frozen=True)
class Received:
    token: str
    status: int
    collapse_key: str | None
    apns_collapse_id: str | None
    title: str | None
    body: str | None
    data: dict[str, str]
    android_priority: str | None
    at: float
    wall: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 4096
    allow_reuse_address = True


class FakeFcm:
    """Start with `with FakeFcm() as fcm:`; `fcm.url` is the FCM_URL template for the settings."""

    def __init__(self, retry_after: int = 1, fail_times: int = 1, delay: float = 0.0) -> None:
        self.retry_after = retry_after
        self.fail_times = fail_times
        self.delay = delay
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.failures: dict[str, int] = {}
        self.storm_left = 0
        self.storm_kinds: tuple[str, ...] = ("quota",)
        self.token_requests = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path != "/_stats":
                    self._answer(404, {"error": {"code": 404, "message": "unknown path", "status": "NOT_FOUND"}})
                    return
                with fake.lock:
                    ok = [r for r in fake.received if r.status == 200]
                    self._answer(
                        200,
                        {
                            "received": len(fake.received),
                            "accepted": len(ok),
                            "distinct_tokens": len({r.token for r in ok}),
                            "first_at": min((r.wall for r in ok), default=None),
                            "last_at": max((r.wall for r in ok), default=None),
                        },
                    )

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path == "/_reset":
                    with fake.lock:
                        fake.received.clear()
                        fake.failures.clear()
                    self._answer(200, {})
                    return
                if self.path.endswith("/token"):
                    with fake.lock:
                        fake.token_requests += 1
                    self._answer(200, {"access_token": "fake-access-token", "expires_in": 3600, "token_type": "Bearer"})
                    return
                if not self.path.endswith("/messages:send"):
                    self._answer(404, {"error": {"code": 404, "message": "unknown path", "status": "NOT_FOUND"}})
                    return
                if fake.delay:
                    time.sleep(fake.delay)
                status, body, headers = fake.handle(json.loads(raw), self.path, self.headers)
                self._answer(status, body, headers)

            def _answer(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/projects/{{0}}/messages:send"

    @property
    def token_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def __enter__(self) -> FakeFcm:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def storm(self, requests: int, kinds: tuple[str, ...] = ("quota",)) -> None:
        """The next `requests` sends all fail, taking turns through `kinds` (429 quota, 503 unavailable; each with
        Retry-After)."""
        with self.lock:
            self.storm_left = requests
            self.storm_kinds = kinds

    def handle(self, body: dict[str, Any], path: str, headers: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
        message = body.get("message", {})
        token = message.get("token", "")
        status, answer, extra = 200, {"name": f"projects/{path.split('/')[3]}/messages/{uuid.uuid4().hex}"}, {}
        with self.lock:
            behaviour = next((b for prefix, b in BEHAVIOURS.items() if token.startswith(prefix)), None)
            if self.storm_left > 0:
                self.storm_left -= 1
                behaviour = BEHAVIOURS[self.storm_kinds[self.storm_left % len(self.storm_kinds)]]
            elif behaviour is not None and behaviour[4]:
                done = self.failures.get(token, 0)
                if done >= self.fail_times:
                    behaviour = None
                else:
                    self.failures[token] = done + 1
            if behaviour is not None:
                status, grpc, code, field, transient = behaviour
                details: list[dict[str, Any]] = []
                if code:
                    details.append({"@type": FCM_ERROR, "errorCode": code})
                if field:
                    details.append(
                        {
                            "@type": BAD_REQUEST,
                            "fieldViolations": [
                                {
                                    "field": field,
                                    "description": "Invalid registration token"
                                    if field == "message.token"
                                    else "Invalid value",
                                }
                            ],
                        }
                    )
                message_text = (
                    "The registration token is not a valid FCM registration token"
                    if field == "message.token"
                    else f"{grpc.lower()} (fake)"
                )
                answer = {"error": {"code": status, "message": message_text, "status": grpc, "details": details}}
                if transient:
                    extra = {"Retry-After": str(self.retry_after)}
            android = message.get("android", {})
            apns_headers = message.get("apns", {}).get("headers", {})
            notification = message.get("notification", {})
            self.received.append(
                Received(
                    token,
                    status,
                    android.get("collapse_key"),
                    apns_headers.get("apns-collapse-id"),
                    notification.get("title"),
                    notification.get("body"),
                    message.get("data", {}),
                    android.get("priority"),
                    time.monotonic(),
                    time.time(),
                )
            )
        return status, answer, extra

    def accepted(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.status == 200]

    def write_service_account(self, path: Path, project_id: str = "hromada-test") -> Path:
        """A service-account file with a fresh RSA key whose token_uri is this server."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        path.write_text(
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": project_id,
                    "private_key_id": uuid.uuid4().hex,
                    "private_key": pem,
                    "client_email": f"push@{project_id}.iam.gserviceaccount.com",
                    "client_id": "1",
                    "token_uri": self.token_uri,
                    # A universe of its own: google-auth then signs its own JWT (no token exchange) and skips its
                    # regional-boundary lookup at googleapis.com, neither of which this machine could reach.
                    "universe_domain": "fcm.test",
                }
            )
        )
        return path


if __name__ == "__main__":  # a fake FCM in its own process (benchmarks): prints its port, serves until killed
    import sys

    server = FakeFcm()
    server.write_service_account(Path(sys.argv[1]))
    print(server.port, flush=True)
    server.server.serve_forever()
