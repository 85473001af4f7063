"""The FCM adapter: the only module that imports firebase_admin.

Checked against firebase-admin 7.7 (`pyproject.toml` pins `~=7.7`). The SDK has no endpoint option:
its URL is the class attribute `messaging._MessagingService.FCM_URL`, read when the messaging service of
a Firebase app is first created, so `FCM_URL` (a template with `{0}` for the project id) is set on the
class before this module creates its app. The credentials are a service-account file (`FCM_CREDENTIALS_FILE`);
its `token_uri` is where OAuth tokens come from.

The SDK mounts an adapter that retries 500/503 up to four times, sleeping the full Retry-After each time:
the adapter mounted here for the FCM URL never retries a status (and never a read, which could send twice)
and pools as many connections as a chunk has messages. Back-off belongs to the delivery rows.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import threading
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

import firebase_admin
import requests
from firebase_admin import credentials, exceptions, messaging
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

#: FCM's limit for one send_each call.
MAX_CHUNK = 500

Kind = Literal["sent", "retry", "prune", "failed", "alarm"]


@dataclass(frozen=True)
class PushMessage:
    """One push to one registration token."""

    token: str
    title: str
    body: str
    data: dict[str, str]
    collapse_key: str
    high_priority: bool = False
    android_channel: str = "updates"
    time_sensitive: bool = False
    ttl_seconds: int = 7 * 24 * 3600


@dataclass(frozen=True)
class Outcome:
    """What FCM answered for one message, and what the delivery row should do about it."""

    kind: Kind
    provider_id: str | None = None
    retry_after: float | None = None
    error: str | None = None


@dataclass
class FcmConfig:
    credentials_file: str
    url: str = ""
    timeout: float = 10.0
    chunk: int = MAX_CHUNK
    extra: dict[str, str] = field(default_factory=dict)


_lock = threading.Lock()
_apps: dict[tuple[int, str, str], tuple[firebase_admin.App, object]] = {}


def _service(config: FcmConfig) -> object:
    """The messaging service of this process's Firebase app (created on first use, in each process)."""
    key = (os.getpid(), config.credentials_file, config.url)
    with _lock:
        found = _apps.get(key)
        if found is not None:
            return found[1]
        if config.url:
            messaging._MessagingService.FCM_URL = config.url
        name = f"hromada-{os.getpid()}-{len(_apps)}"
        app = firebase_admin.initialize_app(
            credentials.Certificate(config.credentials_file), {"httpTimeout": config.timeout}, name=name
        )
        service = messaging._get_messaging_service(app)
        url = service._fcm_url
        parts = urlsplit(url)
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=1,
            pool_maxsize=max(config.chunk, 1),
            max_retries=Retry(
                total=1,
                connect=1,
                read=0,
                status=0,
                other=0,
                redirect=0,
                raise_on_status=False,
                respect_retry_after_header=False,
            ),
        )
        service._client.session.mount(f"{parts.scheme}://{parts.netloc}", adapter)
        _apps[key] = (app, service)
        return service


def build(msg: PushMessage) -> messaging.Message:
    """The FCM v1 message: notification, data (deep link), one collapse key on Android and APNs.

    Addressed by registration token, which is what the apps register; firebase-admin 7.7 marks `token`
    deprecated in favour of Firebase installation ids (`fid`), so its warning is silenced here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return _build(msg)


def _build(msg: PushMessage) -> messaging.Message:
    return messaging.Message(
        token=msg.token,
        notification=messaging.Notification(title=msg.title, body=msg.body),
        data=msg.data,
        android=messaging.AndroidConfig(
            collapse_key=msg.collapse_key,
            priority="high" if msg.high_priority else "normal",
            ttl=msg.ttl_seconds,
            notification=messaging.AndroidNotification(channel_id=msg.android_channel),
        ),
        apns=messaging.APNSConfig(
            headers={"apns-collapse-id": msg.collapse_key[:64], "apns-priority": "10" if msg.high_priority else "5"},
            payload=messaging.APNSPayload(
                aps=messaging.Aps(
                    thread_id=msg.collapse_key,
                    custom_data={"interruption-level": "time-sensitive"} if msg.time_sensitive else None,
                )
            ),
        ),
    )


def send(config: FcmConfig, messages: list[PushMessage]) -> list[Outcome]:
    """Send in chunks of at most `config.chunk` (≤ 500) through send_each; never an empty call."""
    if not messages:
        return []
    service = _service(config)
    size = max(1, min(config.chunk, MAX_CHUNK))
    out: list[Outcome] = []
    for start in range(0, len(messages), size):
        chunk = messages[start : start + size]
        batch = service.send_each([build(m) for m in chunk])  # type: ignore[attr-defined]
        out.extend(
            classify(r.exception) if r.exception is not None else Outcome("sent", provider_id=r.message_id)
            for r in batch.responses
        )
    return out


def classify(exc: Exception) -> Outcome:
    """Map an FCM error to the delivery's next step."""
    text = f"{type(exc).__name__}: {exc}"[:1000]
    if isinstance(exc, messaging.UnregisteredError | messaging.SenderIdMismatchError):
        return Outcome("prune", error=text)
    if isinstance(exc, messaging.ThirdPartyAuthError):
        return Outcome("alarm", error=text, retry_after=retry_after(exc))
    if isinstance(exc, exceptions.InvalidArgumentError):
        return Outcome("prune" if _bad_token(exc) else "failed", error=text)
    if isinstance(
        exc,
        messaging.QuotaExceededError
        | exceptions.UnavailableError
        | exceptions.InternalError
        | exceptions.DeadlineExceededError
        | exceptions.ResourceExhaustedError,
    ):
        return Outcome("retry", error=text, retry_after=retry_after(exc))
    if isinstance(exc, exceptions.UnauthenticatedError | exceptions.PermissionDeniedError):
        return Outcome("alarm", error=text, retry_after=retry_after(exc))
    return Outcome("failed", error=text)


def _bad_token(exc: exceptions.FirebaseError) -> bool:
    """INVALID_ARGUMENT about the registration token itself (FCM names the field `message.token`)."""
    response = exc.http_response
    if response is None:
        return False
    try:
        error = json.loads(response.content or b"{}").get("error", {})
    except ValueError:
        return False
    for detail in error.get("details", []) or []:
        for violation in detail.get("fieldViolations", []) or []:
            if violation.get("field") == "message.token":
                return True
    return "registration token" in str(error.get("message", "")).lower()


def retry_after(exc: exceptions.FirebaseError) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), if FCM sent one."""
    response = exc.http_response
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
