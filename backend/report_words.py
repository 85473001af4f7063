"""What the public reads with an entry of a report's timeline, in the reader's language: a reply as staff wrote it;
a status change's rejection reason in words (from the vocabulary) followed by its public comment; a merge by the
public id of the report it went into; a new category by its name; a corrected location by its address. The resident
API's timeline, Open311's status notes and the notifications all read these words, so they never tell a change
differently."""

from __future__ import annotations

from typing import Any

from backend.i18n import gettext, pick
from backend.vocabulary import RejectReason, ReportStatus, label

#: The timeline entries residents see (internal notes, assignments, priorities, moderation never). A merge is the
#: duplicate's one status entry (to `duplicate`); the separate `merged` entries of earlier merges are internal.
PUBLIC_KINDS = ("created", "status", "reply", "recategorised", "moved")
#: The entries Open311's status notes are made of (the master is also Open311's `duplicate_of`).
NOTE_KINDS = PUBLIC_KINDS

REASON = "Reason: {reason}."
RECATEGORISED_TO = "Moved to the category {service}."
MOVED_TO = "Location corrected to {address}."
MOVED = "Location corrected on the map."
MERGED_INTO = "Merged into report {report}."
MERGED = "Merged into another report."


def status_words(to_status: str | None, reason: str | None, comment: str | None, lang: str) -> str | None:
    """A status change's public words: a rejection's reason in words, then the comment; None without either."""
    if to_status != ReportStatus.REJECTED:
        reason = None
    elif not reason and comment in set(RejectReason):
        reason, comment = comment, None  # written before the reason had a field of its own: the body was its code
    parts = []
    if reason:
        parts.append(gettext(REASON, lang, reason=label(reason, lang, RejectReason)))
    if comment:
        parts.append(comment)
    return " ".join(parts) or None


def recategorised_words(service_names: dict[str, str], lang: str, fallback: str) -> str:
    return gettext(RECATEGORISED_TO, lang, service=pick(service_names, lang, fallback))


def merged_words(master_public_id: str | None, lang: str) -> str:
    return gettext(MERGED_INTO, lang, report=master_public_id) if master_public_id else gettext(MERGED, lang)


def moved_words(address: str | None, lang: str) -> str:
    return gettext(MOVED_TO, lang, address=address) if address else gettext(MOVED, lang)


def entry_words(
    kind: str, to_status: str | None, body: str | None, data: dict[str, Any] | None, lang: str, fallback: str
) -> str | None:
    """The public words of a timeline entry (None for an entry that carries none)."""
    data = data or {}
    if kind == "reply":
        return body
    if kind == "status" and to_status == ReportStatus.DUPLICATE:
        return merged_words(data.get("master"), lang)
    if kind == "status":
        return status_words(to_status, data.get("reason"), body, lang)
    if kind == "recategorised" and data.get("service_name"):
        return recategorised_words(data["service_name"], lang, fallback)
    if kind == "moved":
        return moved_words(data.get("address"), lang)
    return None
