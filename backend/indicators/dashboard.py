"""The managers' dashboard: the stored indicator values arranged for the overview, an indicator's page (trend,
districts, services, comparison of two periods), the drill-down to what a value counted, and the exports."""

from __future__ import annotations

import math
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import session
from backend.errors import DomainError
from backend.i18n import gettext, pick
from backend.indicators.catalogue import describe
from backend.indicators.compute import headline
from backend.indicators.periods import align, local_today, parse_period, period_label, shift
from backend.indicators.provenance import preferred_provenance
from backend.indicators.views import (
    AreaRef,
    Change,
    Choices,
    GroupRef,
    LocalDefinition,
    Lookups,
    Overview,
    OverviewRow,
    ServiceRef,
    ValueView,
)
from backend.models import (
    Area,
    Indicator,
    IndicatorValue,
    Jurisdiction,
    Service,
    ServiceGroup,
    StaffUser,
)

#: Periods in a sparkline and in the period choice.
SPARK = 8


CHOICES = 24


def jurisdiction_of(s: Session, staff: StaffUser) -> Jurisdiction:
    return s.get_one(Jurisdiction, staff.jurisdiction_id)


def default_period(tz: str) -> str:
    """The last complete month (the current one is still filling)."""
    return period_label("month", shift("month", align("month", local_today(tz)), -1))


def month_of(label: str | None, tz: str, field: str = "period") -> date:
    """The first month of a period label (the last complete month without one); years 1900 to 2999 only, so that
    the periods shown around it exist."""
    try:
        month = parse_period(label or default_period(tz))[1]
    except ValueError as exc:
        raise DomainError(gettext("A period is YYYY-MM, YYYY-Qn or YYYY."), field=field) from exc
    if not 1900 <= month.year <= 2999:
        raise DomainError(gettext("A period from 1900 to 2999."), field=field)
    return month


def lookups(s: Session, jid: int, lang: str, fallback: str) -> Lookups:
    services = s.execute(
        select(Service.id, Service.code, Service.name, Service.group_id)
        .where(Service.jurisdiction_id == jid)
        .order_by(Service.position, Service.code)
    ).all()
    areas = s.execute(
        select(Area.id, Area.code, Area.name, Area.population).where(Area.jurisdiction_id == jid).order_by(Area.code)
    ).all()
    groups = s.execute(
        select(ServiceGroup.id, ServiceGroup.code, ServiceGroup.name)
        .where(ServiceGroup.jurisdiction_id == jid)
        .order_by(ServiceGroup.position, ServiceGroup.code)
    ).all()
    return {
        "services": {
            r.code: {"id": r.id, "code": r.code, "name": pick(r.name, lang, fallback), "group_id": r.group_id}
            for r in services
        },
        "areas": {
            r.code: {"id": r.id, "code": r.code, "name": pick(r.name, lang, fallback), "population": r.population}
            for r in areas
        },
        "groups": {r.code: {"id": r.id, "code": r.code, "name": pick(r.name, lang, fallback)} for r in groups},
    }


Ref = TypeVar("Ref", ServiceRef, AreaRef, GroupRef)


def resolve(table: dict[str, Ref], kind: str, code: str | None) -> Ref | None:
    """The entry of `code` in one of the lookups' tables (`kind`: services, areas, groups), or None for none."""
    if not code:
        return None
    found = table.get(code)
    if found is None:
        messages = {"services": "Unknown service: {0}.", "areas": "Unknown area: {0}.", "groups": "Unknown group: {0}."}
        raise DomainError(gettext(messages[kind]).format(code[:64]), field=kind[:-1])
    return found.copy()


def choices_of(look: Lookups) -> Choices:
    return {
        "services": list(look["services"].values()),
        "areas": list(look["areas"].values()),
        "groups": list(look["groups"].values()),
    }


def value_view(row: Any) -> ValueView:
    return {
        "period": period_label(row.granularity, row.period_start),
        "period_start": row.period_start.isoformat(),
        "provenance": row.provenance,
        "n": row.n,
        "value": row.value,
        "weighted_value": row.weighted_value,
        "headline": headline(row.value, row.weighted_value),
        "ci_low": row.ci_low,
        "ci_high": row.ci_high,
        "effective_n": row.effective_n,
        "numerator": row.numerator,
        "denominator": row.denominator,
        "status": row.status,
        "suppressed": row.suppressed,
    }


def definition_in(ind: Indicator, lang: str, fallback: str) -> LocalDefinition:
    """The indicator's definition with its name and description in one language."""
    return {
        **describe(ind),
        "name": pick(ind.name, lang, fallback),
        "description": pick(ind.description, lang, fallback),
    }


def change_of(current: float | None, previous: float | None, direction: str) -> Change | None:
    """The change against the previous period and whether it is an improvement (None without both values)."""
    if current is None or previous is None:
        return None
    delta = current - previous
    better = None if math.isclose(delta, 0.0, abs_tol=1e-12) else (delta > 0) == (direction == "higher")
    return {"delta": delta, "better": better}


