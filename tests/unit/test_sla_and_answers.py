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


def test_a_sign_in_wait_doubles_after_five_failures_up_to_an_hour() -> None:
    from backend.staff.throttle import wait_after

    assert [wait_after(n, free=5) for n in (1, 4)] == [0, 0]
    assert [wait_after(n, free=5) for n in (5, 6, 7)] == [60, 120, 240]
    assert wait_after(30, free=5) == 3600


def test_working_hours_skip_a_weekend_and_a_polish_public_holiday() -> None:
    friday_1400_local = datetime(2026, 11, 6, 13, 0, tzinfo=UTC)  # Fri 6 Nov 2026, 14:00 in Warsaw
    # 2 h on Friday, the weekend, Monday 9 Nov 8 h, Tuesday 10 Nov 8 h, Wednesday 11 Nov is
    # Independence Day, so the last 6 h fall on Thursday 12 Nov: due 14:00 local = 13:00 UTC.
    assert due_at(friday_1400_local, 24, True, WARSAW, "PL") == datetime(2026, 11, 12, 13, 0, tzinfo=UTC)
    assert due_at(friday_1400_local, 24, True, WARSAW) == datetime(2026, 11, 11, 13, 0, tzinfo=UTC)


KYIV = "Europe/Kyiv"


def test_a_report_filed_on_a_polish_public_holiday_starts_counting_the_next_working_morning() -> None:
    independence_day_1000_local = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)  # Wed 11 Nov 2026, 10:00 in Warsaw
    # The clock waits for Thursday 12 Nov 08:00: + 2 h = 10:00 local = 09:00 UTC.
    assert due_at(independence_day_1000_local, 2, True, WARSAW, "PL") == datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
    # Without a country (or with another country's calendar) 11 November is an ordinary Wednesday.
    assert due_at(independence_day_1000_local, 2, True, WARSAW) == datetime(2026, 11, 11, 11, 0, tzinfo=UTC)
    assert due_at(independence_day_1000_local, 2, True, WARSAW, "UA") == datetime(2026, 11, 11, 11, 0, tzinfo=UTC)


def test_christmas_eve_and_christmas_and_the_weekend_after_them_are_skipped_in_poland() -> None:
    wednesday_1200_local = datetime(2026, 12, 23, 11, 0, tzinfo=UTC)  # Wed 23 Dec 2026, 12:00 in Warsaw
    # 4 h on Wednesday; Thu 24 (Christmas Eve, a holiday since 2025), Fri 25 and Sat 26 (Christmas), Sunday;
    # the last 4 h on Monday 28 Dec: 12:00 local = 11:00 UTC.
    assert due_at(wednesday_1200_local, 8, True, WARSAW, "PL") == datetime(2026, 12, 28, 11, 0, tzinfo=UTC)


def test_a_report_filed_after_sixteen_starts_counting_the_next_morning() -> None:
    tuesday_1730_local = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)  # Tue 24 Nov 2026, 17:30 in Warsaw
    assert due_at(tuesday_1730_local, 1, True, WARSAW, "PL") == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # Wed 09:00
    tuesday_1600_local = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # exactly at the end of the working day
    assert due_at(tuesday_1600_local, 1, True, WARSAW, "PL") == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def test_a_deadline_falling_on_sixteen_stays_on_that_day() -> None:
    tuesday_0800_local = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert due_at(tuesday_0800_local, 8, True, WARSAW, "PL") == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 16:00


def test_working_hours_spanning_several_days() -> None:
    monday_1200_local = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)  # Mon 30 Nov 2026, 12:00 in Warsaw
    # 4 h on Monday, 8 h on Tuesday, the last 8 h on Wednesday: due Wed 2 Dec 16:00 local = 15:00 UTC.
    assert due_at(monday_1200_local, 20, True, WARSAW, "PL") == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    # 21 h: one more hour, on Thursday morning.
    assert due_at(monday_1200_local, 21, True, WARSAW, "PL") == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    # A working week of 40 h from Monday 08:00 ends on Friday at 16:00.
    monday_0800_local = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert due_at(monday_0800_local, 40, True, WARSAW, "PL") == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


def test_working_hours_follow_the_autumn_change_of_the_clocks() -> None:
    friday_1500_local = datetime(2026, 10, 23, 13, 0, tzinfo=UTC)  # 15:00 CEST; Sunday the clocks go back
    assert due_at(friday_1500_local, 2, True, WARSAW) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # Mon 09:00 CET


def test_calendar_hours_are_real_hours_across_a_change_of_the_clocks() -> None:
    saturday_noon_utc = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # Warsaw moves to summer time on Sunday
    assert due_at(saturday_noon_utc, 24, False, WARSAW) == datetime(2026, 3, 29, 12, 0, tzinfo=UTC)


def test_ukrainian_public_holidays_are_skipped_for_ua() -> None:
    # 2021, before martial law suspended public holidays (since 2022 Ukraine's Labour Code holidays are not days
    # off, and the `holidays` package lists none): Constitution Day was Monday 28 June.
    friday_1500_kyiv = datetime(2021, 6, 25, 12, 0, tzinfo=UTC)  # 15:00 in Kyiv (UTC+3)
    # 1 h on Friday, the weekend, Constitution Day, then 2 h on Tuesday 29 June: 10:00 Kyiv = 07:00 UTC.
    assert due_at(friday_1500_kyiv, 3, True, KYIV, "UA") == datetime(2021, 6, 29, 7, 0, tzinfo=UTC)
    assert due_at(friday_1500_kyiv, 3, True, KYIV) == datetime(2021, 6, 28, 7, 0, tzinfo=UTC)
    # Filed on Independence Day (Tuesday 24 August 2021) at 09:00: counting starts on Wednesday at 08:00.
    independence_day_0900_kyiv = datetime(2021, 8, 24, 6, 0, tzinfo=UTC)
    assert due_at(independence_day_0900_kyiv, 1, True, KYIV, "UA") == datetime(2021, 8, 25, 6, 0, tzinfo=UTC)
    # ...while Poland worked that day.
    assert due_at(independence_day_0900_kyiv, 1, True, KYIV, "PL") == datetime(2021, 8, 24, 7, 0, tzinfo=UTC)
