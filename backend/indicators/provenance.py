"""Where an indicator's values come from, decided in one place.

A value's provenance follows its source, never the reader: reports are the city's own operational records,
answers to "is it fixed?" and survey invitations come from residents who chose to answer (opt-in), and a
survey's answers carry the provenance the survey was fielded with (a representative sample or opt-in). A
survey indicator may be limited to one provenance; without that limit it keeps one value per provenance found.

When a reader names no provenance (the dashboard's headline row before any value exists, a drill-down), the
representative sample comes before opt-in answers: it is the figure that speaks for the whole population.
"""

from __future__ import annotations

from collections.abc import Iterable

from backend.indicators.sql import RULES
from backend.models import Indicator

#: A reader's default among a survey indicator's values: the sound sample first.
PREFERENCE = ("representative", "opt-in")


def fixed_provenance(ind: Indicator) -> str | None:
    """The provenance every value of `ind` has, when its source fixes it; None for a survey indicator open to
    every fielded survey (its values keep each survey's own provenance)."""
    family = RULES[ind.computation].family
    if family == "reports":
        return "operational"
    if family in ("feedback", "invitations"):
        return "opt-in"
    return ind.provenance


def preferred_provenance(ind: Indicator, stored: Iterable[str] = ()) -> str:
    """The provenance a reader sees when they name none: the fixed one, else the first of PREFERENCE among the
    values stored (`stored`), else a representative sample."""
    fixed = fixed_provenance(ind)
    if fixed is not None:
        return fixed
    have = set(stored)
    return next((p for p in PREFERENCE if p in have), PREFERENCE[0])
