"""Delivery tasks: started after the fan-out commits, batch after batch, and by a sweeper.

At-least-once per (notification, device): rows are claimed before sending and marked after (`push.claiming`),
one batch per channel at a time (`push.channels`). Ordinary failures put rows back to `pending` with a later
attempt time; a redelivered task finds nothing claimed twice. Only a worker killed between FCM's acceptance
and the commit of the marks leaves rows `sending`; when their lease expires the sweeper makes them due again,
and the repeats carry the notification's collapse key, so the phone shows one.
"""

from __future__ import annotations

import logging
import math
import time

from celery import shared_task
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db import session as current_session
from backend.models import CHANNELS, Delivery, utcnow
from backend.publishing import publish_after_commit, send_tasks
from push.channels import EMAIL_BATCH, email_batch, push_batch
from push.claiming import drop_expired, release_expired, settings

__all__ = ["deliver", "enabled", "kick", "push_batch", "request_delivery", "sweep"]

log = logging.getLogger(__name__)

DELIVER = "hromada.push.deliver"
#: A delivery task stops taking new batches after this many seconds (tasks have a 240 s soft limit).
TASK_BUDGET_SECONDS = 180


def enabled(channel: str) -> bool:
    """Push needs FCM credentials, e-mail an SMTP server; without them the inbox still gets everything."""
    s = settings()
    return bool(s.FCM_CREDENTIALS_FILE) if channel == "push" else bool(s.MAIL_SERVER)


def _tasks_for(channel: str, rows: int) -> tuple[int, int]:
    """(delivery tasks for about `rows` due rows, the most that may run at once)."""
    conf = settings()
    size = conf.PUSH_CHUNK if channel == "push" else EMAIL_BATCH
    return max(1, min(conf.PUSH_PARALLEL, math.ceil(rows / max(size, 1)))), conf.PUSH_PARALLEL


def request_delivery(s: Session, channel: str, rows: int) -> None:
    """Ask for delivery tasks once the caller's transaction commits (never inside it)."""
    if rows > 0:
        tasks, most = _tasks_for(channel, rows)
        publish_after_commit(s, DELIVER, channel, copies=tasks, most=most)


def kick(channel: str, rows: int) -> int:
    """Publish delivery tasks for about `rows` due rows now; a broker failure leaves them to the sweeper."""
    tasks, _ = _tasks_for(channel, rows)
    return send_tasks((DELIVER, [channel]) for _ in range(tasks))


@shared_task(name=DELIVER, ignore_result=True)
def deliver(channel: str) -> int:
    """Deliver due rows of a channel, batch after batch, until none is due (or the time budget ends)."""
    batch = push_batch if channel == "push" else email_batch
    started, total = time.monotonic(), 0
    while time.monotonic() - started < TASK_BUDGET_SECONDS:
        n = batch()
        if n == 0:
            break
        total += n
    else:
        kick(channel, 1)  # budget spent with work left: hand over to a fresh task
    return total


@shared_task(name="hromada.push.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    """Release expired claims and start delivery tasks for the channels with due rows (beat, every few s)."""
    s = current_session()
    released = release_expired(s)
    drop_expired(s)
    conf, due = settings(), {}
    for channel in CHANNELS:
        due_rows = (
            select(Delivery.id)
            .where(Delivery.status == "pending", Delivery.channel == channel, Delivery.next_attempt_at <= utcnow())
            .limit(conf.PUSH_CHUNK * conf.PUSH_PARALLEL)
            .subquery()
        )
        n = s.execute(select(func.count()).select_from(due_rows)).scalar_one()
        if n:
            due[channel] = n
    s.commit()
    if released:
        log.warning("push: %d deliveries released after their lease expired", released)
    for channel, n in due.items():
        kick(channel, n)
    return {"released": released, **due}
