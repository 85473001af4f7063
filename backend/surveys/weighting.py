"""Weighted survey results, by the quality indicators' definition (README, "Population weighting"): a district's
value is its design-weighted mean Σd·x / Σd (d = the response's weight, 1 unless the import named a weight
column); the municipality's is the districts' values weighted by their population, Σ P_a·m_a / Σ P_a over the
districts with answers and a population, with the Kish effective sample size (Σw)² / Σw² of the weights
w = P_a·d / (Σd)_a. Answers without a district count there in the unweighted figures only; when no district
with answers has a population, the design weights alone give the estimate. Pure arithmetic, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from backend.surveys.views import Weighted

#: A response's district (None: not known).
AreaId = int | None


@dataclass(frozen=True)
class Tally:
    """Answers of one value in one district: their count, Σd and Σd²."""

    n: int
    d: float
    d2: float


@dataclass(frozen=True)
class Sums:
    """A district's Σd, Σd·x and Σd² for one figure."""

    d: float
    dx: float
    d2: float


def estimate(sums: Mapping[AreaId, Sums], populations: Mapping[int, int | None]) -> tuple[float, float] | None:
    """(weighted value, Kish effective n) of a figure from its per-district sums; None without any weight."""
    strata = [
        (float(p), s) for a, s in sums.items() if a is not None and (p := populations.get(a) or 0) > 0 and s.d > 0
    ]
    if strata:
        total = sum(p for p, _ in strata)
        value = sum(p * s.dx / s.d for p, s in strata) / total
        return value, total * total / sum(p * p * s.d2 / (s.d * s.d) for p, s in strata)
    d, dx, d2 = (sum(getattr(s, f) for s in sums.values()) for f in ("d", "dx", "d2"))
    return (dx / d, d * d / d2) if d > 0 and d2 > 0 else None


def _scored(per_area: Mapping[AreaId, Mapping[int, Tally]], score: Callable[[int], float]) -> dict[AreaId, Sums]:
    return {
        a: Sums(
            sum(t.d for t in values.values()),
            sum(score(k) * t.d for k, t in values.items()),
            sum(t.d2 for t in values.values()),
        )
        for a, values in per_area.items()
    }


def _share_of(value: int) -> Callable[[int], float]:
    return lambda x: float(x == value)


def _nps_score(k: int) -> float:
    return 100.0 if k >= 9 else -100.0 if k <= 6 else 0.0


def weighted_scale(
    kind: str, per_area: Mapping[AreaId, Mapping[int, Tally]], populations: Mapping[int, int | None]
) -> Weighted | None:
    """Weighted mean, distribution (shares) and top-2-box (1–5) or NPS (0–10) of a scale question."""
    mean = estimate(_scored(per_area, float), populations)
    if mean is None:
        return None

    def figure(score: Callable[[int], float]) -> float:
        found = estimate(_scored(per_area, score), populations)
        return found[0] if found else 0.0

    values = sorted({k for tallies in per_area.values() for k in tallies})
    out: Weighted = {
        "effective_n": mean[1],
        "mean": mean[0],
        "distribution": {str(k): figure(_share_of(k)) for k in values},
    }
    if kind == "likert5":
        out["top2"] = figure(lambda x: float(x >= 4))
    else:
        out["nps"] = figure(_nps_score)
    return out


def weighted_choices(
    answered: Mapping[AreaId, Tally],
    chosen: Mapping[str, Mapping[AreaId, float]],
    populations: Mapping[int, int | None],
) -> Weighted | None:
    """Weighted share of the respondents who chose each option (Σd of those who chose it / Σd of those answering)."""
    base = estimate({a: Sums(t.d, t.d, t.d2) for a, t in answered.items()}, populations)
    if base is None:
        return None
    shares: dict[str, float] = {}
    for code, per_area in chosen.items():
        found = estimate({a: Sums(t.d, per_area.get(a, 0.0), t.d2) for a, t in answered.items()}, populations)
        shares[code] = found[0] if found else 0.0
    return {"effective_n": base[1], "distribution": shares}


def tallies(rows: Any) -> dict[int, dict[AreaId, dict[int, Tally]]]:
    """Rows (question, district, value, count, Σd, Σd²) as question → district → value → tally."""
    out: dict[int, dict[AreaId, dict[int, Tally]]] = {}
    for qid, area_id, value, n, d, d2 in rows:
        out.setdefault(qid, {}).setdefault(area_id, {})[value] = Tally(int(n), float(d or 0.0), float(d2 or 0.0))
    return out
