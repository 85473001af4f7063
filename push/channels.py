"""One batch of each channel: claim due rows, send them (FCM or SMTP), mark every outcome.

Ordinary failures (a timeout, 429/503) put rows back to `pending` with a later attempt time: nothing that was
accepted is sent again. Only a worker killed between the provider's acceptance and the commit of the marks
leaves rows `sending`; the repeats carry the notification's collapse key, so the phone shows one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from backend import links
from backend.db import session as current_session
from backend.i18n import pick
from backend.models import Delivery, Device, Jurisdiction, Notification, Resident, utcnow
from push import email, fcm
from push.claiming import claim, mark, outcome, raise_alarm, settings
from push.render import push_body

log = logging.getLogger(__name__)

EMAIL_BATCH = 50
_DEVICES = cast(Table, Device.__table__)

#: One push to send: (delivery id, device id, token, message).
Sending = tuple[int, int, str, fcm.PushMessage]


# -- the push channel --------------------------------------------------------------------------------------


def push_batch() -> int:
    """Claim, send and mark one batch of push deliveries; returns how many rows were claimed."""
    conf = settings()
    s = current_session()
    claimed = dict(claim(s, "push", conf.PUSH_CHUNK))
    if not claimed:
        s.rollback()
        return 0
    rows = _push_rows(s, list(claimed))
    s.commit()  # the claim is durable before anything leaves

    marks: list[dict[str, Any]] = []
    sending: list[Sending] = []
    for did, nid, title, body, data, topic, dev, token, revoked in rows:
        if token is None or revoked is not None:
            marks.append(outcome(did, claimed[did], "pruned", error="the device has no push token"))
            continue
        sending.append((did, dev, token, _push_message(nid, title, body, data, topic, token)))
    outcomes = _send_push(conf, [m for *_, m in sending])
    pruned, alarm = _mark_push_outcomes(sending, outcomes, claimed, marks)
    mark(s, marks)
    if pruned:
        _prune_tokens(s, pruned)
    if alarm:
        raise_alarm(s, "fcm.auth", alarm)
    s.commit()
    return len(claimed)


def _push_rows(s: Session, ids: list[int]) -> Sequence[Sequence[Any]]:
    """What each claimed push row sends, and to which device."""
    return s.execute(
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
        .where(Delivery.id.in_(ids))
    ).all()


def _push_message(
    nid: int, title: str, body: str, data: dict[str, Any] | None, topic: str, token: str
) -> fcm.PushMessage:
    """The FCM message of a notification; emergencies are high priority and time-sensitive."""
    emergency = topic == "emergency"
    return fcm.PushMessage(
        token=token,
        title=title,
        body=push_body(body),
        data={**{k: str(v) for k, v in (data or {}).items()}, "notification_id": str(nid), "topic": topic},
        collapse_key=f"hromada-n{nid}",
        high_priority=emergency,
        android_channel="emergency" if emergency else "updates",
        time_sensitive=emergency,
    )


def _send_push(conf: Any, messages: list[fcm.PushMessage]) -> list[fcm.Outcome]:
    """FCM's answer for each message; a failure of the whole call retries every message later."""
    config = fcm.FcmConfig(
        credentials_file=conf.FCM_CREDENTIALS_FILE, url=conf.FCM_URL, timeout=conf.FCM_TIMEOUT, chunk=conf.PUSH_CHUNK
    )
    try:
        return fcm.send(config, messages)
    except Exception as exc:  # noqa: BLE001 - the whole call failed: every message is retried later
        log.warning("push: send_each failed for %d messages: %s", len(messages), exc)
        return [fcm.Outcome("retry", error=f"{type(exc).__name__}: {exc}"[:1000])] * len(messages)


