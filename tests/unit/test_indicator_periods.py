"""Indicator periods (labels, calendar alignment), the runs of changed months a refresh recomputes, and the
computation syntax."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from marshmallow import ValidationError

from backend.indicators import periods
from backend.indicators.catalogue import IndicatorSpec, split_computation
from backend.indicators.periods import align, local_today, parse_period, period_label, shift
from backend.indicators.refresh import month_runs


def test_period_labels_round_trip_and_bad_ones_are_refused() -> None:
    for granularity, start, label in (
        ("month", date(2026, 3, 1), "2026-03"),
        ("quarter", date(2026, 10, 1), "2026-Q4"),
        ("year", date(2025, 1, 1), "2025"),
    ):
        assert period_label(granularity, start) == label
        assert parse_period(label) == (granularity, start)
    for bad in ("2026-13", "2026-Q5", "26-01", "2026-1", "march", ""):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_periods_align_to_calendar_quarters_and_years() -> None:
    assert align("quarter", date(2026, 8, 17)) == date(2026, 7, 1)
    assert align("year", date(2026, 8, 17)) == date(2026, 1, 1)
    assert shift("month", date(2026, 12, 1)) == date(2027, 1, 1)
    assert shift("quarter", date(2026, 10, 1)) == date(2027, 1, 1)
    assert shift("month", date(2026, 1, 1), -24) == date(2024, 1, 1)


def test_changed_months_are_recomputed_as_runs_not_as_the_years_between() -> None:
    months = [
        date(2026, 11, 1),
        date(2020, 2, 1),
        date(2026, 10, 1),
        date(2026, 10, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
    ]
    assert month_runs(months) == [
        (date(2020, 2, 1), date(2020, 2, 1)),
        (date(2025, 12, 1), date(2026, 1, 1)),
        (date(2026, 10, 1), date(2026, 11, 1)),
    ]
    scattered = [date(2000 + i, 1, 1) for i in range(20)]
    assert month_runs(scattered) == [(date(2000, 1, 1), date(2019, 1, 1))]


def test_the_catalogue_schema_names_what_is_wrong() -> None:
    assert split_computation("survey_mean(dimension:overall)") == ("survey_mean", "dimension:overall")
    base = {
        "code": "x-1",
        "name": {"pl": "X"},
        "unit": "%",
        "direction": "higher",
        "kind": "objective",
        "computation": "pct_resolved_within_sla",
    }
    assert IndicatorSpec().load(base)["granularity"] == "month"
    for change, field in (
        ({"computation": "average_mood"}, "computation"),
        ({"computation": "survey_mean", "kind": "subjective"}, "computation"),
        ({"computation": "pct_resolved_within_sla(question:x)"}, "computation"),
        ({"computation": "nps(*)"}, "kind"),
        ({"provenance": "representative"}, "provenance"),
        ({"green": 50, "amber": 60}, "amber"),
        ({"amber": 60}, "green"),
        ({"granularity": "week"}, "granularity"),
        ({"baseline_period": "last year"}, "baseline_period"),
    ):
        with pytest.raises(ValidationError) as err:
            IndicatorSpec().load({**base, **change})
        assert field in err.value.normalized_messages(), change


#: The first month of the calendar quarter of each month, written out.
QUARTER_OF = {1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 4, 7: 7, 8: 7, 9: 7, 10: 10, 11: 10, 12: 10}


def test_every_day_of_a_leap_year_lies_in_the_period_align_gives_it() -> None:
    day = date(2024, 1, 1)
    while day.year == 2024:
        month = align("month", day)
        quarter = align("quarter", day)
        assert month == date(2024, day.month, 1)
        assert quarter == date(2024, QUARTER_OF[day.month], 1)
        assert align("year", day) == date(2024, 1, 1)
        for granularity, start in (("month", month), ("quarter", quarter), ("year", date(2024, 1, 1))):
            assert start <= day < shift(granularity, start), (granularity, day)
        day = date.fromordinal(day.toordinal() + 1)


def test_the_last_and_first_days_of_months_quarters_and_years() -> None:
    assert align("month", date(2024, 2, 29)) == date(2024, 2, 1)  # leap day
    assert align("month", date(2026, 1, 31)) == date(2026, 1, 1)
    assert align("quarter", date(2026, 3, 31)) == date(2026, 1, 1)
    assert align("quarter", date(2026, 4, 1)) == date(2026, 4, 1)
    assert align("quarter", date(2026, 12, 31)) == date(2026, 10, 1)
    assert align("year", date(2026, 12, 31)) == date(2026, 1, 1)
    assert shift("month", date(2024, 2, 1)) == date(2024, 3, 1)
    assert shift("month", date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert shift("quarter", date(2026, 1, 1), -1) == date(2025, 10, 1)
    assert shift("quarter", date(2026, 7, 1), 2) == date(2027, 1, 1)
    assert shift("year", date(2024, 1, 1)) == date(2025, 1, 1)
    assert shift("year", date(2026, 1, 1), -3) == date(2023, 1, 1)
    assert shift("month", date(2026, 5, 1), 0) == date(2026, 5, 1)
    assert shift("month", date(2026, 1, 1), 12) == shift("year", date(2026, 1, 1)) == date(2027, 1, 1)


def test_labels_of_every_month_and_quarter() -> None:
    for month in range(1, 13):
        label = f"2024-{month:02d}"
        assert period_label("month", date(2024, month, 1)) == label
        assert parse_period(label) == ("month", date(2024, month, 1))
    for q, month in ((1, 1), (2, 4), (3, 7), (4, 10)):
        assert period_label("quarter", date(2024, month, 1)) == f"2024-Q{q}"
        assert parse_period(f"2024-Q{q}") == ("quarter", date(2024, month, 1))
    assert parse_period("2024-q2") == ("quarter", date(2024, 4, 1))  # either case
    assert parse_period(" 2024-02 ") == ("month", date(2024, 2, 1))  # blanks around are ignored
    for bad in ("2024-00", "2024-Q0", "2024-Q", "2024-W05", "2024-02-29", "202"):
        with pytest.raises(ValueError):
            parse_period(bad)


def frozen_now(monkeypatch: pytest.MonkeyPatch, instant: datetime) -> None:
    """`datetime.now(tz)` in backend.indicators.periods answers this instant (aware, UTC)."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return instant.astimezone(tz)

    monkeypatch.setattr(periods, "datetime", Frozen)


