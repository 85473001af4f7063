"""The report state machine's rules as staff and residents see them (no I/O).

The rules are those the README promises: submitted → acknowledged → in_progress → resolved → closed; a rejection
needs a reason (invalid, duplicate, not our responsibility); resolved, closed and rejected reports can be reopened
(→ in_progress); `duplicate` is what merging leaves behind, and the end of the road.
"""

from __future__ import annotations

from collections import deque
from itertools import pairwise

from backend.triage import REJECT_REASONS, TRANSITIONS

#: Every status a report can have, written out.
STATUSES = {"submitted", "acknowledged", "in_progress", "resolved", "closed", "rejected", "duplicate"}
OPEN = {"submitted", "acknowledged", "in_progress"}


def reachable(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in edges.get(todo.popleft(), set()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def status_changes() -> dict[str, set[str]]:
    return {status: set(targets) for status, targets in TRANSITIONS.items()}


def test_the_machine_knows_every_status_and_only_those() -> None:
    assert set(TRANSITIONS) == STATUSES
    for status, targets in TRANSITIONS.items():
        assert set(targets) <= STATUSES, status
        assert status not in targets, f"{status} → {status} is not a change"


def test_the_usual_way_is_allowed_step_by_step() -> None:
    path = ["submitted", "acknowledged", "in_progress", "resolved", "closed"]
    for here, there in pairwise(path):
        assert there in TRANSITIONS[here], f"{here} → {there}"


def test_nothing_goes_back_to_submitted() -> None:
    assert [s for s, targets in TRANSITIONS.items() if "submitted" in targets] == []


def test_duplicate_is_terminal_and_only_merging_leads_to_it() -> None:
    assert set(TRANSITIONS["duplicate"]) == set()
    assert [s for s, targets in TRANSITIONS.items() if "duplicate" in targets] == []


def test_a_resolved_closed_or_rejected_report_can_be_reopened_to_in_progress() -> None:
    for status in ("resolved", "closed", "rejected"):
        assert "in_progress" in TRANSITIONS[status], status


def test_every_open_report_can_be_resolved_or_rejected() -> None:
    for status in OPEN:
        assert {"resolved", "rejected"} <= set(TRANSITIONS[status]), status


def test_every_status_is_reachable_from_submitted() -> None:
    changes = status_changes()
    # Status changes alone reach every status but `duplicate`...
    assert reachable("submitted", changes) == STATUSES - {"duplicate"}
    # ...which merging reaches: a report not yet merged can be merged into another one.
    merging = {s: targets | ({"duplicate"} if s != "duplicate" else set()) for s, targets in changes.items()}
    assert reachable("submitted", merging) == STATUSES


def test_no_report_gets_stuck_except_a_merged_duplicate() -> None:
    """From any status but `duplicate` a report can still reach work (in_progress) and an end (closed)."""
    changes = status_changes()
    for status in STATUSES - {"duplicate"}:
        assert {"in_progress", "closed"} <= reachable(status, changes) | {status}, status


def test_rejecting_offers_the_documented_reasons() -> None:
    assert set(REJECT_REASONS) == {"invalid", "duplicate", "not_our_responsibility"}
    assert len(REJECT_REASONS) == len(set(REJECT_REASONS))
