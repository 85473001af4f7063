"""The 95% intervals of backend.stats against values computed independently (no I/O).

The reference quantiles of Student's t were computed outside the code under test, by integrating the t density
(Simpson's rule) and solving CDF(t) = 0.975 by Newton's method; df = 1 is also the Cauchy quantile tan(0.475 π).
The Wilson bounds are checked against closed forms and the score equation they solve, not the code's formula.
"""

from __future__ import annotations

import math

import pytest

from backend.stats import t975, t_interval, wilson

Z = 1.959964  # the 97.5% normal quantile (1.95996398…)

#: t(0.975, df), six decimals.
T975 = {
    1: 12.706205,
    2: 4.302653,
    3: 3.182446,
    4: 2.776445,
    5: 2.570582,
    6: 2.446912,
    7: 2.364624,
    8: 2.306004,
    9: 2.262157,
    10: 2.228139,
    11: 2.200985,
    12: 2.178813,
    13: 2.160369,
    14: 2.144787,
    15: 2.131450,
    16: 2.119905,
    17: 2.109816,
    18: 2.100922,
    19: 2.093024,
    20: 2.085963,
    21: 2.079614,
    22: 2.073873,
    23: 2.068658,
    24: 2.063899,
    25: 2.059539,
    26: 2.055529,
    27: 2.051831,
    28: 2.048407,
    29: 2.045230,
    30: 2.042272,
    31: 2.039513,
    1000: 1.962339,
}


def test_t975_at_df_1_is_the_cauchy_quantile() -> None:
    assert T975[1] == pytest.approx(math.tan(0.475 * math.pi), abs=1e-6)  # the reference itself
    assert t975(1) == pytest.approx(12.706205, abs=5e-4)


@pytest.mark.parametrize("df", range(1, 31))
def test_t975_from_the_table_matches_the_quantile_to_its_three_decimals(df: int) -> None:
    assert t975(df) == pytest.approx(T975[df], abs=5e-4)


@pytest.mark.parametrize("df", [31, 1000])
def test_t975_beyond_the_table_is_within_a_ten_thousandth(df: int) -> None:
    assert t975(df) == pytest.approx(T975[df], abs=1e-4)


def test_t975_falls_with_df_across_the_end_of_the_table_towards_the_normal_quantile() -> None:
    values = [t975(df) for df in (29, 30, 31, 32, 100, 1000, 100_000)]
    assert values == sorted(values, reverse=True) and len(set(values)) == len(values)
    assert t975(100_000) == pytest.approx(Z, abs=1e-4)
    assert t975(30) - t975(31) < 0.01  # no jump where the table ends


def test_t975_needs_at_least_one_degree_of_freedom() -> None:
    for df in (0, -1):
        with pytest.raises(ValueError):
            t975(df)


def test_wilson_textbook_example_81_of_263() -> None:
    low, high = wilson(81, 263)
    assert low == pytest.approx(0.255289, abs=1e-5)
    assert high == pytest.approx(0.366210, abs=1e-5)


@pytest.mark.parametrize(("k", "n"), [(81, 263), (5, 10), (1, 3), (999, 1000), (1, 1000)])
def test_wilson_bounds_solve_the_score_equation(k: int, n: int) -> None:
    """Each bound π is where the score statistic (p − π) / √(π(1 − π)/n) equals ±z."""
    p = k / n
    low, high = wilson(k, n)
    assert low < p < high
    assert (p - low) / math.sqrt(low * (1 - low) / n) == pytest.approx(Z, rel=1e-6)
    assert (p - high) / math.sqrt(high * (1 - high) / n) == pytest.approx(-Z, rel=1e-6)


@pytest.mark.parametrize("n", [1, 10, 263])
def test_wilson_with_no_successes_starts_at_zero_and_with_all_ends_at_one(n: int) -> None:
    # Closed forms: k = 0 gives [0, z²/(n + z²)]; k = n gives [n/(n + z²), 1].
    assert wilson(0, n) == pytest.approx((0.0, Z * Z / (n + Z * Z)), abs=1e-9)
    assert wilson(n, n) == pytest.approx((n / (n + Z * Z), 1.0), abs=1e-9)
    assert wilson(0, 10)[1] == pytest.approx(0.277533, abs=1e-6)
    assert wilson(10, 10)[0] == pytest.approx(0.722467, abs=1e-6)


def test_wilson_is_symmetric_and_stays_within_zero_and_one() -> None:
    for k, n in ((0, 1), (1, 1), (3, 7), (81, 263), (1000, 1000)):
        low, high = wilson(k, n)
        mirrored = wilson(n - k, n)
        assert 0.0 <= low <= high <= 1.0
        assert (low, high) == pytest.approx((1 - mirrored[1], 1 - mirrored[0]), abs=1e-12)
    assert wilson(0, 0) == (0.0, 0.0)  # no observations: no interval


def test_t_interval_of_a_mean() -> None:
    # mean 10, sd 2, n 16: 10 ± t(0.975, 15) · 2 / 4, t(0.975, 15) = 2.131450
    low, high = t_interval(10.0, 2.0, 16)
    assert low == pytest.approx(10 - 2.131450 * 0.5, abs=5e-4)
    assert high == pytest.approx(10 + 2.131450 * 0.5, abs=5e-4)
    # n = 2: one degree of freedom, the Cauchy quantile; sd 1.2: 3.5 ± 12.706205 · 1.2 / √2
    assert t_interval(3.5, 1.2, 2) == pytest.approx((3.5 - 10.781572, 3.5 + 10.781572), abs=1e-3)
    # a large sample: close to the normal interval
    low, high = t_interval(0.0, 1.0, 1001)
    assert high == pytest.approx(1.962339 / math.sqrt(1001), rel=1e-4) and low == -high


def test_t_interval_of_fewer_than_two_values_is_the_mean_alone() -> None:
    assert t_interval(4.2, 1.0, 1) == (4.2, 4.2)
    assert t_interval(4.2, 0.0, 0) == (4.2, 4.2)
