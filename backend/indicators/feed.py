"""The values feed: stored indicator values filtered and paged for the staff API and open data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from backend.db import session
from backend.errors import BadQuery, NotFound
from backend.i18n import gettext
from backend.indicators.catalogue import CODE
from backend.indicators.periods import parse_period, period_label, shift
from backend.models import (
    Area,
    Indicator,
    IndicatorValue,
    Jurisdiction,
    Service,
)
from backend.stats import MIN_CELL

VALUE_FIELDS = (
    "indicator",
    "period",
    "granularity",
    "period_start",
    "period_end",
    "service",
    "area",
    "provenance",
    "n",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "weighted_value",
    "effective_n",
    "unit",
    "target",
    "status",
    "suppressed",
    "computed_at",
)


def _in_periods(query: Select[Any], iv: Any, period: str | None, since: str | None, until: str | None) -> Select[Any]:
    """The values of one period, or of the periods from `since` to `until` (both included); `since` after the
    end of `until` is refused."""
    field = "period"
    try:
        if period:
            gran, start = parse_period(period)
            query = query.where(iv.c.granularity == gran, iv.c.period_start == start)
        field = "from"
        first = parse_period(since)[1] if since else None
        if first:
            query = query.where(iv.c.period_start >= first)
        field = "to"
        if until:
            gran, start = parse_period(until)
            end = shift(gran, start)
            if first is not None and first >= end:
                raise BadQuery(gettext("The start of the range is after its end."), field="from")
            query = query.where(iv.c.period_start < end)
    except ValueError as exc:
        raise BadQuery(gettext("A period is YYYY-MM, YYYY-Qn or YYYY."), field=field) from exc
    return query


def _refuse_unknown(s: Session, jurisdiction_id: int, public_only: bool, wanted: dict[str, str | None]) -> None:
    """An indicator, area or service code the municipality does not have (`total` aside) is refused; the open
    data knows only the public, active indicators."""
    indicator, area, service = wanted["indicator"], wanted["area"], wanted["service"]
    if indicator:
        ind = Indicator.__table__
        found = select(ind.c.id).where(ind.c.jurisdiction_id == jurisdiction_id, ind.c.code == indicator)
        if public_only:
            found = found.where(ind.c.public, ind.c.active)
        if s.scalar(found) is None:
            raise BadQuery(gettext("Unknown indicator: {0}.").format(indicator), field="indicator")
    for name, code, model, message in (
        ("area", area, Area, "Unknown area: {0}."),
        ("service", service, Service, "Unknown service: {0}."),
    ):
        known = select(model.id).where(model.jurisdiction_id == jurisdiction_id, model.code == code)
        if code and code != "total" and s.scalar(known) is None:
            raise BadQuery(gettext(message).format(code), field=name)


def _feed_row(r: Any) -> dict[str, Any]:
    """One stored value as the feed shows it."""
    return {
        "indicator": r.code,
        "period": period_label(r.granularity, r.period_start),
        "granularity": r.granularity,
        "period_start": r.period_start.isoformat(),
        "period_end": shift(r.granularity, r.period_start).isoformat(),
        "service": r.service_code,
        "area": r.area_code,
        "provenance": r.provenance,
        "n": r.n,
        "numerator": r.numerator,
        "denominator": r.denominator,
        "value": r.value,
        "ci_low": r.ci_low,
        "ci_high": r.ci_high,
        "weighted_value": r.weighted_value,
        "effective_n": r.effective_n,
        "unit": r.unit,
        "target": r.target,
        "status": r.status,
        "suppressed": r.suppressed,
        "computed_at": r.computed_at.isoformat(),
    }


def values(
    jurisdiction_id: int,
    *,
    indicator: str | None = None,
    period: str | None = None,
    since: str | None = None,
    until: str | None = None,
    area: str | None = None,
    service: str | None = None,
    provenance: str | None = None,
    public_only: bool = False,
    limit: int = 1000,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Stored values in a stable order (indicator, period, service, area, provenance), and how many match.
    `area`/`service`: a code, or `total` for the municipality / all-services row. Public: no suppressed cells."""
    s = session()
    _refuse_unknown(s, jurisdiction_id, public_only, {"indicator": indicator, "area": area, "service": service})
    svc = Service.__table__.alias("svc")
    ar = Area.__table__.alias("ar")
    iv = IndicatorValue.__table__
    ind = Indicator.__table__
    query = (
        select(iv, ind.c.code, ind.c.unit, ind.c.target, svc.c.code.label("service_code"), ar.c.code.label("area_code"))
        .join(ind, ind.c.id == iv.c.indicator_id)
        .outerjoin(svc, svc.c.id == iv.c.service_id)
        .outerjoin(ar, ar.c.id == iv.c.area_id)
        .where(iv.c.jurisdiction_id == jurisdiction_id)
    )
    if indicator:
        query = query.where(ind.c.code == indicator)
    query = _in_periods(query, iv, period, since, until)
    for value, column in ((area, ar.c.code), (service, svc.c.code)):
        if value == "total":
            query = query.where(column.is_(None))
        elif value:
            query = query.where(column == value)
    if provenance:
        query = query.where(iv.c.provenance == provenance)
    if public_only:
        query = query.where(ind.c.public, ind.c.active, iv.c.suppressed.is_(False), iv.c.n >= MIN_CELL)
    total = int(s.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = s.execute(
        query.order_by(
            ind.c.code, iv.c.period_start, svc.c.code.nulls_first(), ar.c.code.nulls_first(), iv.c.provenance
        )
        .limit(limit)
        .offset(offset)
    ).all()
    s.rollback()
    return [_feed_row(r) for r in rows], total


def jurisdiction_by_slug(slug_or_code: str) -> int:
    if not CODE.fullmatch(slug_or_code):
        raise NotFound(gettext("Unknown municipality."), field="jurisdiction")
    jid = session().scalar(
        select(Jurisdiction.id).where((Jurisdiction.slug == slug_or_code) | (Jurisdiction.code == slug_or_code))
    )
    session().rollback()
    if jid is None:
        raise NotFound(gettext("Unknown municipality."), field="jurisdiction")
    return int(jid)
