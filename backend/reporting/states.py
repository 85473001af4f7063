"""The report state machine, in one place: which status may follow which, which moves are reopenings and
why a report may be rejected. Pure rules, no I/O; the triage actions and a resident's "not fixed" both obey
them."""

from __future__ import annotations

from backend.errors import Conflict, DomainError
from backend.i18n import current_language, gettext
from backend.vocabulary import OPEN_REPORT_STATUSES, RejectReason, ReportStatus, label

#: from -> allowed targets. "duplicate" is reached only by merging; nothing returns to "submitted".
TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"acknowledged", "in_progress", "resolved", "rejected"}),
    "acknowledged": frozenset({"in_progress", "resolved", "rejected"}),
    "in_progress": frozenset({"resolved", "rejected"}),
    "resolved": frozenset({"closed", "in_progress"}),
    "closed": frozenset({"in_progress"}),
    "rejected": frozenset({"in_progress"}),
    "duplicate": frozenset(),
}

#: A move to "in_progress" from one of these reopens the report: a new SLA clock, closing times cleared.
REOPEN_FROM = frozenset({"resolved", "closed", "rejected"})

#: A resident's "not fixed" reopens only what staff called done (a rejection is staff's to revisit).
RESIDENT_REOPEN_FROM = frozenset({"resolved", "closed"})

#: Only a report still open may be merged into another one as its duplicate (a finished one keeps how it ended).
MERGE_FROM = frozenset(OPEN_REPORT_STATUSES)

#: Why a report may be rejected (their words: `backend.vocabulary.RejectReason`).
REJECT_REASONS = tuple(r.value for r in RejectReason)


def is_reopening(current: str, to_status: str) -> bool:
    return to_status == "in_progress" and current in REOPEN_FROM


def _words(status: str) -> str:
    return label(status, current_language(), ReportStatus)


def check_move(current: str, to_status: str, reason: str | None = None) -> None:
    """Refuse a move the state machine does not allow (409), a rejection without a known reason, or a reason given
    with any other move (422)."""
    if to_status != ReportStatus.REJECTED and reason:
        raise DomainError(gettext("A reason is given only when rejecting a report."), field="reason")
    if to_status not in TRANSITIONS.get(current, frozenset()):
        raise Conflict(
            gettext("A report cannot go from {a} to {b}.", a=_words(current), b=_words(to_status)), field="status"
        )
    if to_status == ReportStatus.REJECTED and reason not in REJECT_REASONS:
        raise DomainError(
            gettext("Rejecting needs a reason: {reasons}.", reasons=", ".join(_reasons_in_words())), field="reason"
        )


def _reasons_in_words() -> list[str]:
    return [label(r, current_language(), RejectReason) for r in REJECT_REASONS]


def check_merge(current: str) -> None:
    """Refuse to merge a report that is no longer open (409, naming its status in words)."""
    if current == ReportStatus.DUPLICATE:
        raise Conflict(gettext("Merged reports cannot be merged again."), field="status")
    if current not in MERGE_FROM:
        raise Conflict(
            gettext("Only an open report can be merged into another; this one is: {status}.", status=_words(current)),
            field="status",
        )
