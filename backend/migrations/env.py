"""Alembic environment: the URL comes from the caller (hromada db ...), never from a file.

The caller connects as the owner of the tables (DATABASE_OWNER_URL) and names the application's role in
`config.attributes["app_role"]`; migrations that grant (0020) read it there."""

from __future__ import annotations

from typing import Any

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import Connection, Engine, pool

from backend.migrate import include_object
from backend.models import Base
from backend.redaction import private_engine

config = context.config
target_metadata = Base.metadata


def _connectable() -> Connection | Engine:
    """The connection the caller handed over (`config.attributes["connection"]`), else an engine for the URL."""
    given: Connection | Engine | None = config.attributes.get("connection")
    if given:
        return given
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("no database: set sqlalchemy.url or hand over a connection")
    return private_engine(url, poolclass=pool.NullPool)


def _migrate(connection: Connection, options: dict[str, Any]) -> None:
    context.configure(connection=connection, **options)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = _connectable()
    options: dict[str, Any] = {
        "target_metadata": target_metadata,
        "include_object": include_object,
        "process_revision_directives": alembic_helpers.writer,
        "render_item": alembic_helpers.render_item,
        "compare_type": True,
        "version_table_schema": config.attributes.get("version_table_schema"),
    }
    if isinstance(connectable, Engine):
        with connectable.connect() as connection:
            _migrate(connection, options)
    else:
        _migrate(connectable, options)


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=alembic_helpers.render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
