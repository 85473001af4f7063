"""Quality indicators: the catalogue, the computed values (per service × area × period, with totals), their
recomputation (nightly, on demand, incrementally for changed months) and the feed that STRADOM-like systems read."""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from celery import shared_task
from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from backend import audit, outbox
from backend.db import session, unit_of_work
from backend.errors import Conflict, DomainError, NotFound
from backend.indicators.sql import RULES, statement
from backend.models import (
    COMPUTATIONS,
    GRANULARITIES,
    LANGUAGES,
    MIN_CELL,
    Area,
    Indicator,
    IndicatorDirty,
    IndicatorValue,
    Jurisdiction,
    Service,
    StaffUser,
    utcnow,
)
from backend.stats import t975, wilson

log = logging.getLogger(__name__)

# -- periods --------------------------------------------------------------------------------------------------

_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def align(granularity: str, day: date) -> date:
    """The first day of the period of `granularity` that contains `day`."""
    step = _MONTHS[granularity]
    return date(day.year, (day.month - 1) // step * step + 1, 1)


def shift(granularity: str, start: date, periods: int = 1) -> date:
    """The start of the period `periods` after the one starting at `start`."""
    months = start.year * 12 + start.month - 1 + periods * _MONTHS[granularity]
    return date(months // 12, months % 12 + 1, 1)


def period_label(granularity: str, start: date) -> str:
    """2026-03, 2026-Q1 or 2026."""
    if granularity == "month":
        return f"{start.year}-{start.month:02d}"
    if granularity == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def parse_period(label: str) -> tuple[str, date]:
    """The granularity and first day of a period label (2026-03, 2026-Q1, 2026); ValueError when malformed."""
    label = label.strip()
    if len(label) == 4 and label.isdigit():
        return "year", date(int(label), 1, 1)
    year, _, rest = label.partition("-")
    if not year.isdigit() or len(year) != 4:
        raise ValueError(label)
    if rest[:1] in ("Q", "q") and rest[1:] in ("1", "2", "3", "4"):
        return "quarter", date(int(year), (int(rest[1:]) - 1) * 3 + 1, 1)
    if rest.isdigit() and 1 <= int(rest) <= 12 and len(rest) == 2:
        return "month", date(int(year), int(rest), 1)
    raise ValueError(label)


def local_today(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()


# -- values ----------------------------------------------------------------------------------------------------


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


def _finish(ind: Indicator, row: Any, scope: _Scope, area_filter: list[int] | None) -> dict[str, Any] | None:
    """One result row of a computation turned into a stored value (None: a row that is no cell)."""
    if (row.gs == 0 and row.service_id is None) or (row.ga == 0 and row.area_id is None):
        return None
    rule = RULES[ind.computation]
    n = int(row.n or 0)
    sx, sxx = float(row.sx or 0.0), float(row.sxx or 0.0)
    numerator = denominator = value = low = high = weighted = None
    if rule.shape == "proportion":
        numerator, denominator = sx, float(n)
        if n:
            value = 100.0 * sx / n
            lo, hi = wilson(int(round(sx)), n)
            low, high = 100.0 * lo, 100.0 * hi
        weighted = 100.0 * row.wv if row.wv is not None else None
    elif rule.shape in ("mean", "nps"):
        scale = 100.0 if rule.shape == "nps" else 1.0
        numerator, denominator = sx * scale, float(n)
        if n:
            mean = sx / n
            value = scale * mean
            if n > 1:
                sd = math.sqrt(max(0.0, (sxx - n * mean * mean) / (n - 1)))
                half = t975(n - 1) * sd / math.sqrt(n)
                low, high = scale * (mean - half), scale * (mean + half)
        weighted = scale * row.wv if row.wv is not None else None
    elif rule.shape == "quantile":
        value = float(row.q) if row.q is not None else None
    elif rule.shape == "rate":
        if row.area_id is not None:
            population = scope.populations.get(row.area_id)
        else:
            pops = [p for a, p in scope.populations.items() if area_filter is None or a in area_filter]
            population = sum(p for p in pops if p) if pops and all(pops) else None
        numerator = float(n)
        if population:
            denominator = population / 1000.0
            value = n / denominator
            half = 1.959964 * math.sqrt(n) / denominator
            low, high = max(0.0, value - half), value + half
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
    kind = COMPUTATIONS[ind.computation][0]
    provenance = (
        ("operational" if kind == "objective" else "opt-in")
        if RULES[ind.computation].family in ("reports", "feedback")
        else ind.provenance
    )
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
) -> dict[str, Any]:
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
) -> dict[str, Any]:
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


#: Which computations a change of each source can move (feedback values take the report's service and area).
_FAMILIES_OF = {"reports": ("reports", "feedback"), "surveys": ("survey", "invitations"), "feedback": ("feedback",)}


def refresh_dirty() -> list[dict[str, Any]]:
    """Recompute the months whose reports, feedback or survey responses changed (marked by triggers), for the
    indicators that read what changed. The marks are taken in a short transaction of their own (a long one would
    hold up the writers that mark them) and put back if the recompute fails; a worker lost in between leaves them
    to the nightly recompute."""
    with unit_of_work() as s:
        claimed = s.execute(
            delete(IndicatorDirty).returning(
                IndicatorDirty.jurisdiction_id, IndicatorDirty.month, IndicatorDirty.source
            )
        ).all()
    work: dict[tuple[int, str], list[date]] = {}
    for jid, month, source in claimed:
        work.setdefault((jid, source), []).append(month)
    done = []
    for (jid, source), months in sorted(work.items()):
        try:
            with unit_of_work() as s:
                codes = [
                    i.code
                    for i in s.scalars(select(Indicator).where(Indicator.jurisdiction_id == jid, Indicator.active))
                    if RULES[i.computation].family in _FAMILIES_OF[source]
                ]
                for first, last in month_runs(months) if codes else []:
                    done.append(recompute_in(s, jid, first, last, codes))
        except Exception:
            with unit_of_work() as s:
                for month in months:
                    s.execute(
                        text(
                            "INSERT INTO indicator_dirty (jurisdiction_id, month, source, since) "
                            "VALUES (:j, :m, :src, now()) ON CONFLICT DO NOTHING"
                        ),
                        {"j": jid, "m": month, "src": source},
                    )
            raise
    return done


def month_runs(months: list[date], most: int = 12) -> list[tuple[date, date]]:
    """Consecutive months as (first, last) runs, so that a change in 2020 and one today do not recompute the
    years between; more than `most` runs become one."""
    ordered = sorted(set(months))
    runs: list[list[date]] = []
    for month in ordered:
        if runs and shift("month", runs[-1][1]) == month:
            runs[-1][1] = month
        else:
            runs.append([month, month])
    if len(runs) > most:
        return [(ordered[0], ordered[-1])]
    return [(a, b) for a, b in runs]


def recompute_all() -> list[dict[str, Any]]:
    """The nightly full recompute of every municipality that has indicators."""
    ids = session().scalars(select(Indicator.jurisdiction_id).where(Indicator.active).distinct()).all()
    session().rollback()
    return [recompute(jid) for jid in sorted(ids)]


@shared_task(name="hromada.indicators.refresh", ignore_result=True)
def refresh_task() -> int:
    return len(refresh_dirty())


@shared_task(name="hromada.indicators.recompute", ignore_result=True)
def recompute_task(jurisdiction_id: int | None = None, codes: list[str] | None = None) -> int:
    if jurisdiction_id is None:
        return len(recompute_all())
    return int(recompute(jurisdiction_id, codes=codes)["values"])


@outbox.handles("IndicatorsRecomputeRequested")
def _on_recompute_requested(s: Session, payload: dict[str, Any]) -> None:
    bounds = [date.fromisoformat(payload[k]) if payload.get(k) else None for k in ("from", "to")]
    recompute_in(s, int(payload["jurisdiction_id"]), bounds[0], bounds[1], codes=payload.get("codes") or None)


# -- the catalogue -------------------------------------------------------------------------------------------

_TEXT = fields.Dict(
    keys=fields.String(validate=validate.OneOf(LANGUAGES)),
    values=fields.String(validate=validate.Length(min=1, max=2000)),
)


class LinksSchema(Schema):
    strategic_goal = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    budget_task = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    service_cards = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list)
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class IndicatorSpec(Schema):
    """One indicator, as in a city's indicators.yaml and in the admin API."""

    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9_.-]{1,63}$"))
    name = fields.Dict(
        keys=fields.String(validate=validate.OneOf(LANGUAGES)),
        values=fields.String(validate=validate.Length(min=1, max=300)),
        required=True,
        validate=validate.Length(min=1),
    )
    description = _TEXT
    unit = fields.String(required=True, validate=validate.Length(min=1, max=32))
    direction = fields.String(required=True, validate=validate.OneOf(("higher", "lower")))
    kind = fields.String(required=True, validate=validate.OneOf(("objective", "subjective")))
    computation = fields.String(required=True, metadata={"description": "name(tag) for survey computations"})
    services = fields.List(fields.String(), load_default=list)
    areas = fields.List(fields.String(), load_default=list)
    provenance = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(("opt-in", "representative"))
    )
    granularity = fields.String(load_default="month", validate=validate.OneOf(GRANULARITIES))
    baseline = fields.Float(load_default=None, allow_none=True)
    baseline_period = fields.String(load_default=None, allow_none=True)
    target = fields.Float(load_default=None, allow_none=True)
    green = fields.Float(load_default=None, allow_none=True)
    amber = fields.Float(load_default=None, allow_none=True)
    owner = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    links = fields.Nested(LinksSchema, load_default=dict)
    public = fields.Boolean(load_default=True)
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        if "computation" in data:
            name, tag = split_computation(data["computation"])
            if name not in COMPUTATIONS:
                raise ValidationError(f"unknown computation {name!r}; one of {', '.join(COMPUTATIONS)}", "computation")
            kind, takes_tag = COMPUTATIONS[name]
            if takes_tag and not tag:
                raise ValidationError(
                    f"{name} needs a tag: {name}(dimension:overall), (question:CODE), (service:CODE) or (*)",
                    "computation",
                )
            if not takes_tag and tag:
                raise ValidationError(f"{name} takes no tag", "computation")
            if tag and tag != "*" and tag.partition(":")[0] not in ("question", "dimension", "service"):
                raise ValidationError("a tag is question:CODE, dimension:DIM, service:CODE or *", "computation")
            if data.get("kind") and data["kind"] != kind:
                raise ValidationError(f"{name} is {kind}", "kind")
            if data.get("provenance") and RULES[name].family != "survey":
                raise ValidationError("only survey computations choose a provenance", "provenance")
        if data.get("baseline_period"):
            try:
                parse_period(data["baseline_period"])
            except ValueError as exc:
                raise ValidationError("a period is YYYY-MM, YYYY-Qn or YYYY", "baseline_period") from exc
        green, amber = data.get("green"), data.get("amber")
        if amber is not None and green is None:
            raise ValidationError("an amber threshold needs a green one", "green")
        direction = data.get("direction")
        if (
            green is not None
            and amber is not None
            and ((direction == "higher" and amber > green) or (direction == "lower" and amber < green))
        ):
            raise ValidationError("amber must lie on the worse side of green", "amber")


