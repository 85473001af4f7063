"""Computing indicator values: per service × area × period with totals, intervals, traffic lights and small
cells suppressed, stored with their provenance in one transaction per recompute."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from backend.db import unit_of_work
from backend.indicators.periods import align, local_today, period_label, shift
from backend.indicators.provenance import fixed_provenance
from backend.indicators.sql import RULES, statement
from backend.indicators.views import Recomputed
from backend.models import (
    Area,
    Indicator,
    IndicatorValue,
    Jurisdiction,
    Service,
    utcnow,
)
from backend.stats import MIN_CELL, rate_interval, sample_sd, t_interval, wilson

log = logging.getLogger(__name__)


def status_of(value: float | None, direction: str, green: float | None, amber: float | None) -> str:
    """Traffic light of a value: with `higher` is better, value >= green is green, value >= amber is amber, else
    red; with `lower` is better, value <= green is green, value <= amber amber, else red. No thresholds: none."""
    if value is None or green is None:
        return "none"
    better = (lambda v, t: v >= t) if direction == "higher" else (lambda v, t: v <= t)
    if better(value, green):
        return "green"
    if amber is not None and better(value, amber):
        return "amber"
    return "red"


def headline(value: float | None, weighted: float | None) -> float | None:
    """The value a cell is judged and shown by: the population-weighted one where there is one (surveys)."""
    return weighted if weighted is not None else value


@dataclass
class _Scope:
    jurisdiction: Jurisdiction
    populations: dict[int, int | None]
    services: dict[str, int]
    areas: dict[str, int]


Estimate = tuple[float | None, float | None, float | None, float | None, float | None, float | None]


def _rate_population(row: Any, scope: _Scope, area_filter: list[int] | None) -> int | None:
    """The population a rate is per: the district's, or the sum of the districts' when all are known."""
    if row.area_id is not None:
        return scope.populations.get(row.area_id)
    pops = [p for a, p in scope.populations.items() if area_filter is None or a in area_filter]
    return sum(p for p in pops if p) if pops and all(pops) else None


def _estimate(shape: str, row: Any, n: int, scope: _Scope, area_filter: list[int] | None) -> Estimate:
    """(numerator, denominator, value, interval low, interval high, weighted value) of one cell by its shape."""
    sx, sxx = float(row.sx or 0.0), float(row.sxx or 0.0)
    numerator = denominator = value = low = high = weighted = None
    if shape == "proportion":
        numerator, denominator = sx, float(n)
        if n:
            value = 100.0 * sx / n
            lo, hi = wilson(int(round(sx)), n)
            low, high = 100.0 * lo, 100.0 * hi
        weighted = 100.0 * row.wv if row.wv is not None else None
    elif shape in ("mean", "nps"):
        scale = 100.0 if shape == "nps" else 1.0
        numerator, denominator = sx * scale, float(n)
        if n:
            mean = sx / n
            value = scale * mean
            if n > 1:
                lo, hi = t_interval(mean, sample_sd(n, sx, sxx), n)
                low, high = scale * lo, scale * hi
        weighted = scale * row.wv if row.wv is not None else None
    elif shape == "quantile":
        value = float(row.q) if row.q is not None else None
    elif shape == "rate":
        population = _rate_population(row, scope, area_filter)
        numerator = float(n)
        if population:
            denominator = population / 1000.0
            value = n / denominator
            low, high = rate_interval(n, denominator)
    return numerator, denominator, value, low, high, weighted


def _finish(ind: Indicator, row: Any, scope: _Scope, area_filter: list[int] | None) -> dict[str, Any] | None:
    """One result row of a computation turned into a stored value (None: a row that is no cell)."""
    if (row.gs == 0 and row.service_id is None) or (row.ga == 0 and row.area_id is None):
        return None
    n = int(row.n or 0)
    numerator, denominator, value, low, high, weighted = _estimate(
        RULES[ind.computation].shape, row, n, scope, area_filter
    )
    suppressed = n < MIN_CELL
    if suppressed:
        numerator = denominator = value = low = high = weighted = None
    return {
        "indicator_id": ind.id,
        "jurisdiction_id": ind.jurisdiction_id,
        "period_start": row.period,
        "granularity": ind.granularity,
        "service_id": row.service_id if row.gs == 0 else None,
        "area_id": row.area_id if row.ga == 0 else None,
        "provenance": row.provenance,
        "n": n,
        "numerator": numerator,
        "denominator": denominator,
        "value": value,
        "ci_low": low,
        "ci_high": high,
        "weighted_value": weighted,
        "effective_n": None if suppressed or row.wn is None else float(row.wn),
        "status": "suppressed"
        if suppressed
        else status_of(headline(value, weighted), ind.direction, ind.green, ind.amber),
        "suppressed": suppressed,
    }


_COLUMNS = (
    "indicator_id",
    "jurisdiction_id",
    "period_start",
    "granularity",
    "service_id",
    "area_id",
    "provenance",
    "n",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "weighted_value",
    "effective_n",
    "status",
    "suppressed",
    "computed_at",
)


def _scope(s: Session, jurisdiction: Jurisdiction) -> _Scope:
    areas = s.execute(select(Area.id, Area.code, Area.population).where(Area.jurisdiction_id == jurisdiction.id)).all()
    services = dict(s.execute(select(Service.code, Service.id).where(Service.jurisdiction_id == jurisdiction.id)).all())
    return _Scope(jurisdiction, {a.id: a.population for a in areas}, services, {a.code: a.id for a in areas})


def _compute_one(s: Session, ind: Indicator, scope: _Scope, first: date, last: date) -> int:
    """Recompute one indicator for the months first…last (widened to whole periods); returns the values stored."""
    start, end = align(ind.granularity, first), shift(ind.granularity, align(ind.granularity, last))
    services = [scope.services[c] for c in ind.service_codes if c in scope.services] or None
    areas = [scope.areas[c] for c in ind.area_codes if c in scope.areas] or None
    stmt, extra = statement(ind.computation, ind.tag)
    provenance = fixed_provenance(ind)
    rows = (
        s.connection()
        .execute(
            stmt,
            {
                "jid": ind.jurisdiction_id,
                "tz": scope.jurisdiction.timezone,
                "gran": ind.granularity,
                "start": start,
                "end": end,
                "now": utcnow(),
                "services": services,
                "areas": areas,
                "provenance": provenance,
                **extra,
            },
        )
        .all()
    )
    now = utcnow()
    values = [v for v in (_finish(ind, r, scope, areas) for r in rows) if v is not None]
    s.execute(
        delete(IndicatorValue).where(
            IndicatorValue.indicator_id == ind.id,
            IndicatorValue.period_start >= start,
            IndicatorValue.period_start < end,
        )
    )
    raw = s.connection().connection.driver_connection
    assert raw is not None  # noqa: S101 - a checked-out connection always has its driver connection
    with raw.cursor() as cur, cur.copy(f"COPY indicator_values ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
        for v in values:
            v["computed_at"] = now
            copy.write_row(tuple(v[c] for c in _COLUMNS))
    return len(values)


def history_start(tz: str, months: int) -> date:
    today = local_today(tz)
    return shift("month", align("month", today), -(months - 1))


def recompute(
    jurisdiction_id: int, first: date | None = None, last: date | None = None, codes: list[str] | None = None
) -> Recomputed:
    """Recompute the active indicators (or those in `codes`) of a municipality for the months first…last (default:
    the configured history up to the current month). One transaction: readers see the old or the new values."""
    with unit_of_work() as s:
        return recompute_in(s, jurisdiction_id, first, last, codes)


def recompute_in(
    s: Session,
    jurisdiction_id: int,
    first: date | None = None,
    last: date | None = None,
    codes: list[str] | None = None,
) -> Recomputed:
    """`recompute` in the caller's transaction (one recompute per municipality at a time)."""
    t0 = time.perf_counter()
    s.execute(text("SELECT pg_advisory_xact_lock(hashtext('hromada.indicators'), :j)"), {"j": jurisdiction_id})
    s.execute(text("SET LOCAL statement_timeout = '15min'"))
    # Each statement runs once per recompute: compiling it with JIT cost up to a second more than it saved.
    s.execute(text("SET LOCAL jit = off"))
    jurisdiction = s.get_one(Jurisdiction, jurisdiction_id)
    months = current_app.config["HROMADA_SETTINGS"].INDICATOR_HISTORY_MONTHS
    first = first or history_start(jurisdiction.timezone, months)
    last = last or align("month", local_today(jurisdiction.timezone))
    scope = _scope(s, jurisdiction)
    query = select(Indicator).where(Indicator.jurisdiction_id == jurisdiction_id, Indicator.active)
    if codes:
        query = query.where(Indicator.code.in_(codes))
    stored = 0
    done = []
    for ind in s.scalars(query.order_by(Indicator.code)).all():
        stored += _compute_one(s, ind, scope, first, last)
        done.append(ind.code)
    return {
        "jurisdiction_id": jurisdiction_id,
        "indicators": done,
        "values": stored,
        "from": period_label("month", first),
        "to": period_label("month", last),
        "seconds": round(time.perf_counter() - t0, 3),
    }
