"""Publishing Celery tasks after the caller's transaction commits, never inside it.

A use case (or an outbox handler) asks with `publish_after_commit()`; the tasks go out on the session's next
`after_commit` event (SQLAlchemy also fires it when a savepoint is released), with a short timeout and no
blocking retry, and are forgotten when the transaction rolls back. A savepoint rollback keeps them: every task
published this way is idempotent and finds nothing to do for work that was rolled back. A broker failure only
delays the work: each kind of work has a sweeper that publishes what is still due.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: One task to publish: its registered name and its (JSON-serialisable) positional arguments.
TaskCall = tuple[str, Sequence[Any]]

_KEY = "publish_after_commit"


def publish_after_commit(s: Session, task_name: str, *args: Hashable, copies: int = 1, most: int | None = None) -> None:
    """Publish `copies` of a task once the session's transaction commits.

    Asking again for the same task and arguments in the same transaction adds copies, at most `most` in all.
    """
    if copies <= 0:
        return
    wanted: dict[tuple[str, tuple[Hashable, ...]], int] = s.info.setdefault(_KEY, {})
    key = (task_name, args)
    total = wanted.get(key, 0) + copies
    wanted[key] = total if most is None else min(total, most)


def send_tasks(items: Iterable[TaskCall]) -> int:
    """Publish tasks now through one producer; on a broker error log it and return how many went out."""
    calls = list(items)
    celery = current_app.extensions["celery"]
    sent = 0
    try:
        with celery.producer_or_acquire() as producer:
            for name, args in calls:
                celery.send_task(name, args=list(args), producer=producer, retry=False)
                sent += 1
    except Exception as exc:  # noqa: BLE001 - the broker is down or slow: the sweepers publish later
        log.warning("published %d of %d tasks, broker error (the sweepers will): %s", sent, len(calls), exc)
    return sent


@event.listens_for(Session, "after_commit")
def _publish_committed(s: Session) -> None:
    wanted = s.info.pop(_KEY, None)
    if wanted and has_app_context():
        send_tasks((name, args) for (name, args), copies in wanted.items() for _ in range(copies))


@event.listens_for(Session, "after_soft_rollback")
def _forget(s: Session, previous: Any) -> None:
    if not getattr(previous, "nested", False):
        s.info.pop(_KEY, None)