def split_computation(value: str) -> tuple[str, str | None]:
    """`survey_mean(dimension:overall)` -> ("survey_mean", "dimension:overall")."""
    value = value.strip()
    if value.endswith(")") and "(" in value:
        name, _, tag = value[:-1].partition("(")
        return name.strip(), tag.strip() or None
    return value, None


def _check_codes(s: Session, jid: int, spec: dict[str, Any], field_prefix: str = "") -> None:
    services = set(s.scalars(select(Service.code).where(Service.jurisdiction_id == jid)))
    areas = set(s.scalars(select(Area.code).where(Area.jurisdiction_id == jid)))
    unknown = [c for c in spec.get("services", []) if c not in services]
    if unknown:
        raise DomainError(f"{field_prefix}unknown service {unknown[0]!r}", field="services")
    unknown = [c for c in spec.get("areas", []) if c not in areas]
    if unknown:
        raise DomainError(f"{field_prefix}unknown area {unknown[0]!r}", field="areas")


def _apply(ind: Indicator, spec: dict[str, Any]) -> None:
    mapping = {"services": "service_codes", "areas": "area_codes"}
    for key, value in spec.items():
        if key == "computation":
            ind.computation, ind.tag = split_computation(value)
        elif key == "links":
            ind.links = {k: v for k, v in value.items() if v not in (None, [], "")}
        else:
            setattr(ind, mapping.get(key, key), value)


