"""The report rules staff and residents meet: which moves the state machine refuses and why, what counts as a
reopening, and the one SLA clock of a report (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.errors import Conflict, DomainError
from backend.models import Jurisdiction, Report, Service
from backend.reporting.sla import due_for
from backend.reporting.states import REJECT_REASONS, check_move, is_reopening
from backend.vocabulary import label


def test_a_move_the_machine_does_not_allow_is_a_conflict_naming_both_statuses() -> None:
    with pytest.raises(Conflict) as exc:
        check_move("closed", "acknowledged")
    # Both statuses are named in words (the reader's language; English outside a request), never as codes.
    assert exc.value.message == "A report cannot go from Closed to Acknowledged." and exc.value.field == "status"
    check_move("submitted", "acknowledged")  # allowed: no error


def test_rejecting_needs_one_of_the_known_reasons() -> None:
    with pytest.raises(DomainError) as exc:
        check_move("submitted", "rejected")
    assert exc.value.field == "reason"
    assert all(label(r, "en", "reject_reason") in exc.value.message for r in REJECT_REASONS)
    assert not any(r in exc.value.message for r in REJECT_REASONS)  # words, not codes
    check_move("submitted", "rejected", "not_our_responsibility")


def test_only_a_return_to_work_from_a_finished_report_is_a_reopening() -> None:
    assert all(is_reopening(s, "in_progress") for s in ("resolved", "closed", "rejected"))
    assert not is_reopening("acknowledged", "in_progress")
    assert not is_reopening("resolved", "closed")


def report(hours: int | None, working: bool) -> Report:
    r = Report()
    r.service = Service(sla_hours=hours, sla_working_hours=working)
    r.jurisdiction = Jurisdiction(timezone="Europe/Warsaw", settings={"country": "PL"})
    return r


def test_a_reports_clock_follows_its_service_and_its_municipality() -> None:
    friday_1500_warsaw = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    assert due_for(report(24, False), friday_1500_warsaw) == datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
    # 1 h left on Friday, then Monday 08:00 + 1 h = 09:00 local (08:00 UTC)
    assert due_for(report(2, True), friday_1500_warsaw) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    # 11 November is Poland's Independence Day: a report filed that morning starts counting the next day
    assert due_for(report(1, True), datetime(2026, 11, 11, 8, 0, tzinfo=UTC)) == datetime(
        2026, 11, 12, 8, 0, tzinfo=UTC
    )
    assert due_for(report(None, True), friday_1500_warsaw) is None  # a service without an SLA
