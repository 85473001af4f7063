"""Alembic driven from code: `hromada db upgrade|downgrade|current|revision`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from geoalchemy2 import alembic_helpers
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Leave PostGIS's own tables (spatial_ref_sys, topology) out of autogenerate."""
    if type_ == "table" and reflected and compare_to is None:
        return False
    return bool(alembic_helpers.include_object(obj, name, type_, reflected, compare_to))


def role_of(database_url: str) -> str | None:
    """The database user a URL connects as (None when the URL names none)."""
    return make_url(database_url).username


def alembic_config(database_url: str, version_schema: str | None = None, app_role: str | None = None) -> Config:
    """An Alembic config pointing at this package's migrations and the given database (the owner's URL).

    `app_role` is the role the application connects as: the migrations grant it what it needs (0020). None, or
    the migrating user itself, grants nothing."""
    cfg = Config()
    cfg.attributes["version_table_schema"] = version_schema
    cfg.attributes["app_role"] = app_role
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(
    database_url: str, revision: str = "head", version_schema: str | None = None, app_role: str | None = None
) -> None:
    command.upgrade(alembic_config(database_url, version_schema, app_role), revision)


def downgrade(database_url: str, revision: str, version_schema: str | None = None, app_role: str | None = None) -> None:
    command.downgrade(alembic_config(database_url, version_schema, app_role), revision)


def current(database_url: str) -> None:
    command.current(alembic_config(database_url), verbose=False)


def revision(database_url: str, message: str, autogenerate: bool = True) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=autogenerate)