def load_catalogue(jurisdiction_code: str, path: Path, replace: bool = False) -> dict[str, int]:
    """Seed a municipality's indicators from a YAML catalogue: new codes are created; existing ones are left as
    admins edited them unless `replace`. The whole file is checked first (errors name the indicator and field)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DomainError(f"{path.name}: {exc}", field="path") from exc
    items = raw.get("indicators") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise DomainError(f"{path.name}: expected a list under 'indicators'", field="path")
    specs = []
    for i, item in enumerate(items):
        try:
            specs.append(IndicatorSpec().load(item))
        except ValidationError as exc:
            where = item.get("code", f"#{i + 1}") if isinstance(item, dict) else f"#{i + 1}"
            field, messages = next(iter(exc.normalized_messages().items()))
            raise DomainError(f"{path.name}: indicator {where}: {field}: {messages}", field="path") from exc
    codes = [spec["code"] for spec in specs]
    if len(set(codes)) != len(codes):
        raise DomainError(f"{path.name}: an indicator code appears twice", field="path")
    created = updated = 0
    with unit_of_work() as s:
        jurisdiction = s.scalars(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)).first()
        if jurisdiction is None:
            raise NotFound("Unknown municipality.", field="jurisdiction")
        existing = {i.code: i for i in s.scalars(select(Indicator).where(Indicator.jurisdiction_id == jurisdiction.id))}
        for spec in specs:
            _check_codes(s, jurisdiction.id, spec, f"{path.name}: indicator {spec['code']}: ")
            ind = existing.get(spec["code"])
            if ind is None:
                ind = Indicator(jurisdiction_id=jurisdiction.id)
                s.add(ind)
                created += 1
            elif replace:
                updated += 1
            else:
                continue
            _apply(ind, spec)
    return {"created": created, "updated": updated, "kept": len(specs) - created - updated}


# -- reading: definitions and values ----------------------------------------------------------------------------


def describe(ind: Indicator) -> dict[str, Any]:
    """An indicator's definition as the API and the exports show it (names and descriptions per language)."""
    return {
        "code": ind.code,
        "name": ind.name,
        "description": ind.description,
        "unit": ind.unit,
        "direction": ind.direction,
        "kind": ind.kind,
        "computation": f"{ind.computation}({ind.tag})" if ind.tag else ind.computation,
        "services": list(ind.service_codes),
        "areas": list(ind.area_codes),
        "provenance": ind.provenance,
        "granularity": ind.granularity,
        "baseline": ind.baseline,
        "baseline_period": ind.baseline_period,
        "target": ind.target,
        "green": ind.green,
        "amber": ind.amber,
        "owner": ind.owner,
        "links": ind.links,
        "public": ind.public,
        "active": ind.active,
        "updated_at": ind.updated_at.isoformat() if ind.updated_at else None,
    }


