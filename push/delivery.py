"""Delivery rows: claimed before sending, marked after, retried through `next_attempt_at`.

At-least-once per (notification, device). A batch is claimed (status `sending`, a lease, attempts + 1) and
that claim is committed before anything is sent; the outcome of every message is then written with the
attempt number as a fence, so a batch whose lease expired and was taken by another worker is not marked
twice. Ordinary failures (a timeout, 429/503, a redelivered task) put rows back to `pending` with a later
attempt time: nothing that was accepted is sent again. Only a worker killed between FCM's acceptance and
the commit of the marks leaves rows `sending`; when their lease expires the sweeper makes them due again,
and the repeats carry the notification's collapse key, so the phone shows one.
"""

from __future__ import annotations

import logging
import math
import random
import time
from datetime import timedelta
from typing import Any

from celery import shared_task
from flask import current_app, has_app_context
from sqlalchemy import bindparam, case, event, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from backend.db import session as current_session
from backend.i18n import pick
from backend.models import CHANNELS, Delivery, Device, Jurisdiction, Notification, PushAlarm, Resident, utcnow
from push import email, fcm
from push.render import push_body

log = logging.getLogger(__name__)

#: A delivery task stops taking new batches after this many seconds (tasks have a 240 s soft limit).
TASK_BUDGET_SECONDS = 180
EMAIL_BATCH = 50
_DELIVERIES = Delivery.__table__
_DEVICES = Device.__table__


def settings() -> Any:
    return current_app.config["HROMADA_SETTINGS"]


def enabled(channel: str) -> bool:
    """Push needs FCM credentials, e-mail an SMTP server; without them the inbox still gets everything."""
    s = settings()
    return bool(s.FCM_CREDENTIALS_FILE) if channel == "push" else bool(s.MAIL_SERVER)


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds before the next attempt: 2 s doubling, with jitter, at least Retry-After, at most the cap."""
    cap = settings().PUSH_BACKOFF_CAP
    base = min(2.0 * 2 ** max(attempts - 1, 0), cap)
    delay = base * random.uniform(0.75, 1.25)  # noqa: S311 - jitter, not security
    return min(max(delay, retry_after or 0.0), cap)


# -- kicking delivery tasks after the fan-out commits ------------------------------------------------------


def request_delivery(s: Session, channel: str, rows: int) -> None:
    """Ask for delivery tasks once the caller's transaction commits (never inside it)."""
    if rows > 0:
        wanted = s.info.setdefault("push_kick", {})
        wanted[channel] = wanted.get(channel, 0) + rows


@event.listens_for(Session, "after_commit")
def _kick_after_commit(s: Session) -> None:
    wanted = s.info.pop("push_kick", None)
    if wanted and has_app_context():
        for channel, rows in wanted.items():
            kick(channel, rows)


@event.listens_for(Session, "after_soft_rollback")
def _forget(s: Session, previous: Any) -> None:
    if not getattr(previous, "nested", False):
        s.info.pop("push_kick", None)


def kick(channel: str, rows: int) -> int:
    """Publish delivery tasks for about `rows` due rows; a broker failure leaves them to the sweeper."""
    conf = settings()
    size = conf.PUSH_CHUNK if channel == "push" else EMAIL_BATCH
    tasks = max(1, min(conf.PUSH_PARALLEL, math.ceil(rows / max(size, 1))))
    celery = current_app.extensions["celery"]
    sent = 0
    try:
        with celery.producer_or_acquire() as producer:
            for _ in range(tasks):
                celery.send_task("hromada.push.deliver", args=[channel], producer=producer, retry=False)
                sent += 1
    except Exception as exc:  # noqa: BLE001 - the broker is down: the sweeper kicks later
        log.warning("push: could not publish delivery tasks (%s); the sweeper will", exc)
    return sent


# -- claiming and marking ----------------------------------------------------------------------------------