def _overview_cells(look: Lookups, group: GroupRef | None, service: ServiceRef | None) -> list[ServiceRef | None]:
    """The cells of the overview: the chosen service, each service of the chosen group, or all services."""
    if service:
        return [service]
    if group:
        return [sv for sv in look["services"].values() if sv["group_id"] == group["id"]]
    return [None]


def _values_by_cell(
    s: Session, jid: int, month: date, cells: list[ServiceRef | None], area: AreaRef | None
) -> dict[tuple[int, int | None, str], dict[date, Any]]:
    """The stored values since the sparklines' start, by (indicator, service, provenance) and period."""
    service_ids = [c["id"] for c in cells if c] or None
    earliest = shift("year", align("year", month), -SPARK)
    iv = IndicatorValue.__table__
    query = select(iv).where(iv.c.jurisdiction_id == jid, iv.c.period_start >= earliest, iv.c.period_start <= month)
    query = query.where(iv.c.service_id.in_(service_ids)) if service_ids else query.where(iv.c.service_id.is_(None))
    query = query.where(iv.c.area_id == area["id"]) if area else query.where(iv.c.area_id.is_(None))
    by_cell: dict[tuple[int, int | None, str], dict[date, Any]] = {}
    for row in s.execute(query):
        by_cell.setdefault((row.indicator_id, row.service_id, row.provenance), {})[row.period_start] = row
    return by_cell


def _overview_row(
    ind: Indicator, definition: LocalDefinition, cell: ServiceRef | None, provenance: str, month: date, series: dict
) -> OverviewRow:
    """One line of the overview: the value of the period, the change, the sparkline."""
    start = align(ind.granularity, month)
    periods = [shift(ind.granularity, start, -k) for k in range(SPARK - 1, -1, -1)]
    now, before = series.get(start), series.get(shift(ind.granularity, start, -1))
    current = value_view(now) if now is not None else None
    previous = value_view(before) if before is not None else None
    return {
        **definition,
        "cell_service": cell,
        "period": period_label(ind.granularity, start),
        "provenance": provenance,
        "current": current,
        "change": change_of(
            current["headline"] if current else None, previous["headline"] if previous else None, ind.direction
        ),
        "series": [
            {
                "period": period_label(ind.granularity, p),
                "value": headline(series[p].value, series[p].weighted_value) if p in series else None,
            }
            for p in periods
        ],
    }


def overview(
    staff: StaffUser,
    lang: str,
    period: str | None = None,
    group: str | None = None,
    service: str | None = None,
    area: str | None = None,
) -> Overview:
    """Every active indicator for a period (indicators of a coarser granularity: the period containing it) and a
    cell (service or all, area or municipality): value, interval, n, provenance, status, target, the change
    against the previous period and the last periods for a sparkline. A service group lists its services."""
    s = session()
    try:
        j = jurisdiction_of(s, staff)
        month = month_of(period, j.timezone)
        look = lookups(s, j.id, lang, j.default_language)
        chosen_group = resolve(look["groups"], "groups", group)
        chosen_service = resolve(look["services"], "services", service)
        chosen_area = resolve(look["areas"], "areas", area)
        cells = _overview_cells(look, chosen_group, chosen_service)
        inds = s.scalars(
            select(Indicator).where(Indicator.jurisdiction_id == j.id, Indicator.active).order_by(Indicator.code)
        ).all()
        by_cell = _values_by_cell(s, j.id, month, cells, chosen_area)
        rows: list[OverviewRow] = []
        for ind in inds:
            definition = definition_in(ind, lang, j.default_language)
            provenances = sorted({p for (i, _, p) in by_cell if i == ind.id}) or [preferred_provenance(ind)]
            for cell in cells:
                for provenance in provenances:
                    series = by_cell.get((ind.id, cell["id"] if cell else None, provenance), {})
                    rows.append(_overview_row(ind, definition, cell, provenance, month, series))
        latest = align("month", local_today(j.timezone))
        return {
            "period": period_label("month", month),
            "periods": [period_label("month", shift("month", latest, -k)) for k in range(CHOICES)],
            "group": chosen_group,
            "service": chosen_service,
            "area": chosen_area,
            "rows": rows,
            "choices": choices_of(look),
        }
    finally:
        s.rollback()


def definitions_table(staff: StaffUser, lang: str) -> list[LocalDefinition]:
    """The catalogue for an export's second sheet."""
    s = session()
    try:
        j = jurisdiction_of(s, staff)
        return [
            definition_in(i, lang, j.default_language)
            for i in s.scalars(select(Indicator).where(Indicator.jurisdiction_id == j.id).order_by(Indicator.code))
        ]
    finally:
        s.rollback()
