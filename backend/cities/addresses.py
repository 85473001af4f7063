"""The address register: import (replacing a jurisdiction's addresses) from CSV or GeoJSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TypedDict

from sqlalchemy import delete, select, text

from backend.db import unit_of_work
from backend.errors import CityDefinitionError, NotFound
from backend.models import Address, Jurisdiction
from geo.addresses import normalise_sql

FIELDS = ("street", "house_number", "postcode", "street_uk")


class AddressRow(TypedDict):
    """An address point as it is sent to the database (as JSON, by jsonb_to_recordset)."""

    street: str | None
    house_number: str | None
    postcode: str | None
    street_uk: str | None
    lon: float
    lat: float


def _row(texts: dict[str, str | None], lon: float, lat: float) -> AddressRow:
    return {
        "street": texts["street"],
        "house_number": texts["house_number"],
        "postcode": texts["postcode"],
        "street_uk": texts["street_uk"],
        "lon": lon,
        "lat": lat,
    }


def _rows_from_csv(path: Path) -> list[AddressRow]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"street", "house_number", "lat", "lon"} - set(reader.fieldnames or [])
        if missing:
            raise CityDefinitionError(str(path), "header", f"missing columns {sorted(missing)}")
        rows = []
        for i, row in enumerate(reader, start=2):
            try:
                texts = {k: (row.get(k) or "").strip() or None for k in FIELDS}
                rows.append(_row(texts, float(row["lon"]), float(row["lat"])))
            except (TypeError, ValueError) as exc:
                raise CityDefinitionError(str(path), f"line {i}", "lat/lon are not numbers") from exc
        return rows


def _rows_from_geojson(path: Path) -> list[AddressRow]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CityDefinitionError(str(path), "file", f"not valid JSON: {exc}") from exc
    rows = []
    for i, feature in enumerate(doc.get("features") or []):
        geometry = feature.get("geometry") or {}
        if geometry.get("type") != "Point":
            raise CityDefinitionError(str(path), f"features[{i}].geometry.type", "expected a Point")
        props = feature.get("properties") or {}
        lon, lat = geometry["coordinates"][:2]
        texts = {k: (str(props[k]).strip() if props.get(k) not in (None, "") else None) for k in FIELDS}
        rows.append(_row(texts, float(lon), float(lat)))
    return rows


def load_addresses(jurisdiction_code: str, path: Path) -> int:
    """Replace a jurisdiction's address points with those in a CSV or GeoJSON file."""
    rows = _rows_from_geojson(path) if path.suffix.lower() in (".geojson", ".json") else _rows_from_csv(path)
    for i, row in enumerate(rows):
        if not row["street"] or not row["house_number"]:
            raise CityDefinitionError(str(path), f"row {i + 1}", "street and house_number are required")
        if not (-180 <= row["lon"] <= 180 and -90 <= row["lat"] <= 90):
            raise CityDefinitionError(str(path), f"row {i + 1}", "not longitude/latitude")
    with unit_of_work() as s:
        jurisdiction = s.scalars(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)).first()
        if jurisdiction is None:
            raise NotFound(f"no jurisdiction {jurisdiction_code}", field="jurisdiction")
        s.execute(delete(Address).where(Address.jurisdiction_id == jurisdiction.id))
        if rows:
            insert = f"""
                INSERT INTO addresses (jurisdiction_id, street, street_uk, house_number, postcode, point, search)
                SELECT :j, street, street_uk, house_number, postcode, ST_SetSRID(ST_MakePoint(lon, lat), 4326),
                       {normalise_sql()}
                FROM jsonb_to_recordset(CAST(:rows AS jsonb))
                     AS x(street text, street_uk text, house_number text, postcode text, lon float8, lat float8)
            """  # noqa: S608 - constant SQL
            s.execute(text(insert), {"j": jurisdiction.id, "rows": json.dumps(rows)})
    return len(rows)
