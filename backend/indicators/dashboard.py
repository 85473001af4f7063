"""The managers' dashboard: the stored indicator values arranged for the overview, an indicator's page (trend,
districts, services, comparison of two periods), the drill-down to what a value counted, and the exports."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import session
from backend.errors import DomainError, NotFound
from backend.i18n import pick
from backend.indicators import compute as ind_service
from backend.indicators.periods import align, local_today, parse_period, period_label, shift
from backend.indicators.sql import RULES, members
from backend.models import (
    VALUE_PROVENANCES,
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


def _jurisdiction(s: Session, staff: StaffUser) -> Jurisdiction:
    return s.get_one(Jurisdiction, staff.jurisdiction_id)


def default_period(tz: str) -> str:
    """The last complete month (the current one is still filling)."""
    return period_label("month", shift("month", align("month", local_today(tz)), -1))


def _month_of(label: str | None, tz: str) -> date:
    try:
        return parse_period(label or default_period(tz))[1]
    except ValueError as exc:
        raise DomainError("A period is YYYY-MM, YYYY-Qn or YYYY.", field="period") from exc


def _lookups(s: Session, jid: int, lang: str, fallback: str) -> dict[str, Any]:
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


def _resolve(lookups: dict[str, Any], kind: str, code: str | None) -> dict[str, Any] | None:
    if not code:
        return None
    found = lookups[kind].get(code)
    if found is None:
        raise DomainError(f"Unknown {kind[:-1]} {code!r}.", field=kind[:-1])
    return dict(found)


def _value(row: Any) -> dict[str, Any]:
    return {
        "period": period_label(row.granularity, row.period_start),
        "period_start": row.period_start.isoformat(),
        "provenance": row.provenance,
        "n": row.n,
        "value": row.value,
        "weighted_value": row.weighted_value,
        "headline": ind_service.headline(row.value, row.weighted_value),
        "ci_low": row.ci_low,
        "ci_high": row.ci_high,
        "effective_n": row.effective_n,
        "numerator": row.numerator,
        "denominator": row.denominator,
        "status": row.status,
        "suppressed": row.suppressed,
    }


def _definition(ind: Indicator, lang: str, fallback: str) -> dict[str, Any]:
    """The indicator's definition with its name and description in one language."""
    return {
        **ind_service.describe(ind),
        "name": pick(ind.name, lang, fallback),
        "description": pick(ind.description, lang, fallback),
    }


def change_of(current: float | None, previous: float | None, direction: str) -> dict[str, Any] | None:
    """The change against the previous period and whether it is an improvement (None without both values)."""
    if current is None or previous is None:
        return None
    delta = current - previous
    better = None if math.isclose(delta, 0.0, abs_tol=1e-12) else (delta > 0) == (direction == "higher")
    return {"delta": delta, "better": better}


def overview(
    staff: StaffUser,
    lang: str,
    period: str | None = None,
    group: str | None = None,
    service: str | None = None,
    area: str | None = None,
) -> dict[str, Any]:
    """Every active indicator for a period (indicators of a coarser granularity: the period containing it) and a
    cell (service or all, area or municipality): value, interval, n, provenance, status, target, the change
    against the previous period and the last periods for a sparkline. A service group lists its services."""
    s = session()
    try:
        j = _jurisdiction(s, staff)
        month = _month_of(period, j.timezone)
        look = _lookups(s, j.id, lang, j.default_language)
        chosen_group = _resolve(look, "groups", group)
        chosen_service = _resolve(look, "services", service)
        chosen_area = _resolve(look, "areas", area)
        if chosen_service:
            cells = [chosen_service]
        elif chosen_group:
            cells = [sv for sv in look["services"].values() if sv["group_id"] == chosen_group["id"]]
        else:
            cells = [None]
        inds = s.scalars(
            select(Indicator).where(Indicator.jurisdiction_id == j.id, Indicator.active).order_by(Indicator.code)
        ).all()
        service_ids = [c["id"] for c in cells if c] or None
        earliest = shift("year", align("year", month), -SPARK)
        iv = IndicatorValue.__table__
        query = select(iv).where(
            iv.c.jurisdiction_id == j.id, iv.c.period_start >= earliest, iv.c.period_start <= month
        )
        query = query.where(iv.c.service_id.in_(service_ids)) if service_ids else query.where(iv.c.service_id.is_(None))
        query = query.where(iv.c.area_id == chosen_area["id"]) if chosen_area else query.where(iv.c.area_id.is_(None))
        by_cell: dict[tuple[int, int | None, str], dict[date, Any]] = {}
        for row in s.execute(query):
            by_cell.setdefault((row.indicator_id, row.service_id, row.provenance), {})[row.period_start] = row
        rows = []
        for ind in inds:
            start = align(ind.granularity, month)
            periods = [shift(ind.granularity, start, -k) for k in range(SPARK - 1, -1, -1)]
            provenances = sorted({p for (i, _, p) in by_cell if i == ind.id}) or [
                "operational" if ind.kind == "objective" else (ind.provenance or "opt-in")
            ]
            for cell in cells:
                for provenance in provenances:
                    series = by_cell.get((ind.id, cell["id"] if cell else None, provenance), {})
                    now, before = series.get(start), series.get(shift(ind.granularity, start, -1))
                    current = _value(now) if now is not None else None
                    previous = _value(before) if before is not None else None
                    rows.append(
                        {
                            **_definition(ind, lang, j.default_language),
                            "cell_service": cell,
                            "period": period_label(ind.granularity, start),
                            "provenance": provenance,
                            "current": current,
                            "change": change_of(
                                current and current["headline"], previous and previous["headline"], ind.direction
                            ),
                            "series": [
                                {
                                    "period": period_label(ind.granularity, p),
                                    "value": ind_service.headline(series[p].value, series[p].weighted_value)
                                    if p in series
                                    else None,
                                }
                                for p in periods
                            ],
                        }
                    )
        latest = align("month", local_today(j.timezone))
        return {
            "period": period_label("month", month),
            "periods": [period_label("month", shift("month", latest, -k)) for k in range(CHOICES)],
            "group": chosen_group,
            "service": chosen_service,
            "area": chosen_area,
            "rows": rows,
            "choices": {k: list(v.values()) for k, v in look.items()},
        }
    finally:
        s.rollback()


