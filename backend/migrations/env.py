"""Alembic environment: the URL comes from the caller (hromada db ...), never from a file."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, pool

from backend.migrate import include_object
from backend.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    connectable = config.attributes.get("connection") or create_engine(url, poolclass=pool.NullPool)
    kwargs = {
        "target_metadata": target_metadata,
        "include_object": include_object,
        "process_revision_directives": alembic_helpers.writer,
        "render_item": alembic_helpers.render_item,
        "compare_type": True,
        "version_table_schema": config.attributes.get("version_table_schema"),
    }
    if hasattr(connectable, "connect") and not hasattr(connectable, "execute"):
        with connectable.connect() as connection:
            context.configure(connection=connection, **kwargs)
            with context.begin_transaction():
                context.run_migrations()
    else:
        context.configure(connection=connectable, **kwargs)
        with context.begin_transaction():
            context.run_migrations()


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
