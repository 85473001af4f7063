"""Where an indicator's values come from: decided by their source, and the representative sample first when
a reader names none (no I/O)."""

from __future__ import annotations

import pytest

from backend.indicators.provenance import fixed_provenance, preferred_provenance
from backend.models import COMPUTATIONS, Indicator


def ind(computation: str, provenance: str | None = None) -> Indicator:
    return Indicator(code="x", computation=computation, provenance=provenance)


@pytest.mark.parametrize("computation", [c for c, (kind, _) in COMPUTATIONS.items() if kind == "objective"])
def test_values_counted_from_reports_are_operational(computation: str) -> None:
    assert fixed_provenance(ind(computation)) == "operational"
    assert preferred_provenance(ind(computation), ["representative"]) == "operational"


@pytest.mark.parametrize(
    "computation", ["resolution_satisfaction_mean", "pct_fixed_per_feedback", "survey_response_rate"]
)
def test_answers_residents_chose_to_give_are_opt_in(computation: str) -> None:
    assert fixed_provenance(ind(computation)) == "opt-in"
    assert preferred_provenance(ind(computation)) == "opt-in"


@pytest.mark.parametrize("computation", ["survey_mean", "survey_top2box", "nps"])
def test_a_survey_indicator_keeps_its_surveys_provenance(computation: str) -> None:
    assert fixed_provenance(ind(computation)) is None  # one value per provenance found
    assert fixed_provenance(ind(computation, "opt-in")) == "opt-in"  # limited to one
    assert preferred_provenance(ind(computation, "opt-in"), ["representative", "opt-in"]) == "opt-in"


def test_a_reader_sees_the_representative_sample_first() -> None:
    survey = ind("survey_mean")
    assert preferred_provenance(survey, ["opt-in", "representative"]) == "representative"
    assert preferred_provenance(survey, ["opt-in"]) == "opt-in"  # all there is
    assert preferred_provenance(survey, []) == "representative"  # nothing yet: the sound sample is the default


def test_every_computation_has_a_rule() -> None:
    for computation in COMPUTATIONS:
        got = preferred_provenance(ind(computation))
        assert got in ("operational", "opt-in", "representative"), computation
