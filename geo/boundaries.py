"""Boundary import: GeoJSON in, valid MultiPolygons (EPSG:4326) out, with subdivided pieces.

Validation of the file happens here in Python (structure, geometry types, CRS); repair and
clipping happen in PostGIS (ST_MakeValid, ST_CollectionExtract, ST_Multi, ST_Difference).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

POLYGONAL = ("Polygon", "MultiPolygon")
#: Pieces of at most this many vertices make point-in-polygon tests fast (ST_Subdivide).
SUBDIVIDE_MAX_VERTICES = 128
_CRS_RE = re.compile(r"(?:EPSG:{1,2}|EPSG::?)(\d+)$", re.IGNORECASE)


class BoundaryError(ValueError):
    """A boundary file is unusable; names the file and the field at fault."""

    def __init__(self, path: str, field: str, message: str) -> None:
        super().__init__(f"{path}: {field}: {message}")
        self.path, self.field, self.message = path, field, message


@dataclass(frozen=True)
class BoundaryFeature:
    index: int
    properties: dict[str, Any]
    geometry: dict[str, Any]
    srid: int

    @property
    def geojson(self) -> str:
        return json.dumps(self.geometry, separators=(",", ":"), sort_keys=True)

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.srid}:{self.geojson}".encode()).hexdigest()


def _srid_of(crs: Any, path: str) -> int:
    if crs is None:
        return 4326
    name = str((crs.get("properties") or {}).get("name", "")) if isinstance(crs, dict) else ""
    if name.upper().endswith("CRS84"):
        return 4326
    match = _CRS_RE.search(name)
    if not match:
        raise BoundaryError(path, "crs", f"unrecognised CRS {name or crs!r}; use EPSG:4326 or name an EPSG code")
    return int(match.group(1))


def _coords(geometry: dict[str, Any]) -> list[list[float]]:
    rings = (
        geometry["coordinates"]
        if geometry["type"] == "Polygon"
        else [ring for poly in geometry["coordinates"] for ring in poly]
    )
    return [pt for ring in rings for pt in ring]


def read_feature_collection(path: Path) -> list[BoundaryFeature]:
    """Read and check a GeoJSON FeatureCollection of polygons."""
    name = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BoundaryError(name, "file", "not found") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BoundaryError(name, "file", f"not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise BoundaryError(name, "type", "expected a GeoJSON FeatureCollection")
    srid = _srid_of(doc.get("crs"), name)
    features = doc.get("features") or []
    if not features:
        raise BoundaryError(name, "features", "no features")
    out = []
    for i, feature in enumerate(features):
        geometry = (feature or {}).get("geometry") or {}
        gtype = geometry.get("type")
        if gtype not in POLYGONAL:
            raise BoundaryError(
                name, f"features[{i}].geometry.type", f"{gtype or 'no geometry'} is not a Polygon or MultiPolygon"
            )
        try:
            points = _coords(geometry)
            if not points or any(len(p) < 2 for p in points):
                raise ValueError
        except (KeyError, TypeError, ValueError) as exc:
            raise BoundaryError(name, f"features[{i}].geometry.coordinates", "malformed") from exc
        if srid == 4326 and any(abs(p[0]) > 180 or abs(p[1]) > 90 for p in points):
            raise BoundaryError(
                name,
                f"features[{i}].geometry.coordinates",
                "not longitude/latitude (EPSG:4326); declare the file's 'crs'",
            )
        out.append(BoundaryFeature(i, dict(feature.get("properties") or {}), geometry, srid))
    return out


def check_srid(s: Session, srid: int, path: str) -> None:
    """Reject a CRS PostGIS cannot reproject from."""
    known = s.execute(text("SELECT 1 FROM spatial_ref_sys WHERE srid = :srid"), {"srid": srid}).first()
    if known is None:
        raise BoundaryError(path, "crs", f"EPSG:{srid} is unknown to PostGIS; cannot reproject")


#: GeoJSON (any SRID) -> valid MultiPolygon in 4326, minus the listed jurisdictions' boundaries.
_STORE_AREA = text("""
WITH src AS (
    SELECT ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(:geojson), :srid), 4326) AS g
), valid AS (
    SELECT ST_CollectionExtract(ST_MakeValid(g), 3) AS g FROM src
), clipped AS (
    SELECT CASE WHEN cut.g IS NULL THEN valid.g
                ELSE ST_CollectionExtract(ST_MakeValid(ST_Difference(valid.g, cut.g)), 3) END AS g
    FROM valid
    LEFT JOIN LATERAL (
        SELECT ST_Union(boundary) AS g FROM jurisdictions
        WHERE code = ANY(CAST(:exclude AS text[])) AND boundary IS NOT NULL
    ) cut ON true
), n AS (
    SELECT ST_Multi(g) AS g, ST_IsEmpty(g) AS empty FROM clipped
)
UPDATE areas SET boundary = n.g FROM n WHERE areas.id = :area_id AND NOT n.empty
RETURNING areas.id
""")


def store_area_boundary(
    s: Session, area_id: int, feature: BoundaryFeature, exclude_jurisdictions: tuple[str, ...] = ()
) -> None:
    """Write an area's repaired (and clipped) boundary, and rebuild its subdivided pieces."""
    params = {
        "geojson": feature.geojson,
        "srid": feature.srid,
        "area_id": area_id,
        "exclude": list(exclude_jurisdictions),
    }
    if s.execute(_STORE_AREA, params).first() is None:
        raise BoundaryError("", f"features[{feature.index}]", "nothing left of the polygon after repair and clipping")
    s.execute(text("DELETE FROM area_pieces WHERE area_id = :a"), {"a": area_id})
    s.execute(
        text("""
        INSERT INTO area_pieces (area_id, geom)
        SELECT id, ST_Subdivide(boundary, :maxv) FROM areas WHERE id = :a
    """),
        {"a": area_id, "maxv": SUBDIVIDE_MAX_VERTICES},
    )


def refresh_jurisdiction_boundary(s: Session, jurisdiction_id: int) -> None:
    """Set a jurisdiction's boundary to the union of its areas."""
    s.execute(
        text("""
        UPDATE jurisdictions j SET boundary = (
            SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(a.boundary)), 3))
            FROM areas a WHERE a.jurisdiction_id = j.id)
        WHERE j.id = :j
    """),
        {"j": jurisdiction_id},
    )


_AREAS_GEOJSON = text("""
    SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
        'type', 'Feature', 'id', a.code,
        'properties', json_build_object('code', a.code, 'name', coalesce(a.name ->> :lang, a.name ->> :fallback)),
        'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.boundary, 0.0002), 5)::json) ORDER BY a.code), '[]'))
    FROM areas a WHERE a.jurisdiction_id = :j
""")


def areas_geojson(s: Session, jurisdiction_id: int, lang: str, fallback: str) -> str:
    """The jurisdiction's areas as a GeoJSON FeatureCollection (simplified for a map), built in the database."""
    row = s.connection().execute(_AREAS_GEOJSON, {"j": jurisdiction_id, "lang": lang, "fallback": fallback}).first()
    return json.dumps(row[0]) if row is not None else '{"type": "FeatureCollection", "features": []}'
