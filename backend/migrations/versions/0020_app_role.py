"""the application's database role: what it may read and write

The tables belong to the owner (DATABASE_OWNER_URL, used only by `hromada db upgrade`); web, worker and beat
connect as the application role (DATABASE_URL's user), which owns nothing. It gets:

- CONNECT and TEMPORARY on the database (the history import stages rows in temporary tables); PUBLIC gets
  neither, and no one but the owner may create in the schema;
- SELECT, INSERT, UPDATE, DELETE on every table of the schema the owner has, USAGE, SELECT, UPDATE on every
  sequence, with the exceptions in NARROW and WIDER below;
- the same on every table and sequence the owner creates later (ALTER DEFAULT PRIVILEGES): a later migration
  whose table needs other grants says so in its own upgrade (see docs/architecture.md).

Not being an owner, the application role cannot ALTER, DROP, TRUNCATE or disable a trigger on any table, so the
audit log's append-only trigger holds against it. When the application connects as the owner itself (one URL
for both), or no application role is named, this migration changes nothing.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

from alembic import context, op
from sqlalchemy import text

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TABLE_GRANTS = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_GRANTS = "USAGE, SELECT, UPDATE"
# Tables (and the sequences they own) that get less than the ordinary grants.
NARROW = {
    "audit_log": ("SELECT, INSERT", "USAGE, SELECT"),  # append-only: history is never rewritten
    "alembic_version": ("SELECT", "SELECT"),  # only `hromada db upgrade` moves the schema
}
# Tables that get more: the report counts are derived data that a full recount empties first.
WIDER = {
    "report_cell_counts": "TRUNCATE",
    "report_cell_totals": "TRUNCATE",
    "report_facet_counts": "TRUNCATE",
}

# The schema's tables, views and sequences the migrating role owns (PostGIS's own tables belong to the
# superuser that created the extension and are left alone), with the table a sequence belongs to.
OWNED = text("""
    SELECT c.relname, c.relkind = 'S' AS is_sequence, coalesce(t.relname, c.relname) AS of_table
    FROM pg_class c
    LEFT JOIN pg_depend d ON c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid
        AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    LEFT JOIN pg_class t ON t.oid = d.refobjid
    WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
      AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
    ORDER BY c.relname
""")


def _app_role() -> str | None:
    """The role to grant to (`hromada db upgrade` passes DATABASE_URL's user), or None: grant nothing."""
    role = context.config.attributes.get("app_role")
    if not role:
        return None
    bind = op.get_bind()
    if role == bind.scalar(text("SELECT current_user")):
        return None  # one URL for both: the owner needs no grants
    if bind.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}) is None:
        raise RuntimeError(
            f"the application role {role!r} (DATABASE_URL's user) does not exist: create it first, e.g. "
            f"CREATE ROLE {role} LOGIN PASSWORD '...' (make run and docker-compose do it)"
        )
    return str(role)


def _quote(name: str) -> str:
    return str(op.get_bind().dialect.identifier_preparer.quote_identifier(name))


def _where() -> tuple[str, str]:
    bind = op.get_bind()
    return _quote(bind.scalar(text("SELECT current_database()"))), _quote(bind.scalar(text("SELECT current_schema()")))


def upgrade() -> None:
    role = _app_role()
    if role is None:
        return
    app = _quote(role)
    database, schema = _where()
    op.execute(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC")
    op.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {app}")
    op.execute(f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC")
    op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {app}")
    for name, is_sequence, of_table in op.get_bind().execute(OWNED).all():
        narrow = NARROW.get(of_table)
        if is_sequence:
            grants = narrow[1] if narrow else SEQUENCE_GRANTS
            op.execute(f"GRANT {grants} ON SEQUENCE {schema}.{_quote(name)} TO {app}")
        else:
            grants = narrow[0] if narrow else ", ".join(filter(None, (TABLE_GRANTS, WIDER.get(name))))
            op.execute(f"GRANT {grants} ON TABLE {schema}.{_quote(name)} TO {app}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {TABLE_GRANTS} ON TABLES TO {app}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {SEQUENCE_GRANTS} ON SEQUENCES TO {app}")


def downgrade() -> None:
    role = _app_role()
    if role is None:
        return
    app = _quote(role)
    database, schema = _where()
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON SEQUENCES FROM {app}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON TABLES FROM {app}")
    for name, is_sequence, _ in op.get_bind().execute(OWNED).all():
        kind = "SEQUENCE" if is_sequence else "TABLE"
        op.execute(f"REVOKE ALL ON {kind} {schema}.{_quote(name)} FROM {app}")
    op.execute(f"REVOKE USAGE ON SCHEMA {schema} FROM {app}")
    op.execute(f"REVOKE ALL ON DATABASE {database} FROM {app}")
    # PostgreSQL's defaults for a database; CREATE in the schema stays the owner's alone.
    op.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO PUBLIC")