def _indicator(s: Session, jid: int, code: str) -> Indicator:
    if not ind_service.CODE.fullmatch(code):
        raise NotFound("No such indicator.", field="code")
    ind = s.scalars(select(Indicator).where(Indicator.jurisdiction_id == jid, Indicator.code == code)).first()
    if ind is None:
        raise NotFound("No such indicator.", field="code")
    return ind


def _cell(
    s: Session, staff: StaffUser, lang: str, code: str, service: str | None, area: str | None
) -> tuple[Jurisdiction, Indicator, dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]:
    """The municipality, the indicator, the names, and the chosen service and area (None: all) of a request."""
    j = _jurisdiction(s, staff)
    ind = _indicator(s, j.id, code)
    look = _lookups(s, j.id, lang, j.default_language)
    return j, ind, look, _resolve(look, "services", service), _resolve(look, "areas", area)


def _signal(value: dict[str, Any], total: dict[str, Any] | None) -> str:
    """above / below the municipality's value when the district's interval excludes it, else within the noise."""
    if total is None or value["suppressed"] or total["headline"] is None or value["ci_low"] is None:
        return "unknown"
    if value["ci_low"] > total["headline"]:
        return "above"
    if value["ci_high"] < total["headline"]:
        return "below"
    return "within"


def indicator_page(
    staff: StaffUser,
    lang: str,
    code: str,
    period: str | None = None,
    service: str | None = None,
    area: str | None = None,
    compare: str | None = None,
    provenance: str | None = None,
) -> dict[str, Any]:
    """An indicator's page: its trend (cell: service × area), its districts for the period (ranked, with the
    municipality value and whether each interval excludes it) and for a comparison period, its services."""
    s = session()
    try:
        j, ind, look, chosen_service, chosen_area = _cell(s, staff, lang, code, service, area)
        start = align(ind.granularity, _month_of(period, j.timezone))
        other = align(ind.granularity, _month_of(compare, j.timezone)) if compare else shift(ind.granularity, start, -1)
        iv = IndicatorValue.__table__
        rows = s.execute(select(iv).where(iv.c.indicator_id == ind.id)).all()
        present = sorted({r.provenance for r in rows})
        chosen = (
            provenance
            if provenance in present
            else ("representative" if "representative" in present else (present[0] if present else None))
        )
        rows = [r for r in rows if r.provenance == chosen]
        sid = chosen_service["id"] if chosen_service else None
        aid = chosen_area["id"] if chosen_area else None
        area_codes = {a["id"]: a for a in look["areas"].values()}
        service_codes = {v["id"]: v for v in look["services"].values()}
        trend = sorted(
            (_value(r) for r in rows if r.service_id == sid and r.area_id == aid), key=lambda v: v["period_start"]
        )

        def districts(at: date) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
            total = next(
                (_value(r) for r in rows if r.period_start == at and r.service_id == sid and r.area_id is None), None
            )
            out = [
                {**_value(r), "area": area_codes[r.area_id]}
                for r in rows
                if r.period_start == at and r.service_id == sid and r.area_id is not None
            ]
            for item in out:
                item["signal"] = _signal(item, total)
            out.sort(
                key=lambda v: (
                    v["headline"] is None,
                    -(v["headline"] or 0) if ind.direction == "higher" else (v["headline"] or 0),
                )
            )
            return out, total

        now, total_now = districts(start)
        then, total_then = districts(other)
        services = sorted(
            (
                {**_value(r), "service": service_codes[r.service_id]}
                for r in rows
                if r.period_start == start and r.area_id == aid and r.service_id is not None
            ),
            key=lambda v: v["service"]["name"],
        )
        return {
            "indicator": _definition(ind, lang, j.default_language),
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
            "choices": {k: list(v.values()) for k, v in look.items()},
        }
    finally:
        s.rollback()


