"""Load a city directory (city.yaml + boundary GeoJSON) in one transaction.

Loading the same directory twice changes no row: every value is compared before it is
written, and a row's `updated_at` moves only when something in it changed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cities.definition import CitySchema, first_error
from backend.db import unit_of_work
from backend.errors import CityDefinitionError
from backend.models import (
    Area,
    Department,
    Jurisdiction,
    Service,
    ServiceGroup,
    ServiceQuestion,
    utcnow,
)
from geo.boundaries import (
    BoundaryError,
    BoundaryFeature,
    check_srid,
    read_feature_collection,
    refresh_jurisdiction_boundary,
    store_area_boundary,
)


def assign(obj: Any, values: dict[str, Any]) -> bool:
    """Set only the attributes whose value differs; True when anything changed."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    if changed and hasattr(obj, "updated_at") and obj.id is not None:
        obj.updated_at = utcnow()
    return changed


def read_city(directory: Path) -> tuple[dict[str, Any], list[BoundaryFeature], str]:
    """Parse and check a city directory; returns (definition, area features, digest)."""
    yaml_path = directory / "city.yaml"
    try:
        raw_text = yaml_path.read_text(encoding="utf-8")
        raw = yaml.safe_load(raw_text)
    except FileNotFoundError as exc:
        raise CityDefinitionError(str(yaml_path), "file", "not found") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        raise CityDefinitionError(str(yaml_path), where, f"invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(raw, dict):
        raise CityDefinitionError(str(yaml_path), "file", "expected a mapping at the top level")
    try:
        city = CitySchema().load(raw)
    except ValidationError as exc:
        field, message = first_error(exc.messages)
        raise CityDefinitionError(str(yaml_path), field, message) from exc
    _check_references(city, str(yaml_path))
    geo_path = directory / city["areas"]["file"]
    try:
        features = read_feature_collection(geo_path)
    except BoundaryError as exc:
        raise CityDefinitionError(exc.path, exc.field, exc.message) from exc
    digest = hashlib.sha256(raw_text.encode() + b"\0" + geo_path.read_bytes()).hexdigest()
    return city, features, digest


def _texts(city: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    out = [("jurisdiction.name", city["jurisdiction"]["name"])]
    for key in ("departments", "service_groups"):
        out += [(f"{key}.{i}.name", d["name"]) for i, d in enumerate(city[key])]
    for i, svc in enumerate(city["services"]):
        out.append((f"services.{i}.name", svc["name"]))
        if svc["description"]:
            out.append((f"services.{i}.description", svc["description"]))
        for q_i, q in enumerate(svc["questions"]):
            out.append((f"services.{i}.questions.{q_i}.description", q["description"]))
            out += [
                (f"services.{i}.questions.{q_i}.options.{o_i}.name", o["name"]) for o_i, o in enumerate(q["options"])
            ]
    return out


def _check_references(city: dict[str, Any], path: str) -> None:
    languages = set(city["jurisdiction"]["languages"])
    for field, text in _texts(city):
        missing, extra = languages - set(text), set(text) - languages
        if extra:
            raise CityDefinitionError(path, f"{field}.{sorted(extra)[0]}", "language not among jurisdiction.languages")
        if missing:
            raise CityDefinitionError(path, f"{field}.{sorted(missing)[0]}", "missing translation")
    for key in ("departments", "service_groups", "services"):
        codes = [d["code"] for d in city[key]]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise CityDefinitionError(path, f"{key}", f"duplicate code {dupes[0]!r}")
    departments = {d["code"] for d in city["departments"]}
    groups = {g["code"] for g in city["service_groups"]}
    for i, svc in enumerate(city["services"]):
        if svc["department"] is not None and svc["department"] not in departments:
            raise CityDefinitionError(path, f"services.{i}.department", f"unknown department {svc['department']!r}")
        if svc["group"] not in groups:
            raise CityDefinitionError(path, f"services.{i}.group", f"unknown service group {svc['group']!r}")


def load_city(directory: Path) -> str:
    """Create or update the jurisdiction described by a city directory; returns a summary."""
    city, features, digest = read_city(directory)
    spec = city["jurisdiction"]
    with unit_of_work() as s:
        jurisdiction = s.scalars(select(Jurisdiction).where(Jurisdiction.code == spec["code"])).first()
        if jurisdiction is not None and jurisdiction.source_digest == digest:
            return f"{spec['code']} {spec['slug']}: unchanged"
        if jurisdiction is None:
            jurisdiction = Jurisdiction(code=spec["code"])
            s.add(jurisdiction)
        assign(
            jurisdiction,
            {
                k: spec[k]
                for k in ("slug", "name", "languages", "default_language", "timezone", "report_prefix", "settings")
            },
        )
        assign(jurisdiction, {"source_digest": digest})
        s.flush()
        areas = _load_areas(s, jurisdiction, city["areas"], features, str(directory / city["areas"]["file"]))
        departments = _load_departments(s, jurisdiction, city["departments"])
        groups = _load_groups(s, jurisdiction, city["service_groups"])
        services = _load_services(s, jurisdiction, city["services"], departments, groups)
    return f"{spec['code']} {spec['slug']}: {areas} areas, {len(departments)} departments, {services} services loaded"


def _load_areas(
    s: Session, jurisdiction: Jurisdiction, spec: dict[str, Any], features: list[BoundaryFeature], path: str
) -> int:
    existing = {a.code: a for a in s.scalars(select(Area).where(Area.jurisdiction_id == jurisdiction.id))}
    exclude = tuple(spec["exclude_jurisdictions"])
    excluded = s.scalars(select(Jurisdiction.source_digest).where(Jurisdiction.code.in_(exclude))).all()
    clip_key = ",".join(sorted(d or "" for d in excluded))
    geometry_changed = False
    seen: set[str] = set()
    if features:
        check_srid(s, features[0].srid, path)
    for f in features:
        props = f.properties
        for key in ("code_property", "name_property"):
            if props.get(spec[key]) in (None, ""):
                raise CityDefinitionError(path, f"features[{f.index}].properties.{spec[key]}", "missing")
        code = str(props[spec["code_property"]])
        if code in seen:
            raise CityDefinitionError(
                path, f"features[{f.index}].properties.{spec['code_property']}", f"duplicate area code {code!r}"
            )
        seen.add(code)
        population = props.get(spec["population_property"]) if spec["population_property"] else None
        name = {lang: str(props[spec["name_property"]]) for lang in jurisdiction.languages}
        area_digest = hashlib.sha256(f"{f.digest}|{','.join(exclude)}|{clip_key}".encode()).hexdigest()
        area = existing.get(code)
        if area is None:
            area = Area(jurisdiction_id=jurisdiction.id, code=code, boundary="SRID=4326;MULTIPOLYGON EMPTY")
            s.add(area)
        old_digest = area.boundary_digest
        assign(
            area,
            {
                "name": name,
                "population": int(population) if population is not None else None,
                "population_year": spec["population_year"],
                "boundary_digest": area_digest,
            },
        )
        if old_digest != area_digest:
            s.flush()
            try:
                store_area_boundary(s, area.id, f, exclude)
            except BoundaryError as exc:
                raise CityDefinitionError(path, exc.field, exc.message) from exc
            geometry_changed = True
    for code, area in existing.items():
        if code not in seen:
            s.delete(area)
            geometry_changed = True
    if geometry_changed:
        s.flush()
        refresh_jurisdiction_boundary(s, jurisdiction.id)
    return len(seen)


def _upsert(
    s: Session,
    model: Any,
    jurisdiction: Jurisdiction,
    specs: list[dict[str, Any]],
    values: Any,
    *,
    deactivate_missing: bool,
) -> dict[str, Any]:
    """Create or update a jurisdiction's rows of `model` by code; values(spec, position) -> fields."""
    rows = {r.code: r for r in s.scalars(select(model).where(model.jurisdiction_id == jurisdiction.id))}
    for position, spec in enumerate(specs):
        row = rows.get(spec["code"])
        if row is None:
            row = rows[spec["code"]] = model(jurisdiction_id=jurisdiction.id, code=spec["code"])
            s.add(row)
        assign(row, values(spec, position, row))
    if deactivate_missing:  # rows that reports may refer to are deactivated, never deleted
        wanted = {spec["code"] for spec in specs}
        for code, row in rows.items():
            if code not in wanted:
                assign(row, {"active": False})
    s.flush()
    return rows


def _load_departments(s: Session, jurisdiction: Jurisdiction, specs: list[dict[str, Any]]) -> dict[str, Department]:
    return _upsert(
        s,
        Department,
        jurisdiction,
        specs,
        deactivate_missing=True,
        values=lambda spec, _pos, _row: {"name": spec["name"], "email": spec["email"], "active": True},
    )


def _load_groups(s: Session, jurisdiction: Jurisdiction, specs: list[dict[str, Any]]) -> dict[str, ServiceGroup]:
    return _upsert(
        s,
        ServiceGroup,
        jurisdiction,
        specs,
        deactivate_missing=False,
        values=lambda spec, pos, _row: {"name": spec["name"], "position": pos},
    )


def _load_services(
    s: Session,
    jurisdiction: Jurisdiction,
    specs: list[dict[str, Any]],
    departments: dict[str, Department],
    groups: dict[str, ServiceGroup],
) -> int:
    def values(spec: dict[str, Any], position: int, service: Service) -> dict[str, Any]:
        dept = departments.get(spec["department"]) if spec["department"] else None
        if _load_questions(service, spec["questions"]) and service.id is not None:
            service.updated_at = utcnow()
        return {
            "name": spec["name"],
            "description": spec["description"],
            "keywords": spec["keywords"],
            "group_id": groups[spec["group"]].id,
            "department_id": dept.id if dept else None,
            "sla_hours": spec["sla_hours"],
            "sla_working_hours": spec["sla_working_hours"],
            "duplicate_radius_m": spec["duplicate_radius_m"],
            "duplicate_window_days": spec["duplicate_window_days"],
            "active": spec["active"],
            "position": position,
        }

    _upsert(s, Service, jurisdiction, specs, values, deactivate_missing=True)
    return len(specs)


def _load_questions(service: Service, specs: list[dict[str, Any]]) -> bool:
    rows = {q.code: q for q in service.questions}
    changed = False
    for position, spec in enumerate(specs):
        question = rows.get(spec["code"])
        if question is None:
            question = ServiceQuestion(code=spec["code"])
            service.questions.append(question)
            changed = True
        changed |= assign(
            question,
            {
                "datatype": spec["datatype"],
                "required": spec["required"],
                "position": position,
                "description": spec["description"],
                "hint": spec["hint"],
                "options": spec["options"],
            },
        )
    wanted = {spec["code"] for spec in specs}
    for code, question in rows.items():
        if code not in wanted:
            service.questions.remove(question)
            changed = True
    return changed
