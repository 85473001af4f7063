"""One way for the tests to wait: `eventually(probe)` instead of hand-written polling loops.

    eventually(lambda: statuses(app, ids) == {"done"}, what="every outbox row done")
    photo = eventually(lambda: thumbnail_of(photo_id), what="a thumbnail")   # returns the probe's value

The default timeout is generous on purpose: the suite also runs on a busy two-core CI machine, and a wait that
succeeds returns as soon as its probe does, so a long timeout costs only the runs that fail anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: Start-up of a process of our own (gunicorn, celery workers, a fake server): imports, migrations, forks.
STARTUP_TIMEOUT = 120.0
#: How much of the last value or exception the failure message shows.
SHOWN = 2000


def eventually(
    probe: Callable[[], T],
    *,
    timeout: float = 60.0,
    interval: float = 0.1,
    backoff: float = 1.0,
    max_interval: float = 2.0,
    what: str | Callable[[], str] = "the condition",
    retry_on: tuple[type[BaseException], ...] = (Exception,),
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call `probe` until it returns a truthy value, and return that value.

    An exception of a `retry_on` type counts as "not yet" (any other propagates at once). After `timeout`
    seconds an AssertionError names `what` (a string, or a function called only then, e.g. to add a log) and
    the last value or exception seen. The pause between calls starts at `interval` and is multiplied by
    `backoff` after each call, up to `max_interval`; the last call is made at the deadline. `sleep` may be
    replaced, e.g. by a Playwright page's own wait so that its event loop keeps running.
    """
    deadline = clock() + timeout
    pause = interval
    calls = 0
    last: object = None
    error: BaseException | None = None
    while True:
        calls += 1
        try:
            value = probe()
        except retry_on as exc:
            last, error = exc, exc
        else:
            if value:
                return value
            last, error = value, None
        remaining = deadline - clock()
        if remaining <= 0:
            break
        sleep(min(pause, remaining))
        pause = min(pause * backoff, max(max_interval, interval))
    described = what() if callable(what) else what
    seen = f"exception {type(last).__name__}: {last}" if error is not None else f"value {last!r}"
    if len(seen) > SHOWN:
        seen = seen[:SHOWN] + "…"
    raise AssertionError(f"gave up waiting for {described} after {timeout:g} s ({calls} tries); last {seen}") from error