def definitions(jurisdiction_id: int, public_only: bool = False) -> list[dict[str, Any]]:
    s = session()
    query = select(Indicator).where(Indicator.jurisdiction_id == jurisdiction_id)
    if public_only:
        query = query.where(Indicator.public, Indicator.active)
    out = [describe(i) for i in s.scalars(query.order_by(Indicator.code))]
    s.rollback()
    if public_only:  # the open-data view: no internal owner, no notes
        for item in out:
            item.pop("owner")
            item["links"].pop("notes", None)
    return out


def definition(staff: StaffUser, code: str) -> dict[str, Any]:
    ind = _own(session(), staff.jurisdiction_id, code)
    out = describe(ind)
    session().rollback()
    return out


#: What a code (indicator, municipality slug) may look like; anything else is not looked up.
CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def _own(s: Session, jurisdiction_id: int, code: str, lock: bool = False) -> Indicator:
    if not CODE.fullmatch(code):
        raise NotFound("No such indicator.", field="code")
    query = select(Indicator).where(Indicator.jurisdiction_id == jurisdiction_id, Indicator.code == code)
    ind = s.scalars(query.with_for_update() if lock else query).first()
    if ind is None:
        raise NotFound("No such indicator.", field="code")
    return ind


#: Changing these changes what is computed: the indicator's values are recomputed.
_COMPUTED = ("computation", "services", "areas", "provenance", "granularity", "active")


def _request_recompute(
    s: Session, jurisdiction_id: int, codes: list[str] | None, first: date | None = None, last: date | None = None
) -> None:
    outbox.add_event(
        s,
        "IndicatorsRecomputeRequested",
        {
            "jurisdiction_id": jurisdiction_id,
            "codes": codes or [],
            "from": first.isoformat() if first else None,
            "to": last.isoformat() if last else None,
        },
    )


def create(staff: StaffUser, spec: dict[str, Any]) -> dict[str, Any]:
    with unit_of_work() as s:
        if s.scalar(
            select(Indicator.id).where(
                Indicator.jurisdiction_id == staff.jurisdiction_id, Indicator.code == spec["code"]
            )
        ):
            raise Conflict("An indicator with this code exists.", field="code")
        _check_codes(s, staff.jurisdiction_id, spec)
        ind = Indicator(jurisdiction_id=staff.jurisdiction_id)
        _apply(ind, spec)
        s.add(ind)
        s.flush()
        audit.record(
            s,
            staff,
            "indicator.create",
            "indicator",
            ind.id,
            jurisdiction_id=staff.jurisdiction_id,
            after={"code": ind.code},
        )
        _request_recompute(s, staff.jurisdiction_id, [ind.code])
        out = describe(ind)
    return out


