"""SLA deadlines and the checking of answers to a service's questions (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.errors import DomainError
from backend.models import ServiceQuestion
from backend.reporting.answers import check_answers
from backend.reporting.sla import due_at

WARSAW = "Europe/Warsaw"


def test_calendar_hours_are_added_as_they_are() -> None:
    start = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
    assert due_at(start, 72, False, WARSAW) == datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    assert due_at(start, None, False, WARSAW) is None


def test_working_hours_skip_the_night_and_the_weekend() -> None:
    friday_1500_local = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 15:00 in Warsaw (UTC+1)
    due = due_at(friday_1500_local, 3, True, WARSAW)
    # 1 h left on Friday (until 16:00), then Monday 08:00 + 2 h = 10:00 local = 09:00 UTC.
    assert due == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_report_filed_at_night_starts_counting_at_eight() -> None:
    tuesday_0300_local = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    assert due_at(tuesday_0300_local, 8, True, WARSAW) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_working_hours_follow_daylight_saving_time() -> None:
    friday_summer = datetime(2026, 3, 27, 14, 0, tzinfo=UTC)  # 15:00 CET; Sunday the clocks go forward
    assert due_at(friday_summer, 2, True, WARSAW) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # Mon 09:00 CEST


def q(code: str, datatype: str, required: bool = False, options: tuple[str, ...] = ()) -> ServiceQuestion:
    return ServiceQuestion(
        code=code,
        datatype=datatype,
        required=required,
        position=0,
        description={"en": code},
        options=[{"key": k, "name": {"en": k}} for k in options],
    )


QUESTIONS = [
    q("size", "singlevaluelist", True, ("small", "large")),
    q("count", "number"),
    q("when", "datetime"),
    q("kinds", "multivaluelist", False, ("a", "b", "c")),
    q("note", "string"),
]


def test_valid_answers_are_normalised() -> None:
    out = check_answers(
        QUESTIONS,
        {
            "size": "large",
            "count": "3",
            "when": "2026-11-24T08:00:00Z",
            "kinds": ["c", "a", "c"],
            "note": "  by the bench ",
        },
    )
    assert out == {
        "size": "large",
        "count": 3,
        "when": "2026-11-24T08:00:00+00:00",
        "kinds": ["a", "c"],
        "note": "by the bench",
    }


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({}, "answers.size"),
        ({"size": "medium"}, "answers.size"),
        ({"size": "small", "count": "many"}, "answers.count"),
        ({"size": "small", "count": True}, "answers.count"),
        ({"size": "small", "count": "nan"}, "answers.count"),
        ({"size": "small", "when": "yesterday"}, "answers.when"),
        ({"size": "small", "kinds": ["a", "z"]}, "answers.kinds"),
        ({"size": "small", "note": "x" * 301}, "answers.note"),
        ({"size": "small", "note": 5}, "answers.note"),
        ({"size": "small", "colour": "red"}, "answers.colour"),
    ],
)
def test_bad_answers_name_the_question(answers: dict, field: str) -> None:
    with pytest.raises(DomainError) as err:
        check_answers(QUESTIONS, answers)
    assert err.value.field == field


def test_lockout_doubles_after_five_failures_up_to_an_hour() -> None:
    from datetime import timedelta

    from backend.staff.sign_in import lock_for

    assert [lock_for(n) for n in (1, 4)] == [timedelta(0)] * 2
    assert [lock_for(n) for n in (5, 6, 7)] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert lock_for(30) == timedelta(hours=1)


def test_working_hours_skip_a_weekend_and_a_polish_public_holiday() -> None:
    friday_1400_local = datetime(2026, 11, 6, 13, 0, tzinfo=UTC)  # Fri 6 Nov 2026, 14:00 in Warsaw
    # 2 h on Friday, the weekend, Monday 9 Nov 8 h, Tuesday 10 Nov 8 h, Wednesday 11 Nov is
    # Independence Day, so the last 6 h fall on Thursday 12 Nov: due 14:00 local = 13:00 UTC.
    assert due_at(friday_1400_local, 24, True, WARSAW, "PL") == datetime(2026, 11, 12, 13, 0, tzinfo=UTC)
    assert due_at(friday_1400_local, 24, True, WARSAW) == datetime(2026, 11, 11, 13, 0, tzinfo=UTC)
