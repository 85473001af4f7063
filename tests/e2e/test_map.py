"""The map: clusters from the count table add up exactly to the reports in the box, for every filter."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from backend.models import Report, utcnow
from backend.reporting import record_status
from geo import grid
from tests.support.reports import set_hidden

SERVICES = [("pothole", {"size": "small"}), ("graffiti", {}), ("street_light", {"problem": "off"}), ("bench", {})]


@pytest.fixture(scope="module")
def spread(app, cities) -> dict[str, Any]:
    """About 150 reports over Kraków with mixed services, statuses, months and a few hidden."""
    from tests.e2e.conftest import Resident

    client = app.test_client()
    rng = random.Random(42)
    users = [Resident(client) for _ in range(5)]
    ids = []
    for i in range(150):
        service, answers = SERVICES[i % len(SERVICES)]
        body = users[i % 5].report(service_code=service, answers=answers, lat=rng.uniform(50.02, 50.09),
                                   lon=rng.uniform(19.88, 20.05))
        ids.append(body["id"])
    with app.app_context():
        from backend.db import session

        s = session()
        for i, rid in enumerate(ids):
            report = s.get(Report, rid)
            if i % 3 == 1:
                record_status(s, report, "in_progress")
            elif i % 3 == 2:
                record_status(s, report, "closed")
            if i % 4 == 0:  # move into earlier months, keeping the counts right as a use case would
                grid.track(s, rid, -1)
                report.requested_at = utcnow() - timedelta(days=20 + 11 * (i % 9))
                s.flush()
                grid.track(s, rid, +1)
        s.commit()
        for rid in ids[::17]:
            set_hidden(rid, True)
    return {"since": (utcnow() - timedelta(days=47)).isoformat()}


def expected(db: Session, box: list[float], filters: dict[str, Any]) -> int:
    services = filters.get("service")
    statuses = {"open": ["submitted", "acknowledged", "in_progress"],
                "closed": ["resolved", "closed", "rejected", "duplicate"]}.get(filters.get("status", ""))
    n = db.execute(text("""
        SELECT count(*) FROM reports r JOIN services s ON s.id = r.service_id
        WHERE NOT r.hidden
          AND ST_X(r.location::geometry) >= :x0 AND ST_X(r.location::geometry) < :x1
          AND ST_Y(r.location::geometry) >= :y0 AND ST_Y(r.location::geometry) < :y1
          AND (CAST(:statuses AS text[]) IS NULL OR r.status = ANY(CAST(:statuses AS text[])))
          AND (CAST(:services AS text[]) IS NULL OR s.code = ANY(CAST(:services AS text[])))
          AND (CAST(:since AS timestamptz) IS NULL OR r.requested_at >= CAST(:since AS timestamptz))
    """), {"x0": box[0], "y0": box[1], "x1": box[2], "y1": box[3], "statuses": statuses,
           "services": [services] if services else None, "since": filters.get("since")}).scalar_one()
    db.rollback()
    return int(n)


@pytest.mark.parametrize("zoom", [10, 13, 15])
def test_cluster_counts_equal_the_reports_in_the_box_for_every_filter(client: FlaskClient, db: Session,
                                                                      spread: dict, zoom: int) -> None:
    rng = random.Random(zoom)
    filter_sets = [{}, {"status": "open"}, {"status": "closed"}, {"service": "graffiti"},
                   {"since": spread["since"]}, {"status": "open", "service": "pothole", "since": spread["since"]}]
    for _ in range(4):
        width = {10: 0.2, 13: 0.05, 15: 0.015}[zoom] * rng.uniform(0.5, 1.5)
        x0, y0 = rng.uniform(19.87, 20.05 - width), rng.uniform(50.01, 50.09 - width / 2)
        for filters in filter_sets:
            res = client.get("/api/v1/reports", query_string={"bbox": f"{x0},{y0},{x0 + width},{y0 + width / 2}",
                                                               "zoom": zoom, **filters})
            assert res.status_code == 200, res.json
            body = res.json
            assert body["type"] == "FeatureCollection" and body["mode"] == "clusters"
            cells = [tuple(f["properties"]["cell"]) for f in body["features"]]
            assert len(cells) == len(set(cells))
            total = sum(f["properties"]["count"] for f in body["features"])
            assert total == expected(db, body["bbox"], filters), (zoom, filters)
            for f in body["features"]:
                lon, lat = f["geometry"]["coordinates"]
                cb = f["properties"]["cell_bbox"]
                assert cb[0] <= lon <= cb[2] and cb[1] <= lat <= cb[3]


def test_street_zoom_pages_through_every_point_once(client: FlaskClient, db: Session, spread: dict) -> None:
    box = [19.88, 50.02, 20.05, 50.09]
    seen: list[int] = []
    cursor = None
    while True:
        query = {"bbox": ",".join(map(str, box)), "zoom": 17, "limit": 40, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/reports", query_string=query).json
        assert body["mode"] == "points"
        for f in body["features"]:
            lon, lat = f["geometry"]["coordinates"]
            assert box[0] <= lon <= box[2] and box[1] <= lat <= box[3]
            assert set(f["properties"]) >= {"public_id", "service_code", "status", "requested_at"}
        seen += [f["id"] for f in body["features"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == expected(db, box, {})
    assert seen == sorted(seen, reverse=True)


def test_hidden_reports_are_not_on_the_map(client: FlaskClient, resident, db: Session) -> None:
    me = resident()
    body = me.report(lat=50.0801, lon=19.9001)
    box = "19.8995,50.0795,19.9007,50.0807"
    ids = [f["id"] for f in client.get("/api/v1/reports", query_string={"bbox": box, "zoom": 18}).json["features"]]
    assert body["id"] in ids
    set_hidden(body["id"], True)
    ids = [f["id"] for f in client.get("/api/v1/reports", query_string={"bbox": box, "zoom": 18}).json["features"]]
    assert body["id"] not in ids


@pytest.mark.parametrize("query", [{"bbox": "1,2,3"}, {"bbox": "20,50,19,51"}, {"bbox": "a,b,c,d"},
                                   {"bbox": "19,50,20,51", "status": "lost"}, {"bbox": "19,50,20,51", "zoom": 40},
                                   {"bbox": "19,50,20,51", "service": "teleport"}, {}])
def test_bad_map_queries_are_422(client: FlaskClient, query: dict) -> None:
    res = client.get("/api/v1/reports", query_string=query)
    assert res.status_code == 422, res.json