def update(staff: StaffUser, code: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Edit an indicator. New thresholds re-judge its stored values at once; a change to what is computed
    (computation, filters, provenance, granularity) recomputes them in the background."""
    with unit_of_work() as s:
        ind = _own(s, staff.jurisdiction_id, code, lock=True)
        before = describe(ind)
        merged = {**{k: v for k, v in before.items() if k in IndicatorSpec().fields}, **changes}
        merged["links"] = {**LinksSchema().load({}), **(merged.get("links") or {})}
        try:
            IndicatorSpec().load({k: v for k, v in merged.items() if v is not None or k in changes})
        except ValidationError as exc:
            field, messages = next(iter(exc.normalized_messages().items()))
            raise DomainError(f"{field}: {messages}", field=str(field)) from exc
        _check_codes(s, staff.jurisdiction_id, merged)
        _apply(ind, changes)
        ind.updated_at = utcnow()
        s.flush()
        if any(k in changes for k in _COMPUTED):
            s.execute(delete(IndicatorValue).where(IndicatorValue.indicator_id == ind.id))
            _request_recompute(s, staff.jurisdiction_id, [ind.code])
        elif changes.keys() & {"green", "amber", "direction"}:  # the thresholds moved: judge the values again
            _rejudge(s, ind)
        after = describe(ind)
        audit.record(
            s,
            staff,
            "indicator.update",
            "indicator",
            ind.id,
            jurisdiction_id=staff.jurisdiction_id,
            before={k: before[k] for k in changes if k in before},
            after={k: after[k] for k in changes if k in after},
        )
    return after


def _rejudge(s: Session, ind: Indicator) -> None:
    rows = s.execute(
        select(IndicatorValue.id, IndicatorValue.value, IndicatorValue.weighted_value).where(
            IndicatorValue.indicator_id == ind.id, IndicatorValue.suppressed.is_(False)
        )
    ).all()
    changes = [
        {"vid": r.id, "st": status_of(headline(r.value, r.weighted_value), ind.direction, ind.green, ind.amber)}
        for r in rows
    ]
    if changes:
        s.connection().execute(text("UPDATE indicator_values SET status = :st WHERE id = :vid"), changes)


def request_recompute(
    staff: StaffUser, codes: list[str], since: str | None = None, until: str | None = None
) -> dict[str, Any]:
    """Recompute now, in the background: all active indicators or `codes`, for the configured history or the
    months since…until (YYYY-MM)."""
    try:
        bounds = [align("month", parse_period(v)[1]) if v else None for v in (since, until)]
    except ValueError as exc:
        raise DomainError("A month is YYYY-MM.", field="from" if since else "to") from exc
    if bounds[0] and bounds[1] and bounds[0] > bounds[1]:
        raise DomainError("'from' is after 'to'.", field="from")
    with unit_of_work() as s:
        known = set(s.scalars(select(Indicator.code).where(Indicator.jurisdiction_id == staff.jurisdiction_id)))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise NotFound(f"No such indicator: {unknown[0]}.", field="codes")
        _request_recompute(s, staff.jurisdiction_id, codes, bounds[0], bounds[1])
        audit.record(
            s,
            staff,
            "indicator.recompute",
            "jurisdiction",
            staff.jurisdiction_id,
            jurisdiction_id=staff.jurisdiction_id,
            after={"codes": codes, "from": since, "to": until},
        )
    return {"accepted": True, "codes": codes or "all", "from": since, "to": until}


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
    try:
        if period:
            gran, start = parse_period(period)
            query = query.where(iv.c.granularity == gran, iv.c.period_start == start)
        if since:
            query = query.where(iv.c.period_start >= parse_period(since)[1])
        if until:
            gran, start = parse_period(until)
            query = query.where(iv.c.period_start < shift(gran, start))
    except ValueError as exc:
        raise DomainError("A period is YYYY-MM, YYYY-Qn or YYYY.", field="period") from exc
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
    out = []
    for r in rows:
        out.append(
            {
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
        )
    return out, total


def jurisdiction_by_slug(slug_or_code: str) -> int:
    if not CODE.fullmatch(slug_or_code):
        raise NotFound("Unknown municipality.", field="jurisdiction")
    jid = session().scalar(
        select(Jurisdiction.id).where((Jurisdiction.slug == slug_or_code) | (Jurisdiction.code == slug_or_code))
    )
    session().rollback()
    if jid is None:
        raise NotFound("Unknown municipality.", field="jurisdiction")
    return int(jid)
