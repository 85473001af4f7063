"""The population-weighted mean stated plainly, to check the SQL that computes it."""

from __future__ import annotations


def post_stratified(cells: list[tuple[float, list[tuple[float, float]]]]) -> tuple[float, float]:
    """The population-weighted mean and Kish effective n of observations grouped by area: cells are
    (area population, [(observation, design weight), …]). The SQL computes the same; this states it plainly."""
    total = sum(pop for pop, obs in cells if obs)
    mean = sum(pop * sum(d * x for x, d in obs) / sum(d for _, d in obs) for pop, obs in cells if obs) / total
    sum_w2 = sum(pop**2 * sum(d * d for _, d in obs) / sum(d for _, d in obs) ** 2 for pop, obs in cells if obs)
    return mean, total**2 / sum_w2