def claim(s: Session, channel: str, limit: int) -> list[tuple[int, int]]:
    """Take up to `limit` due rows of a channel, emergencies first: (delivery id, attempt number); committed by
    the caller. Rows past their expiry are left to the sweeper."""
    now = utcnow()
    due = (
        select(Delivery.id)
        .where(
            Delivery.status == "pending",
            Delivery.channel == channel,
            Delivery.next_attempt_at <= now,
            or_(Delivery.expires_at.is_(None), Delivery.expires_at > now),
        )
        .order_by(Delivery.priority, Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    lease = timedelta(seconds=settings().PUSH_LEASE_SECONDS)
    rows = s.execute(
        update(_DELIVERIES)
        .where(_DELIVERIES.c.id.in_(due.scalar_subquery()))
        .values(status="sending", lease_until=now + lease, attempts=_DELIVERIES.c.attempts + 1)
        .returning(_DELIVERIES.c.id, _DELIVERIES.c.attempts)
    ).all()
    return [(r[0], r[1]) for r in rows]


_MARK = (
    update(_DELIVERIES)
    .where(
        _DELIVERIES.c.id == bindparam("d_id"),
        _DELIVERIES.c.attempts == bindparam("d_attempts"),
        _DELIVERIES.c.status == "sending",
    )
    .values(
        status=bindparam("d_status"),
        next_attempt_at=bindparam("d_next"),
        sent_at=bindparam("d_sent"),
        provider_id=bindparam("d_provider"),
        error=bindparam("d_error"),
        lease_until=None,
    )
)


def mark(s: Session, marks: list[dict[str, Any]]) -> None:
    """Write outcomes (only on rows still claimed by this attempt)."""
    if marks:
        s.connection().execute(_MARK, marks)


def _mark(
    delivery_id: int,
    attempts: int,
    status: str,
    *,
    error: str | None = None,
    provider: str | None = None,
    retry_after: float | None = None,
) -> dict[str, Any]:
    now = utcnow()
    if status == "retry":
        if attempts >= settings().PUSH_MAX_ATTEMPTS:
            status, error = "failed", f"gave up after {attempts} attempts: {error}"
        else:
            return {
                "d_id": delivery_id,
                "d_attempts": attempts,
                "d_status": "pending",
                "d_error": error,
                "d_next": now + timedelta(seconds=backoff(attempts, retry_after)),
                "d_sent": None,
                "d_provider": None,
            }
    return {
        "d_id": delivery_id,
        "d_attempts": attempts,
        "d_status": status,
        "d_error": error,
        "d_next": now,
        "d_sent": now if status == "sent" else None,
        "d_provider": provider,
    }


def raise_alarm(s: Session, kind: str, detail: str) -> bool:
    """Log an operator alarm at most once per ALARM_PERIOD_SECONDS (shared by all workers)."""
    now = utcnow()
    fresh = now - timedelta(seconds=settings().ALARM_PERIOD_SECONDS)
    stmt = insert(PushAlarm).values(kind=kind, raised_at=now, detail=detail, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[PushAlarm.kind],
        set_={
            "count": PushAlarm.count + 1,
            "detail": detail,
            # keep the last alarm time unless it is older than the period: then this one is a new alarm
            "raised_at": case((PushAlarm.raised_at < fresh, stmt.excluded.raised_at), else_=PushAlarm.raised_at),
        },
    )
    raised_at = s.execute(stmt.returning(PushAlarm.raised_at)).scalar_one()
    if raised_at == now:
        log.error("ALARM %s: %s", kind, detail)
        return True
    return False


# -- the push channel --------------------------------------------------------------------------------------


def push_batch() -> int:
    """Claim, send and mark one batch of push deliveries; returns how many rows were claimed."""
    conf = settings()
    s = current_session()
    claimed = dict(claim(s, "push", conf.PUSH_CHUNK))
    if not claimed:
        s.rollback()
        return 0
    rows = s.execute(
        select(
            Delivery.id,
            Notification.id,
            Notification.title,
            Notification.body,
            Notification.data,
            Notification.topic,
            Device.id,
            Device.push_token,
            Device.revoked_at,
        )
        .join(Notification, Notification.id == Delivery.notification_id)
        .join(Device, Device.id == Delivery.device_id)
        .where(Delivery.id.in_(list(claimed)))
    ).all()
    s.commit()  # the claim is durable before anything leaves

    marks: list[dict[str, Any]] = []
    sending: list[tuple[int, int, str, fcm.PushMessage]] = []
    for did, nid, title, body, data, topic, dev, token, revoked in rows:
        if token is None or revoked is not None:
            marks.append(_mark(did, claimed[did], "pruned", error="the device has no push token"))
            continue
        sending.append(
            (
                did,
                dev,
                token,
                fcm.PushMessage(
                    token=token,
                    title=title,
                    body=push_body(body),
                    data={**{k: str(v) for k, v in (data or {}).items()}, "notification_id": str(nid), "topic": topic},
                    collapse_key=f"hromada-n{nid}",
                    high_priority=topic == "emergency",
                    android_channel="emergency" if topic == "emergency" else "updates",
                    time_sensitive=topic == "emergency",
                ),
            )
        )
    config = fcm.FcmConfig(
        credentials_file=conf.FCM_CREDENTIALS_FILE, url=conf.FCM_URL, timeout=conf.FCM_TIMEOUT, chunk=conf.PUSH_CHUNK
    )
    try:
        outcomes = fcm.send(config, [m for *_, m in sending])
    except Exception as exc:  # noqa: BLE001 - the whole call failed: every message is retried later
        log.warning("push: send_each failed for %d messages: %s", len(sending), exc)
        outcomes = [fcm.Outcome("retry", error=f"{type(exc).__name__}: {exc}"[:1000])] * len(sending)
    pruned: list[dict[str, Any]] = []
    alarm: str | None = None
    for (did, dev, token, _), out in zip(sending, outcomes, strict=True):
        attempts = claimed[did]
        if out.kind == "sent":
            marks.append(_mark(did, attempts, "sent", provider=out.provider_id))
        elif out.kind == "prune":
            marks.append(_mark(did, attempts, "pruned", error=out.error))
            pruned.append({"p_id": dev, "p_token": token})
        elif out.kind == "failed":
            marks.append(_mark(did, attempts, "failed", error=out.error))
        else:  # retry, or alarm (retried too: the tokens are fine, the project's credentials are not)
            marks.append(_mark(did, attempts, "retry", error=out.error, retry_after=out.retry_after))
            if out.kind == "alarm":
                alarm = out.error
    mark(s, marks)
    if pruned:  # only if the device still has the token that failed (the app may have sent a new one)
        s.connection().execute(
            update(_DEVICES)
            .where(_DEVICES.c.id == bindparam("p_id"), _DEVICES.c.push_token == bindparam("p_token"))
            .values(push_token=None, push_token_pruned_at=utcnow()),
            pruned,
        )
    if alarm:
        raise_alarm(s, "fcm.auth", alarm)
    s.commit()
    return len(claimed)


# -- the e-mail channel ------------------------------------------------------------------------------------


def email_batch() -> int:
    """Claim, send and mark one batch of e-mails; returns how many rows were claimed."""
    s = current_session()
    claimed = dict(claim(s, "email", EMAIL_BATCH))
    if not claimed:
        s.rollback()
        return 0
    rows = s.execute(
        select(
            Delivery.id,
            Delivery.address,
            Notification.resident_id,
            Notification.locale,
            Notification.title,
            Notification.body,
            Notification.data,
            Resident.email_opt_out_at,
            Jurisdiction.name,
            Jurisdiction.default_language,
        )
        .join(Notification, Notification.id == Delivery.notification_id)
        .join(Resident, Resident.id == Notification.resident_id)
        .outerjoin(Jurisdiction, Jurisdiction.id == Notification.jurisdiction_id)
        .where(Delivery.id.in_(list(claimed)))
    ).all()
    s.commit()
    template = settings().REPORT_LINK_TEMPLATE
    marks: list[dict[str, Any]] = []
    messages: list[email.EmailMessage] = []
    for did, address, rid, lang, title, body, data, opted_out, city, city_lang in rows:
        if opted_out is not None or not address:
            marks.append(_mark(did, claimed[did], "failed", error="the resident unsubscribed"))
            continue
        link = template.format(public_id=(data or {}).get("public_id", "")) if template else None
        request_id = (data or {}).get("feedback_request_id")
        actions = email.feedback_actions(int(request_id), rid, lang) if request_id else ()
        messages.append(
            email.EmailMessage(
                did, address, rid, lang, title, body, link, pick(city, lang, city_lang or lang) if city else "", actions
            )
        )
    try:
        results = email.send(messages)
    except Exception as exc:  # noqa: BLE001 - no SMTP connection: the whole batch waits
        log.warning("e-mail: no SMTP connection for %d messages: %s", len(messages), exc)
        results = {m.delivery_id: ("retry", f"{type(exc).__name__}: {exc}"[:1000]) for m in messages}
    for did, (kind, error) in results.items():
        marks.append(_mark(did, claimed[did], kind, error=error))
    mark(s, marks)
    s.commit()
    return len(claimed)


# -- tasks -------------------------------------------------------------------------------------------------


@shared_task(name="hromada.push.deliver", ignore_result=True)
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


def release_expired(s: Session) -> int:
    """Rows whose claim outlived its lease (a killed worker) become due again."""
    return s.execute(
        update(_DELIVERIES)
        .where(_DELIVERIES.c.status == "sending", _DELIVERIES.c.lease_until < utcnow())
        .values(status="pending", lease_until=None, next_attempt_at=utcnow())
    ).rowcount


def drop_expired(s: Session) -> int:
    """Pending rows of an expired broadcast are never sent: they fail with the reason."""
    return s.execute(
        update(_DELIVERIES)
        .where(_DELIVERIES.c.status == "pending", _DELIVERIES.c.expires_at <= utcnow())
        .values(status="failed", error="expired before it could be sent")
    ).rowcount


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
