"""Throttling staff sign-in without telling who is staff.

Failed sign-ins are counted per client address and e-mail together (hashed; known and unknown e-mails alike):
after a few free failures that pair waits, doubling from a minute to an hour, and is answered at once without
checking the password. A stranger failing from their address never stops the colleague signing in from
another one. Wrong second-factor codes are counted per account too, from whatever address: only someone
holding the password or a session can cause them. Password checks (argon2, tens of MiB each) running at
once in one process are capped: an excess check is refused at once, never queued. The counters live in Redis
and fall back to this process's memory while Redis is unreachable.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar, cast

from flask import current_app
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from redis.exceptions import RedisError

from backend.errors import DomainError
from backend.i18n import gettext
from backend.security import verify_password
from backend.settings import Settings

log = logging.getLogger(__name__)

#: The first wait after the free failures; each further failure doubles it, up to MAX_WAIT (seconds).
FIRST_WAIT = 60
MAX_WAIT = 3600
#: An account's first wait after its free wrong second-factor codes (seconds; doubling up to MAX_WAIT).
CODE_FIRST_WAIT = 900
#: How long a pair's failures are remembered after its first one (seconds).
FAILURES_KEPT = 24 * 3600
PREFIX = "hromada-sign-in"

T = TypeVar("T")
_MEMORY = MemoryStorage()
_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


class LockedOut(DomainError):
    """This address has failed too often for this e-mail: it waits `retry_after` seconds."""

    status = 429

    def __init__(self, retry_after: int, message: str = "Too many failed sign-ins; try again later.") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooManyWrongCodes(LockedOut):
    """This account has had too many wrong second-factor codes (from any address): it waits `retry_after`
    seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after, gettext("Too many wrong codes; try again later."))


class Busy(LockedOut):
    """Every password-check slot of this process is taken: try again in a second."""

    def __init__(self) -> None:
        super().__init__(1, "Too many sign-ins at once; try again in a moment.")


def wait_after(failures: int, free: int, first: int = FIRST_WAIT) -> int:
    """Seconds a pair (or an account, for codes) waits after this many consecutive failures (0 while free)."""
    if failures < free:
        return 0
    return min(first * 2 ** min(failures - free, 12), MAX_WAIT)


def _settings() -> Settings:
    settings: Settings = current_app.config["HROMADA_SETTINGS"]
    return settings


def _pair(address: str, email: str) -> str:
    return hashlib.sha256(f"{address}\n{email.strip().lower()}".encode()).hexdigest()[:40]


def email_tag(email: str) -> str:
    """How the log names an e-mail: the first 12 hex digits of the SHA-256 of its trimmed, lowercased form
    (`printf %s anna@example.org | sha256sum | cut -c1-12`), never the address itself."""
    return hashlib.sha256(email.strip().lower().encode("utf-8", "backslashreplace")).hexdigest()[:12]


def _storage() -> Storage:
    found = current_app.extensions.get("hromada.sign_in_storage")
    if not isinstance(found, Storage):
        found = cast(  # a redis:// URL gives the synchronous storage
            Storage,
            storage_from_string(
                _settings().REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5, key_prefix=PREFIX
            ),
        )
        current_app.extensions["hromada.sign_in_storage"] = found
    return found


def _on_storage(operation: Callable[[Storage], T]) -> T:
    """Run on Redis; while Redis is unreachable, on this process's memory (sign-in keeps working)."""
    try:
        return operation(_storage())
    except (RedisError, StorageError, OSError) as exc:
        log.warning("sign-in counters in memory, Redis unreachable: %s", exc)
        return operation(_MEMORY)


def _seconds_left(storage: Storage, key: str) -> int:
    if storage.get(key) <= 0:
        return 0
    return max(1, math.ceil(storage.get_expiry(key) - time.time()))


def _waiting(key: str) -> int:
    """Seconds the counter `key` (a pair, or an account's codes) still waits; 0 when it may try."""
    return _on_storage(lambda storage: _seconds_left(storage, f"wait:{key}"))


