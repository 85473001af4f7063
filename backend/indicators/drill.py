"""The drill-down from a value to what it counted: its reports (listed up to a limit, all counted), the
distribution of survey answers (never a response), or the invitations."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import session
from backend.errors import DomainError
from backend.i18n import gettext
from backend.indicators.dashboard import definition_in
from backend.indicators.page import request_cell
from backend.indicators.periods import align, parse_period, period_label, shift
from backend.indicators.provenance import fixed_provenance, preferred_provenance
from backend.indicators.sql import RULES, members
from backend.indicators.views import DrillDown, Lookups
from backend.models import (
    VALUE_PROVENANCES,
    Indicator,
    IndicatorValue,
    StaffUser,
    utcnow,
)

MEMBERS_LIMIT = 2000


def _drill_provenance(s: Session, ind: Indicator, provenance: str | None) -> str:
    """The provenance a drill-down counts: the one asked for, else the one a reader sees by default."""
    if provenance is not None:
        if provenance not in VALUE_PROVENANCES:
            raise DomainError(gettext("Unknown provenance."), field="provenance")
        return provenance
    fixed = fixed_provenance(ind)
    if fixed is not None:  # its source decides: no need to look at what is stored
        return fixed
    stored = s.scalars(select(IndicatorValue.provenance).where(IndicatorValue.indicator_id == ind.id).distinct())
    return preferred_provenance(ind, stored)


def _drill_items(result: Any, look: Lookups, kind: str) -> tuple[list[dict[str, Any]], int]:
    """The listed rows with service and area codes, and the total the value counted."""
    service_codes = {v["id"]: v["code"] for v in look["services"].values()}
    area_codes = {a["id"]: a["code"] for a in look["areas"].values()}
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
    return items, total


def _period_start(period: str) -> date:
    try:
        start = parse_period(period)[1]
    except ValueError as exc:
        raise DomainError(gettext("A period is YYYY-MM, YYYY-Qn or YYYY."), field="period") from exc
    if not 1900 <= start.year <= 2999:
        raise DomainError(gettext("A period from 1900 to 2999."), field="period")
    return start


def drill_down(
    staff: StaffUser,
    lang: str,
    code: str,
    period: str,
    service: str | None = None,
    area: str | None = None,
    provenance: str | None = None,
) -> DrillDown:
    """What one value counted: its reports (objective and feedback values; at most MEMBERS_LIMIT listed, all
    counted), the distribution of survey answers (never a response), or the surveys' invitations."""
    s = session()
    try:
        j, ind, look, chosen_service, chosen_area = request_cell(s, staff, lang, code, service, area)
        start = align(ind.granularity, _period_start(period))
        stmt, extra = members(ind.computation, ind.tag)
        services = [look["services"][c]["id"] for c in ind.service_codes if c in look["services"]] or None
        areas = [look["areas"][c]["id"] for c in ind.area_codes if c in look["areas"]] or None
        rule = RULES[ind.computation]
        prov = _drill_provenance(s, ind, provenance)
        result = (
            s.connection()
            .execute(
                stmt,
                {
                    "jid": j.id,
                    "tz": j.timezone,
                    "start": start,
                    "end": shift(ind.granularity, start),
                    "now": utcnow(),
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
        kind = {"survey": "answers", "invitations": "invitations"}.get(rule.family, "reports")
        items, total = _drill_items(result, look, kind)
        return {
            "indicator": definition_in(ind, lang, j.default_language),
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