MEMBERS_LIMIT = 2000


def drill_down(
    staff: StaffUser,
    lang: str,
    code: str,
    period: str,
    service: str | None = None,
    area: str | None = None,
    provenance: str | None = None,
) -> dict[str, Any]:
    """What one value counted: its reports (objective and feedback values; at most MEMBERS_LIMIT listed, all
    counted), the distribution of survey answers (never a response), or the surveys' invitations."""
    s = session()
    try:
        j, ind, look, chosen_service, chosen_area = _cell(s, staff, lang, code, service, area)
        try:
            gran, start = parse_period(period)
        except ValueError as exc:
            raise DomainError("A period is YYYY-MM, YYYY-Qn or YYYY.", field="period") from exc
        start = align(ind.granularity, start)
        stmt, extra = members(ind.computation, ind.tag)
        services = [look["services"][c]["id"] for c in ind.service_codes if c in look["services"]] or None
        areas = [look["areas"][c]["id"] for c in ind.area_codes if c in look["areas"]] or None
        rule = RULES[ind.computation]
        if provenance is not None and provenance not in VALUE_PROVENANCES:
            raise DomainError("Unknown provenance.", field="provenance")
        prov = provenance or ind.provenance or "representative"
        if rule.family == "survey" and provenance is None:
            prov = (
                s.scalar(
                    select(IndicatorValue.provenance)
                    .where(IndicatorValue.indicator_id == ind.id)
                    .order_by(IndicatorValue.provenance.desc())
                    .limit(1)
                )
                or prov
            )
        result = (
            s.connection()
            .execute(
                stmt,
                {
                    "jid": j.id,
                    "tz": j.timezone,
                    "start": start,
                    "end": shift(ind.granularity, start),
                    "now": ind_service.utcnow(),
                    "services": services,
                    "areas": areas,
                    "provenance": prov,
                    "cell_service": chosen_service["id"] if chosen_service else None,
                    "cell_area": chosen_area["id"] if chosen_area else None,
                    "limit": MEMBERS_LIMIT,
                    **extra,
                },
            )
            .mappings()
            .all()
        )
        service_codes = {v["id"]: v["code"] for v in look["services"].values()}
        area_codes = {a["id"]: a["code"] for a in look["areas"].values()}
        kind = {"survey": "answers", "invitations": "invitations"}.get(rule.family, "reports")
        items = [dict(r) for r in result]
        if kind == "reports":
            for item in items:
                item["service"] = service_codes.get(item.pop("service_id"))
                item["area"] = area_codes.get(item.pop("area_id"))
        if kind == "answers":
            total = sum(int(i["n"]) for i in items)
        elif kind == "reports":
            total = int(items[0].pop("total")) if items else 0
            for item in items[1:]:
                item.pop("total")
        else:
            total = len(items)
        return {
            "indicator": _definition(ind, lang, j.default_language),
            "kind": kind,
            "family": rule.family,
            "period": period_label(ind.granularity, start),
            "service": chosen_service,
            "area": chosen_area,
            "provenance": prov if rule.family == "survey" else None,
            "total": total,
            "items": items,
            "shape": rule.shape,
        }
    finally:
        s.rollback()


def definitions_table(staff: StaffUser, lang: str) -> list[dict[str, Any]]:
    """The catalogue for an export's second sheet."""
    s = session()
    try:
        j = _jurisdiction(s, staff)
        return [
            _definition(i, lang, j.default_language)
            for i in s.scalars(select(Indicator).where(Indicator.jurisdiction_id == j.id).order_by(Indicator.code))
        ]
    finally:
        s.rollback()
