"""Notification texts in the recipient's language (English msgids, Babel catalogues for pl and uk)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.i18n import LANGUAGES, gettext, pick
from backend.report_words import moved_words, recategorised_words, status_words
from backend.vocabulary import ReportStatus

#: Body of a status change, per new status (the reopening is told apart by where it came from). A sentence, not
#: the status's label (`backend.vocabulary`): residents are told what happened, in words of their language; the
#: rejection's reason and the public comment follow it, as the public timeline shows them (`backend.report_words`).
STATUS_TEXT: dict[str, str] = {
    ReportStatus.ACKNOWLEDGED: "The city has acknowledged this report.",
    ReportStatus.IN_PROGRESS: "Work on this report has started.",
    ReportStatus.RESOLVED: "This report has been marked as fixed.",
    ReportStatus.CLOSED: "This report has been closed.",
    ReportStatus.REJECTED: "This report was rejected.",
}
REOPENED = "This report has been reopened."
#: A report moved back to work from one of these was reopened.
_CLOSING = (ReportStatus.RESOLVED, ReportStatus.CLOSED, ReportStatus.REJECTED)
REPLY = "The city replied: {reply}"
MERGED = "This report was merged into {master}; you will now be told about that one."
FEEDBACK = "Is it fixed? Tell us how satisfied you are with how it was handled."
#: Push bodies are cut here (the inbox and the e-mail keep the whole text).
PUSH_BODY_MAX = 240


@dataclass(frozen=True)
class Text:
    title: str
    body: str


def report_texts(
    kind: str,
    payload: dict[str, Any],
    *,
    public_id: str,
    service_names: dict[str, str],
    fallback: str,
    master_public_id: str | None = None,
) -> dict[str, Text]:
    """The notification for a report event in every language, keyed by language."""
    out: dict[str, Text] = {}
    for lang in LANGUAGES:
        title = f"{pick(service_names, lang, fallback)} · {public_id}"
        if kind == "report.status_changed":
            body = _status_body(payload, lang)
        elif kind == "report.replied":
            body = gettext(REPLY, lang, reply=payload.get("body") or "")
        elif kind == "report.recategorised":
            body = recategorised_words(payload.get("service_name") or service_names, lang, fallback)
        elif kind == "report.moved":
            body = moved_words(payload.get("address"), lang)
        elif kind == "report.merged":
            body = gettext(MERGED, lang, master=master_public_id or "")
        elif kind == "report.feedback_requested":
            body = gettext(FEEDBACK, lang)
        else:
            body = gettext("This report has been updated.", lang)
        out[lang] = Text(title, body)
    return out


def _status_body(payload: dict[str, Any], lang: str) -> str:
    """What happened (the new status, or the reopening), then the rejection's reason and the comment, if any."""
    to, came_from = payload.get("to"), payload.get("from")
    if to == ReportStatus.IN_PROGRESS and came_from in _CLOSING:
        text = gettext(REOPENED, lang)
    else:
        text = gettext(STATUS_TEXT.get(str(to), "This report has been updated."), lang)
    words = status_words(to, payload.get("reason"), payload.get("body"), lang)
    return f"{text} {words}" if words else text


def push_body(body: str) -> str:
    """A body short enough for a lock screen."""
    return body if len(body) <= PUSH_BODY_MAX else body[: PUSH_BODY_MAX - 1].rstrip() + "…"
