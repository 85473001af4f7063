"""Locating points in the demo cities: the right district, deterministic edges, none outside."""

from __future__ import annotations

import random

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.locate import locate, locate_many

RYNEK = (19.9373, 50.0617)
PLAC_CENTRALNY = (20.0375, 50.0722)
WARSAW = (21.0122, 52.2297)


def test_rynek_glowny_is_in_stare_miasto(cities: dict, db: Session) -> None:
    loc = locate(db, *RYNEK)
    assert loc is not None
    assert (loc.jurisdiction_code, loc.area_code) == ("1261011", "I")


def test_plac_centralny_is_in_nowa_huta(cities: dict, db: Session) -> None:
    loc = locate(db, *PLAC_CENTRALNY)
    assert loc is not None
    assert (loc.jurisdiction_code, loc.area_code) == ("1261011", "XVIII")


def test_a_point_in_warsaw_is_outside_every_jurisdiction(cities: dict, db: Session) -> None:
    assert locate(db, *WARSAW) is None


def test_a_point_in_the_powiat_around_krakow_is_in_the_powiat(cities: dict, db: Session) -> None:
    loc = locate(db, 20.1, 50.2)  # north-east of Kraków, in powiat krakowski
    assert loc is not None and loc.jurisdiction_code == "1206"


def test_krakow_districts_cover_326_square_kilometres(cities: dict, db: Session) -> None:
    km2 = db.execute(
        text("""
        SELECT sum(ST_Area(a.boundary::geography)) / 1e6, count(*)
        FROM areas a JOIN jurisdictions j ON j.id = a.jurisdiction_id WHERE j.code = '1261011'
    """)
    ).one()
    assert km2[1] == 18
    assert abs(km2[0] - 326.0) <= 1.0


def test_the_powiat_no_longer_overlaps_krakow_after_clipping(cities: dict, db: Session) -> None:
    overlap_m2 = db.execute(
        text("""
        SELECT ST_Area(ST_Intersection(p.boundary, k.boundary)::geography)
        FROM jurisdictions p, jurisdictions k WHERE p.code = '1206' AND k.code = '1261011'
    """)
    ).scalar_one()
    assert overlap_m2 < 1.0


def test_a_point_on_a_shared_district_edge_is_placed_the_same_way_every_time(cities: dict, db: Session) -> None:
    # A vertex of district I's outline that district II's outline covers too: exactly on the edge.
    lon, lat, first, second = db.execute(
        text("""
        SELECT ST_X(v.geom), ST_Y(v.geom), a.code, b.code
        FROM areas a JOIN areas b ON a.jurisdiction_id = b.jurisdiction_id
        JOIN jurisdictions j ON j.id = a.jurisdiction_id,
        LATERAL ST_DumpPoints(a.boundary) v
        WHERE j.code = '1261011' AND a.code = 'I' AND b.code = 'II' AND ST_Covers(b.boundary, v.geom)
        LIMIT 1
    """)
    ).one()
    results = {locate(db, lon, lat) for _ in range(25)}
    assert len(results) == 1
    (loc,) = results
    assert loc is not None and loc.area_code == min(first, second)


def test_set_based_locate_agrees_with_one_by_one(cities: dict, db: Session) -> None:
    rng = random.Random(7)
    points = [(rng.uniform(19.79, 20.22), rng.uniform(49.96, 50.13)) for _ in range(300)]
    assert locate_many(db, points) == [locate(db, *p) for p in points]
