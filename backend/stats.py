"""The statistics of survey results and indicators, in one place: the smallest cell shown, the normal and Student's
t quantiles, and the 95% intervals of a proportion (Wilson), a mean (t) and a rate (normal approximation of a
Poisson count). No SciPy in the stack; every interval here is checked against textbook values in the unit tests."""

from __future__ import annotations

import math

#: A cell (a survey answer breakdown, an indicator value) based on fewer people or reports than this shows no
#: number: too few to be stable, and few enough to point at someone.
MIN_CELL = 5

#: The 97.5% quantile of the standard normal distribution (two-sided 95%).
Z975 = 1.959964

#: t(0.975, df) for df = 1…30 (standard tables).
_T975 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


def t975(df: int) -> float:
    """The 97.5% quantile of Student's t with `df` degrees of freedom (two-sided 95%)."""
    if df < 1:
        raise ValueError("df must be at least 1")
    if df <= len(_T975):
        return _T975[df - 1]
    z = Z975  # Cornish-Fisher expansion around the normal quantile: error below 1e-4 from df = 31 on
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


def wilson(k: int, n: int, z: float = Z975) -> tuple[float, float]:
    """95% Wilson interval of a proportion."""
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def t_interval(mean: float, sd: float, n: int) -> tuple[float, float]:
    """95% t interval of a mean."""
    if n < 2:
        return (mean, mean)
    half = t975(n - 1) * sd / math.sqrt(n)
    return (mean - half, mean + half)


def sample_sd(n: int, total: float, total_of_squares: float) -> float:
    """The sample standard deviation of n observations known by their sum and sum of squares."""
    if n < 2:
        return 0.0
    mean = total / n
    return math.sqrt(max(0.0, (total_of_squares - n * mean * mean) / (n - 1)))


def rate_interval(count: int, exposure: float) -> tuple[float, float]:
    """95% interval of a rate count/exposure (normal approximation of a Poisson count; never below zero)."""
    rate = count / exposure
    half = Z975 * math.sqrt(count) / exposure
    return (max(0.0, rate - half), rate + half)
