"""An indicator's page: its trend, its districts ranked against the municipality's value for a period and a
comparison period, and its services."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import session
from backend.errors import DomainError, NotFound
from backend.i18n import gettext
from backend.indicators.catalogue import CODE
from backend.indicators.dashboard import (
    choices_of,
    definition_in,
    jurisdiction_of,
    lookups,
    month_of,
    resolve,
    value_view,
)
from backend.indicators.periods import align, period_label, shift
from backend.indicators.views import AreaRef, DistrictValue, IndicatorPage, Lookups, ServiceRef, ServiceValue, ValueView
from backend.models import (
    VALUE_PROVENANCES,
    Indicator,
    IndicatorValue,
    Jurisdiction,
    StaffUser,
)


def _indicator(s: Session, jid: int, code: str) -> Indicator:
    if not CODE.fullmatch(code):
        raise NotFound(gettext("No such indicator."), field="code")
    ind = s.scalars(select(Indicator).where(Indicator.jurisdiction_id == jid, Indicator.code == code)).first()
    if ind is None:
        raise NotFound(gettext("No such indicator."), field="code")
    return ind


def request_cell(
    s: Session, staff: StaffUser, lang: str, code: str, service: str | None, area: str | None
) -> tuple[Jurisdiction, Indicator, Lookups, ServiceRef | None, AreaRef | None]:
    """The municipality, the indicator, the names, and the chosen service and area (None: all) of a request."""
    j = jurisdiction_of(s, staff)
    ind = _indicator(s, j.id, code)
    look = lookups(s, j.id, lang, j.default_language)
    return j, ind, look, resolve(look["services"], "services", service), resolve(look["areas"], "areas", area)


def _signal(value: ValueView, total: ValueView | None) -> str:
    """above / below the municipality's value when the district's interval excludes it, else within the noise."""
    mid = None if total is None else total["headline"]
    low, high = value["ci_low"], value["ci_high"]
    if value["suppressed"] or mid is None or low is None or high is None:
        return "unknown"
    if low > mid:
        return "above"
    if high < mid:
        return "below"
    return "within"


def _chosen_provenance(present: list[str], wanted: str | None) -> str | None:
    """The provenance asked for when it has values, else representative surveys first, else the first present."""
    if wanted in present:
        return wanted
    if "representative" in present:
        return "representative"
    return present[0] if present else None


def _districts(
    rows: list[Any], at: date, sid: int | None, area_codes: dict[int, AreaRef], direction: str
) -> tuple[list[DistrictValue], ValueView | None]:
    """The districts' values of a period, best first, each marked against the municipality's value."""
    total = next(
        (value_view(r) for r in rows if r.period_start == at and r.service_id == sid and r.area_id is None), None
    )
    out: list[DistrictValue] = [
        {**value, "area": area_codes[r.area_id], "signal": _signal(value, total)}
        for r in rows
        if r.period_start == at and r.service_id == sid and r.area_id is not None
        for value in (value_view(r),)
    ]
    out.sort(
        key=lambda v: (
            v["headline"] is None,
            -(v["headline"] or 0) if direction == "higher" else (v["headline"] or 0),
        )
    )
    return out, total


def _periods(granularity: str, tz: str, period: str | None, compare: str | None) -> tuple[date, date]:
    """The starts of the period shown and of the one compared with (by default the one before)."""
    start = align(granularity, month_of(period, tz))
    other = align(granularity, month_of(compare, tz, "compare")) if compare else shift(granularity, start, -1)
    return start, other


def indicator_page(
    staff: StaffUser,
    lang: str,
    code: str,
    period: str | None = None,
    service: str | None = None,
    area: str | None = None,
    compare: str | None = None,
    provenance: str | None = None,
) -> IndicatorPage:
    """An indicator's page: its trend (cell: service × area), its districts for the period (ranked, with the
    municipality value and whether each interval excludes it) and for a comparison period, its services."""
    s = session()
    try:
        j, ind, look, chosen_service, chosen_area = request_cell(s, staff, lang, code, service, area)
        start, other = _periods(ind.granularity, j.timezone, period, compare)
        if provenance and provenance not in VALUE_PROVENANCES:
            raise DomainError(gettext("Unknown provenance."), field="provenance")
        iv = IndicatorValue.__table__
        rows = s.execute(select(iv).where(iv.c.indicator_id == ind.id)).all()
        present = sorted({r.provenance for r in rows})
        chosen = _chosen_provenance(present, provenance)
        rows = [r for r in rows if r.provenance == chosen]
        sid = chosen_service["id"] if chosen_service else None
        aid = chosen_area["id"] if chosen_area else None
        area_codes = {a["id"]: a for a in look["areas"].values()}
        service_codes = {v["id"]: v for v in look["services"].values()}
        trend = sorted(
            (value_view(r) for r in rows if r.service_id == sid and r.area_id == aid), key=lambda v: v["period_start"]
        )

        now, total_now = _districts(rows, start, sid, area_codes, ind.direction)
        then, total_then = _districts(rows, other, sid, area_codes, ind.direction)
        services: list[ServiceValue] = sorted(
            (
                {**value_view(r), "service": service_codes[r.service_id]}
                for r in rows
                if r.period_start == start and r.area_id == aid and r.service_id is not None
            ),
            key=lambda v: v["service"]["name"],
        )
        return {
            "indicator": definition_in(ind, lang, j.default_language),
            "period": period_label(ind.granularity, start),
            "compare": period_label(ind.granularity, other),
            "service": chosen_service,
            "area": chosen_area,
            "provenance": chosen,
            "provenances": present,
            "trend": trend,
            "total": total_now,
            "districts": now,
            "total_compare": total_then,
            "districts_compare": {d["area"]["code"]: d for d in then},
            "services": services,
            "periods": sorted({period_label(ind.granularity, r.period_start) for r in rows}, reverse=True),
            "choices": choices_of(look),
        }
    finally:
        s.rollback()