@pytest.mark.parametrize(
    ("instant", "tz", "today"),
    [
        # Summer time (UTC+2 in Warsaw): 22:30 UTC on 31 March is already 1 April, so April's period.
        (datetime(2026, 3, 31, 22, 30, tzinfo=UTC), "Europe/Warsaw", date(2026, 4, 1)),
        (datetime(2026, 3, 31, 21, 30, tzinfo=UTC), "Europe/Warsaw", date(2026, 3, 31)),
        # Winter time again from 25 October (UTC+1): 22:30 UTC on 31 October is still 31 October...
        (datetime(2026, 10, 31, 22, 30, tzinfo=UTC), "Europe/Warsaw", date(2026, 10, 31)),
        # ...and 23:30 UTC is 1 November.
        (datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "Europe/Warsaw", date(2026, 11, 1)),
        # New Year in Kyiv (UTC+2) comes two hours before it does in UTC; Boston's (UTC-5) five hours after.
        (datetime(2026, 12, 31, 22, 30, tzinfo=UTC), "Europe/Kyiv", date(2027, 1, 1)),
        (datetime(2027, 1, 1, 4, 30, tzinfo=UTC), "America/New_York", date(2026, 12, 31)),
    ],
)
def test_today_is_the_municipality_s_local_date_across_the_change_of_the_clocks(
    monkeypatch: pytest.MonkeyPatch, instant: datetime, tz: str, today: date
) -> None:
    frozen_now(monkeypatch, instant)
    assert local_today(tz) == today
    assert align("month", local_today(tz)) == date(today.year, today.month, 1)
