"""The public words of a report's timeline entry and of its notification agree, in every language, and never show
a code: a rejection's reason comes in the vocabulary's words, also for entries and outbox events written before the
reason had a field of its own (their body was the reason's code)."""

from __future__ import annotations

import pytest

from backend.i18n import gettext
from backend.report_words import REASON, entry_words, status_words
from backend.vocabulary import RejectReason, label
from push.render import REOPENED, STATUS_TEXT, report_texts

LANGS = ("pl", "uk", "en")


def texts(payload: dict) -> dict[str, str]:
    out = report_texts(
        "report.status_changed",
        {"report_id": 1, **payload},
        public_id="KRK-2026-000001",
        service_names={"pl": "Dziura", "uk": "Вибоїна", "en": "Pothole"},
        fallback="pl",
    )
    return {lang: t.body for lang, t in out.items()}


@pytest.mark.parametrize("lang", LANGS)
def test_a_rejection_with_a_comment_reads_the_same_on_the_timeline_and_in_the_notification(lang: str) -> None:
    words = entry_words("status", "rejected", "Zgłoś to do ZDW.", {"reason": "not_our_responsibility"}, lang, "pl")
    reason = label("not_our_responsibility", lang, RejectReason)
    assert words == f"{gettext(REASON, lang, reason=reason)} Zgłoś to do ZDW."
    body = texts(
        {"from": "submitted", "to": "rejected", "body": "Zgłoś to do ZDW.", "reason": "not_our_responsibility"}
    )[lang]
    assert body == f"{gettext(STATUS_TEXT['rejected'], lang)} {words}"
    assert "not_our_responsibility" not in body


@pytest.mark.parametrize("lang", LANGS)
def test_an_entry_or_event_written_before_keeps_its_reason_in_words(lang: str) -> None:
    reason = gettext(REASON, lang, reason=label("invalid", lang, RejectReason))
    assert entry_words("status", "rejected", "invalid", {}, lang, "pl") == reason
    assert texts({"from": "submitted", "to": "rejected", "body": "invalid"})[lang] == (
        f"{gettext(STATUS_TEXT['rejected'], lang)} {reason}"
    )


def test_a_reason_only_counts_for_a_rejection_and_a_comment_only_as_written() -> None:
    assert status_words("in_progress", "invalid", None, "en") is None
    assert status_words("in_progress", None, "invalid", "en") == "invalid"  # a comment that happens to be a code
    assert status_words("resolved", None, None, "en") is None
    assert texts({"from": "rejected", "to": "in_progress", "body": "Jednak naprawimy."})["uk"] == (
        f"{gettext(REOPENED, 'uk')} Jednak naprawimy."
    )


def test_internal_entries_carry_no_public_words() -> None:
    for kind in ("note", "assignment", "priority", "moderation", "merged", "created"):
        assert entry_words(kind, None, "crew 7", {}, "en", "pl") is None
