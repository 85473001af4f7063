"""The schema comes from the migrations: up from empty to head, down to base, no drift."""

from __future__ import annotations

from urllib.parse import quote

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from backend import migrate
from backend.migrate import include_object
from backend.models import Base

SCHEMA = "migration_check"


def _scratch_url(database_url: str) -> str:
    """The test database, but creating tables in a scratch schema (PostGIS types stay in public)."""
    sep = "&" if "?" in database_url else "?"
    return f"{database_url}{sep}options={quote(f'-csearch_path={SCHEMA},public')}"


def test_migrations_run_from_empty_to_head_and_back_to_base(migrated: str, database_owner_url: str) -> None:
    admin = create_engine(database_owner_url)  # the owner migrates; the application's role may not
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    url = _scratch_url(database_owner_url)
    try:
        migrate.upgrade(url, "head", version_schema=SCHEMA)
        tables = set(inspect(admin).get_table_names(schema=SCHEMA))
        assert set(Base.metadata.tables) <= tables
        engine = create_engine(url)
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": True}),
                Base.metadata,
            )
        engine.dispose()
        assert diff == [], f"models and migrations differ: {diff}"
        migrate.downgrade(url, "base", version_schema=SCHEMA)
        assert set(inspect(admin).get_table_names(schema=SCHEMA)) <= {"alembic_version"}
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()
