"""Indicator periods (labels, calendar alignment), the runs of changed months a refresh recomputes, and the
computation syntax."""

from __future__ import annotations

from datetime import date

import pytest
from marshmallow import ValidationError

from backend.indicators.catalogue import IndicatorSpec, split_computation
from backend.indicators.periods import align, parse_period, period_label, shift
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