def _mark_push_outcomes(
    sending: list[Sending], outcomes: list[fcm.Outcome], claimed: dict[int, int], marks: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], str | None]:
    """Append the mark of every sent row; returns the tokens to prune and the alarm to raise (if any)."""
    pruned: list[dict[str, Any]] = []
    alarm: str | None = None
    for (did, dev, token, _), out in zip(sending, outcomes, strict=True):
        attempts = claimed[did]
        if out.kind == "sent":
            marks.append(outcome(did, attempts, "sent", provider=out.provider_id))
        elif out.kind == "prune":
            marks.append(outcome(did, attempts, "pruned", error=out.error))
            pruned.append({"p_id": dev, "p_token": token})
        elif out.kind == "failed":
            marks.append(outcome(did, attempts, "failed", error=out.error))
        else:  # retry, or alarm (retried too: the tokens are fine, the project's credentials are not)
            marks.append(outcome(did, attempts, "retry", error=out.error, retry_after=out.retry_after))
            if out.kind == "alarm":
                alarm = out.error
    return pruned, alarm


def _prune_tokens(s: Session, pruned: list[dict[str, Any]]) -> None:
    """Forget tokens FCM rejected, only if the device still has the token that failed (the app may have sent a
    new one)."""
    s.connection().execute(
        update(_DEVICES)
        .where(_DEVICES.c.id == bindparam("p_id"), _DEVICES.c.push_token == bindparam("p_token"))
        .values(push_token=None, push_token_pruned_at=utcnow()),
        pruned,
    )


# -- the e-mail channel ------------------------------------------------------------------------------------


def email_batch() -> int:
    """Claim, send and mark one batch of e-mails; returns how many rows were claimed."""
    s = current_session()
    claimed = dict(claim(s, "email", EMAIL_BATCH))
    if not claimed:
        s.rollback()
        return 0
    marks: list[dict[str, Any]] = []
    messages = _email_messages(s, _email_rows(s, list(claimed)), claimed, marks)
    s.commit()  # the claim, and the signed links of the messages, are durable before anything leaves
    try:
        results = email.send(messages)
    except Exception as exc:  # noqa: BLE001 - no SMTP connection: the whole batch waits
        log.warning("e-mail: no SMTP connection for %d messages: %s", len(messages), exc)
        results = {m.delivery_id: ("retry", f"{type(exc).__name__}: {exc}"[:1000]) for m in messages}
    for did, (kind, error) in results.items():
        marks.append(outcome(did, claimed[did], kind, error=error))
    mark(s, marks)
    s.commit()
    return len(claimed)


def _email_messages(
    s: Session, rows: Sequence[Sequence[Any]], claimed: dict[int, int], marks: list[dict[str, Any]]
) -> list[email.EmailMessage]:
    """The messages to send, each with its own signed links (added to `s`); rows of unsubscribed residents are
    marked failed instead."""
    conf = settings()
    messages: list[email.EmailMessage] = []
    for did, address, rid, lang, title, body, data, opted_out, city, city_lang in rows:
        if opted_out is not None or not address:
            marks.append(outcome(did, claimed[did], "failed", error="the resident unsubscribed"))
            continue
        link = conf.report_link((data or {}).get("public_id") or "")
        request_id = (data or {}).get("feedback_request_id")
        actions: tuple[tuple[str, str], ...] = ()
        if request_id:
            subject = {"request_id": int(request_id), "resident_id": rid, "lang": lang}
            token = links.issue(s, links.FEEDBACK, subject, timedelta(days=conf.LINK_FEEDBACK_DAYS))
            actions = email.feedback_actions(token, lang)
        unsubscribe = links.issue(
            s, links.UNSUBSCRIBE, {"resident_id": rid, "lang": lang}, timedelta(days=conf.LINK_UNSUBSCRIBE_DAYS)
        )
        city_name = pick(city, lang, city_lang or lang) if city else ""
        messages.append(email.EmailMessage(did, address, rid, lang, title, body, link, city_name, actions, unsubscribe))
    return messages


def _email_rows(s: Session, ids: list[int]) -> Sequence[Sequence[Any]]:
    """What each claimed e-mail row sends, to whom, and from which city."""
    return s.execute(
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
        .where(Delivery.id.in_(ids))
    ).all()
