"""The database keeps `reports.channel` to the vocabulary's channels (migration 0016), and the migration puts the
rows written before it into the vocabulary."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from backend.db import database
from backend.vocabulary import Channel

MIGRATION = Path(__file__).resolve().parents[2] / "backend/migrations/versions/0016_report_channel_known.py"


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0016", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_channel_of_the_vocabulary_is_accepted_and_any_other_refused(app: Flask, cities: dict) -> None:
    from tests.e2e.conftest import Resident

    made = Resident(app.test_client()).report()
    with app.app_context(), database().engine.connect() as conn, conn.begin() as tx:
        ref = {"id": made["id"]}
        assert conn.execute(text("SELECT channel FROM reports WHERE id = :id"), ref).scalar() == Channel.APP
        for channel in Channel:
            conn.execute(text("UPDATE reports SET channel = :c WHERE id = :id"), {**ref, "c": channel.value})
            assert conn.execute(text("SELECT channel FROM reports WHERE id = :id"), ref).scalar() == channel
        for unknown in ("carrier_pigeon", "APP", "seed", ""):
            with pytest.raises(IntegrityError, match="ck_reports_channel_known"), conn.begin_nested():
                conn.execute(text("UPDATE reports SET channel = :c WHERE id = :id"), {**ref, "c": unknown})
        tx.rollback()


def test_the_migration_brings_earlier_rows_into_the_vocabulary(app: Flask) -> None:
    migration = _migration()
    before = ["app", "open311", "import", " Web ", "APP", "mobile", "Telephone", "office", "e-mail", "seed", "bench"]
    after = ["app", "open311", "import", "web", "app", "app", "phone", "counter", "email", "import", "import"]
    with app.app_context(), database().engine.connect() as conn, conn.begin() as tx:
        # A temporary table of that name comes first on the search path: the real reports are not touched.
        conn.execute(text("CREATE TEMPORARY TABLE reports (n int, channel varchar(16)) ON COMMIT DROP"))
        for n, channel in enumerate(before):
            conn.execute(text("INSERT INTO reports VALUES (:n, :c)"), {"n": n, "c": channel})
        conn.execute(text(migration.NORMALISE))
        assert list(conn.execute(text("SELECT channel FROM reports ORDER BY n")).scalars()) == after
        conn.execute(text(f"ALTER TABLE reports ADD CONSTRAINT known CHECK ({migration.KNOWN})"))
        assert set(after) <= set(Channel)
        tx.rollback()
