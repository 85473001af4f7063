"""Signed links for e-mails: a random nonce, a purpose, an expiry, and acting once.

A link's token is 256 random bits (URL-safe); the database keeps only its SHA-256 (`backend.security.digest`), so a
copy of the database gives no working link, and a token says nothing about what it is for or whom it concerns.
Opening a link's page uses `peek` (changes nothing: mail scanners open links); only the page's POST calls
`consume`, which locks the row and marks it used within the caller's transaction, so the link acts once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.errors import DomainError
from backend.i18n import gettext
from backend.models import SignedLink, utcnow
from backend.security import digest, new_token

FEEDBACK = "feedback"
UNSUBSCRIBE = "unsubscribe"
PASSWORD_RESET = "password-reset"  # noqa: S105 (a link purpose, not a secret)
PURPOSES = (FEEDBACK, UNSUBSCRIBE, PASSWORD_RESET)

# What `new_token` makes: 43 URL-safe base64 characters. Anything else is refused before the database is asked.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
# The old format's salts (itsdangerous' URLSafeSerializer with the app's SECRET_KEY), and its longest token.
_LEGACY_SALTS = {FEEDBACK: "feedback-answer", UNSUBSCRIBE: "email-unsubscribe"}
_LEGACY_MAX = 500


@dataclass(frozen=True)
class Link:
    purpose: str
    subject: dict[str, Any]
    expires_at: datetime
    used_at: datetime | None


class LinkInvalid(DomainError):
    """Unknown, forged, mistyped, or made for another purpose."""

    status = 404

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message or gettext("This link is not valid. Check that it was copied in full."), **kwargs)


class LinkExpired(DomainError):
    """Past its expiry, or of the old format (signed ids, no expiry); `link` is the expired link, if one of ours."""

    status = 410

    def __init__(self, message: str | None = None, *, link: Link | None = None, **kwargs: Any) -> None:
        super().__init__(message or gettext("This link has expired."), **kwargs)
        self.link = link


class LinkUsed(DomainError):
    """It acted already; `link` is the used link."""

    status = 409

    def __init__(self, message: str | None = None, *, link: Link | None = None, **kwargs: Any) -> None:
        super().__init__(message or gettext("This link has already been used."), **kwargs)
        self.link = link


def issue(s: Session, purpose: str, subject: dict[str, Any], ttl: timedelta) -> str:
    """A new URL-safe token; its row is added to `s` (committed with the caller's unit of work)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    token = new_token()
    s.add(
        SignedLink(
            nonce_hash=digest(token), purpose=purpose, subject=dict(subject), expires_at=utcnow() + ttl, used_at=None
        )
    )
    return token


def peek(s: Session, purpose: str, token: str) -> Link:
    """The link, or LinkInvalid/LinkExpired/LinkUsed; changes nothing."""
    return _checked(_find(s, purpose, token, lock=False))


def consume(s: Session, purpose: str, token: str) -> Link:
    """The same checks under a row lock, then marks it used in s's transaction (acts once)."""
    row = _find(s, purpose, token, lock=True)
    _checked(row)
    row.used_at = utcnow()
    s.flush()
    return _link(row)


def purge(s: Session, expired_for: timedelta) -> int:
    """Delete links that expired more than `expired_for` ago; the number deleted."""
    result = s.execute(delete(SignedLink).where(SignedLink.expires_at < utcnow() - expired_for))
    return int(getattr(result, "rowcount", 0) or 0)


def is_legacy(token: str) -> bool:
    """Whether a token has the old format of e-mail links (signed ids, no expiry): it holds a dot, new ones never do.
    Such links still sit in mailboxes; they open a page saying they expired and act on nothing."""
    return isinstance(token, str) and "." in token and len(token) <= _LEGACY_MAX


def legacy_subject(purpose: str, token: str) -> Any | None:
    """What an old-format link of this purpose named (feedback: [request id, resident id]; unsubscribe: the
    resident id), when its signature holds with the current secret key; else None. Only for showing the page."""
    salt = _LEGACY_SALTS.get(purpose)
    if salt is None or not is_legacy(token):
        return None
    try:
        return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt).loads(token)
    except BadSignature:
        return None


def _find(s: Session, purpose: str, token: str, *, lock: bool) -> SignedLink:
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise LinkInvalid()
    query = select(SignedLink).where(SignedLink.nonce_hash == digest(token))
    if lock:
        query = query.with_for_update()
    row = s.scalars(query).one_or_none()
    if row is None or row.purpose != purpose:
        raise LinkInvalid()
    return row


def _checked(row: SignedLink) -> Link:
    if row.used_at is not None:
        raise LinkUsed(link=_link(row))
    if row.expires_at <= utcnow():
        raise LinkExpired(link=_link(row))
    return _link(row)


def _link(row: SignedLink) -> Link:
    return Link(purpose=row.purpose, subject=dict(row.subject), expires_at=row.expires_at, used_at=row.used_at)
