"""The count tables kept by the use cases equal a recount from the reports themselves."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from backend.reporting import counts

TABLES = ("report_cell_counts", "report_cell_totals", "report_facet_counts")


def snapshot(conn: object) -> dict[str, set[tuple]]:
    """Non-zero rows of every count table (rows counted down to zero stay after upserts, a recount has none);
    coordinate sums rounded, since floating-point addition depends on the order."""
    out = {}
    for table in TABLES:
        rows = conn.execute(text(f"SELECT * FROM {table} WHERE count <> 0")).mappings().all()  # noqa: S608
        out[table] = {tuple(round(v, 6) if isinstance(v, float) else v for v in row.values()) for row in rows}
    return out


def test_a_recount_from_the_reports_equals_the_maintained_counts(app: Flask, cities: dict) -> None:
    from tests.e2e.conftest import POTHOLE, Resident

    client = app.test_client()
    me = Resident(client)
    me.report()
    me.report(**{**POTHOLE, "lat": 50.07, "lon": 20.03})
    from backend.db import database

    with app.app_context(), database().engine.connect() as conn, conn.begin() as tx:
        maintained = snapshot(conn)
        counts.rebuild(conn)
        rebuilt = snapshot(conn)
        tx.rollback()
    for table in TABLES:
        assert maintained[table] == rebuilt[table], table
        assert maintained[table], table
