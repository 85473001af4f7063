"""The indicator catalogue: definitions loaded from a city's YAML or edited by managers (targets, thresholds,
direction, links to a strategy), described in every language."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from backend import audit, outbox
from backend.db import session, unit_of_work
from backend.errors import Conflict, DomainError, NotFound
from backend.i18n import gettext
from backend.indicators.compute import headline, status_of
from backend.indicators.periods import align, parse_period
from backend.indicators.sql import RULES
from backend.indicators.views import CatalogueLoad, IndicatorDefinition, IndicatorFields, RecomputeAccepted
from backend.models import (
    COMPUTATIONS,
    GRANULARITIES,
    LANGUAGES,
    Area,
    Indicator,
    IndicatorValue,
    Jurisdiction,
    Service,
    StaffUser,
    utcnow,
)

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


def _check_codes(s: Session, jid: int, spec: Mapping[str, Any], field_prefix: str = "") -> None:
    services = set(s.scalars(select(Service.code).where(Service.jurisdiction_id == jid)))
    areas = set(s.scalars(select(Area.code).where(Area.jurisdiction_id == jid)))
    unknown = [c for c in spec.get("services", []) if c not in services]
    if unknown:
        raise DomainError(f"{field_prefix}unknown service {unknown[0]!r}", field="services")
    unknown = [c for c in spec.get("areas", []) if c not in areas]
    if unknown:
        raise DomainError(f"{field_prefix}unknown area {unknown[0]!r}", field="areas")


def _apply(ind: Indicator, spec: Mapping[str, Any]) -> None:
    mapping = {"services": "service_codes", "areas": "area_codes"}
    for key, value in spec.items():
        if key == "computation":
            ind.computation, ind.tag = split_computation(value)
        elif key == "links":
            ind.links = {k: v for k, v in value.items() if v not in (None, [], "")}
        else:
            setattr(ind, mapping.get(key, key), value)


def load_catalogue(jurisdiction_code: str, path: Path, replace: bool = False) -> CatalogueLoad:
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
            raise NotFound(gettext("Unknown municipality."), field="jurisdiction")
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


def describe(ind: Indicator) -> IndicatorDefinition:
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


def definitions(jurisdiction_id: int, public_only: bool = False) -> list[IndicatorDefinition]:
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


def definition(staff: StaffUser, code: str) -> IndicatorDefinition:
    ind = _own(session(), staff.jurisdiction_id, code)
    out = describe(ind)
    session().rollback()
    return out


#: What a code (indicator, municipality slug) may look like; anything else is not looked up.
CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def _own(s: Session, jurisdiction_id: int, code: str, lock: bool = False) -> Indicator:
    if not CODE.fullmatch(code):
        raise NotFound(gettext("No such indicator."), field="code")
    query = select(Indicator).where(Indicator.jurisdiction_id == jurisdiction_id, Indicator.code == code)
    ind = s.scalars(query.with_for_update() if lock else query).first()
    if ind is None:
        raise NotFound(gettext("No such indicator."), field="code")
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


def create(staff: StaffUser, spec: IndicatorFields) -> IndicatorDefinition:
    with unit_of_work() as s:
        if s.scalar(
            select(Indicator.id).where(
                Indicator.jurisdiction_id == staff.jurisdiction_id, Indicator.code == spec["code"]
            )
        ):
            raise Conflict(gettext("An indicator with this code exists."), field="code")
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


def update(staff: StaffUser, code: str, changes: IndicatorFields) -> IndicatorDefinition:
    """Edit an indicator. New thresholds re-judge its stored values at once; a change to what is computed
    (computation, filters, provenance, granularity) recomputes them in the background."""
    with unit_of_work() as s:
        ind = _own(s, staff.jurisdiction_id, code, lock=True)
        before = describe(ind)
        merged: dict[str, Any] = {**{k: v for k, v in before.items() if k in IndicatorSpec().fields}, **changes}
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
        old: Mapping[str, Any] = before
        new: Mapping[str, Any] = after
        audit.record(
            s,
            staff,
            "indicator.update",
            "indicator",
            ind.id,
            jurisdiction_id=staff.jurisdiction_id,
            before={k: old[k] for k in changes if k in old},
            after={k: new[k] for k in changes if k in new},
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
) -> RecomputeAccepted:
    """Recompute now, in the background: all active indicators or `codes`, for the configured history or the
    months since…until (YYYY-MM)."""
    try:
        bounds = [align("month", parse_period(v)[1]) if v else None for v in (since, until)]
    except ValueError as exc:
        raise DomainError(gettext("A month is YYYY-MM."), field="from" if since else "to") from exc
    if bounds[0] and bounds[1] and bounds[0] > bounds[1]:
        raise DomainError(gettext("'from' is after 'to'."), field="from")
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