def _count_failure(key: str, free: int, first_wait: int) -> tuple[int, int]:
    """One more failure for the counter `key`: (failures in a row, seconds it must now wait)."""

    def count(storage: Storage) -> tuple[int, int]:
        failures = storage.incr(f"failures:{key}", FAILURES_KEPT)
        wait = wait_after(failures, free, first_wait)
        if wait:
            storage.clear(f"wait:{key}")
            storage.incr(f"wait:{key}", wait)
        return failures, wait

    return _on_storage(count)


def _forget(key: str) -> None:
    """The counter `key` starts again with its free failures."""

    def clear(storage: Storage) -> None:
        storage.clear(f"failures:{key}")
        storage.clear(f"wait:{key}")

    _on_storage(clear)


def refuse_if_waiting(address: str, email: str) -> None:
    """Raise LockedOut while this address and e-mail wait after their failures (no password is checked)."""
    left = _waiting(_pair(address, email))
    if left:
        log.warning(
            "sign-in refused: %s waits %d s for e-mail %s after failed sign-ins", address, left, email_tag(email)
        )
        raise LockedOut(left)


def record_failed_sign_in(address: str, email: str, what: str = "failed sign-in") -> int:
    """Count a failed sign-in (a wrong password or second-factor code) for this client address and e-mail,
    logged as `what`; the seconds that pair must now wait before its next attempt (0 while its failures are
    free)."""
    failures, wait = _count_failure(_pair(address, email), _settings().SIGN_IN_FREE_FAILURES, FIRST_WAIT)
    log.warning("%s: %s, e-mail %s, %d failed in a row, waits %d s", what, address, email_tag(email), failures, wait)
    return wait


def forget_failures(address: str, email: str) -> None:
    """A successful sign-in: this address and e-mail start again with their free failures."""
    _forget(_pair(address, email))


def _codes(staff_id: int) -> str:
    return f"code:{staff_id}"


def refuse_if_codes_waiting(staff_id: int) -> None:
    """Raise LockedOut while this account waits after too many wrong second-factor codes (from any address)."""
    left = _waiting(_codes(staff_id))
    if left:
        log.warning("second-factor code refused: staff %s waits %d s after wrong codes", staff_id, left)
        raise TooManyWrongCodes(left)


def record_wrong_code(staff_id: int) -> int:
    """Count a wrong second-factor code for this account, wherever it came from (signing in from any address,
    or its second-factor settings): after SECOND_FACTOR_FREE_FAILURES the account waits 15 minutes, doubling up
    to an hour. Only someone holding the password (or a session) can cause it, so no stranger can lock a colleague
    out with it. The seconds the account must now wait (0 while its wrong codes are free)."""
    failures, wait = _count_failure(_codes(staff_id), _settings().SECOND_FACTOR_FREE_FAILURES, CODE_FIRST_WAIT)
    log.warning("wrong second-factor code: staff %s, %d wrong in a row, waits %d s", staff_id, failures, wait)
    return wait


def forget_wrong_codes(staff_id: int) -> None:
    """A correct code: the account starts again with its free wrong codes."""
    _forget(_codes(staff_id))


def _slots(size: int) -> threading.BoundedSemaphore:
    with _SLOTS_LOCK:
        if size not in _SLOTS:
            _SLOTS[size] = threading.BoundedSemaphore(size)
        return _SLOTS[size]


def current_password_matches(address: str, email: str, password_hash: str, password: str, what: str) -> bool:
    """A signed-in person's current password (changing it, or weakening the second factor), checked in a
    password-check slot; a wrong one counts as a failed sign-in of this address and e-mail, logged as `what`."""
    with password_check():
        right = verify_password(password_hash, password)
    if not right:
        record_failed_sign_in(address, email, what)
    return right


@contextmanager
def password_check() -> Iterator[None]:
    """Hold one of this process's password-check slots, or raise Busy at once when all are taken."""
    slots = _slots(max(1, _settings().SIGN_IN_CONCURRENT_CHECKS))
    if not slots.acquire(blocking=False):
        raise Busy()
    try:
        yield
    finally:
        slots.release()
