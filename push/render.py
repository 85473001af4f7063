"""Notification texts in the recipient's language (English msgids, Babel catalogues for pl and uk)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.i18n import LANGUAGES, gettext, pick
from backend.vocabulary import RejectReason, ReportStatus

#: Body of a status change, per new status (the reopening is told apart by where it came from). A sentence, not
#: the status's label (`backend.vocabulary`): residents are told what happened, in words of their language.
STATUS_TEXT: dict[str, str] = {
    ReportStatus.ACKNOWLEDGED: "The city has acknowledged this report.",
    ReportStatus.IN_PROGRESS: "Work on this report has started.",
    ReportStatus.RESOLVED: "This report has been marked as fixed.",
    ReportStatus.CLOSED: "This report has been closed.",
    ReportStatus.REJECTED: "This report was rejected: {reason}.",
}
REOPENED = "This report has been reopened."
#: A report moved back to work from one of these was reopened.
_CLOSING = (ReportStatus.RESOLVED, ReportStatus.CLOSED, ReportStatus.REJECTED)
#: Why a report was rejected, as the end of the sentence above; one per `RejectReason`.
REASONS: dict[str, str] = {
    RejectReason.INVALID: "it is not a valid report",
    RejectReason.DUPLICATE: "it duplicates another report",
    RejectReason.NOT_OUR_RESPONSIBILITY: "it is not the city's responsibility",
}
REPLY = "The city replied: {reply}"
MERGED = "This report was merged into {master}; you will now be told about that one."
STATUS_COMMENT = "{text} {comment}"
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
            to, came_from = payload.get("to"), payload.get("from")
            if to == ReportStatus.IN_PROGRESS and came_from in _CLOSING:
                body = gettext(REOPENED, lang)
            elif to == ReportStatus.REJECTED:
                reason = REASONS.get(str(payload.get("body")), "")
                body = gettext(
                    STATUS_TEXT[ReportStatus.REJECTED], lang, reason=gettext(reason, lang) if reason else "—"
                )
            else:
                body = gettext(STATUS_TEXT.get(str(to), "This report has been updated."), lang)
                if payload.get("body"):
                    body = STATUS_COMMENT.format(text=body, comment=payload["body"])
        elif kind == "report.replied":
            body = gettext(REPLY, lang, reply=payload.get("body") or "")
        elif kind == "report.merged":
            body = gettext(MERGED, lang, master=master_public_id or "")
        elif kind == "report.feedback_requested":
            body = gettext(FEEDBACK, lang)
        else:
            body = gettext("This report has been updated.", lang)
        out[lang] = Text(title, body)
    return out


def push_body(body: str) -> str:
    """A body short enough for a lock screen."""
    return body if len(body) <= PUSH_BODY_MAX else body[: PUSH_BODY_MAX - 1].rstrip() + "…"
