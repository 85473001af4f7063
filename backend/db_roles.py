"""What the application's database role may do, and a warning when it may do more.

The tables belong to the owner (DATABASE_OWNER_URL, used only by `hromada db upgrade` and `hromada db grant`); web,
worker and beat connect as the application role (DATABASE_URL's user), which owns nothing. `grant` gives it:

- CONNECT and TEMPORARY on the database (the history import stages rows in temporary tables); PUBLIC gets
  neither, and no one but the owner may create in the schema;
- SELECT, INSERT, UPDATE, DELETE on every table of the schema the owner has, USAGE, SELECT, UPDATE on every
  sequence, with the exceptions in NARROW and WIDER below;
- the same on every table and sequence the owner creates later (ALTER DEFAULT PRIVILEGES): a later migration
  whose table needs other grants says so in its own upgrade (see docs/architecture.md).

Not being an owner, the application role cannot ALTER, DROP, TRUNCATE or disable a trigger on any table, so the
audit log's append-only trigger holds against it. Migration 0020 and `hromada db grant` both call `grant`.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

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

# The schema's tables, views and sequences the connected role owns (PostGIS's own tables belong to the
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


class RoleMissing(RuntimeError):
    """The application role named by DATABASE_URL does not exist in the database."""


def role_to_grant(conn: Connection, role: str | None) -> str | None:
    """The role to grant to, or None when there is nothing to grant (no role named, or the connected owner
    itself: one URL for both). RoleMissing when the role does not exist."""
    if not role or role == conn.scalar(text("SELECT current_user")):
        return None
    if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}) is None:
        raise RoleMissing(
            f"the application role {role!r} (DATABASE_URL's user) does not exist: create it first, e.g. "
            f"CREATE ROLE {role} LOGIN PASSWORD '...' (make run and docker-compose do it; see README, "
            "Upgrading to separate database roles)"
        )
    return role


def _quote(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote_identifier(name))


def _where(conn: Connection) -> tuple[str, str]:
    return (
        _quote(conn, str(conn.scalar(text("SELECT current_database()")))),
        _quote(conn, str(conn.scalar(text("SELECT current_schema()")))),
    )


def grant(conn: Connection, role: str) -> None:
    """Give `role` what the application needs on conn's database, connected as the owner of the tables. Running
    it again changes nothing; a table owned by another role is left as it is."""
    app = _quote(conn, role)
    database, schema = _where(conn)
    statements = [
        f"REVOKE ALL ON DATABASE {database} FROM PUBLIC",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {app}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {schema} TO {app}",
    ]
    for name, is_sequence, of_table in conn.execute(OWNED).all():
        narrow = NARROW.get(of_table)
        if is_sequence:
            grants = narrow[1] if narrow else SEQUENCE_GRANTS
            statements.append(f"GRANT {grants} ON SEQUENCE {schema}.{_quote(conn, name)} TO {app}")
        else:
            grants = narrow[0] if narrow else ", ".join(filter(None, (TABLE_GRANTS, WIDER.get(name))))
            statements.append(f"GRANT {grants} ON TABLE {schema}.{_quote(conn, name)} TO {app}")
    statements += [
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {TABLE_GRANTS} ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {SEQUENCE_GRANTS} ON SEQUENCES TO {app}",
    ]
    for statement in statements:
        conn.execute(text(statement))


def revoke(conn: Connection, role: str) -> None:
    """Take back what `grant` gave `role`; the database's defaults for PUBLIC return (CREATE in the schema stays
    the owner's alone)."""
    app = _quote(conn, role)
    database, schema = _where(conn)
    statements = [
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON SEQUENCES FROM {app}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON TABLES FROM {app}",
    ]
    for name, is_sequence, _ in conn.execute(OWNED).all():
        kind = "SEQUENCE" if is_sequence else "TABLE"
        statements.append(f"REVOKE ALL ON {kind} {schema}.{_quote(conn, name)} FROM {app}")
    statements += [
        f"REVOKE USAGE ON SCHEMA {schema} FROM {app}",
        f"REVOKE ALL ON DATABASE {database} FROM {app}",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO PUBLIC",
    ]
    for statement in statements:
        conn.execute(text(statement))


# What the connected role could do that the application role cannot: be a superuser, or own tables.
PRIVILEGES = text("""
    SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
           (SELECT count(*) FROM pg_class
            WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
              AND relkind IN ('r', 'p')
              AND relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())) AS tables
""")


def too_privileged(conn: Connection) -> str | None:
    """Why the connected role is more than the application role should be (a superuser, or the owner of
    tables), or None."""
    superuser, tables = conn.execute(PRIVILEGES).one()
    user = conn.scalar(text("SELECT current_user"))
    if superuser:
        return f"the database role {user!r} is a superuser"
    if tables:
        return f"the database role {user!r} owns {tables} tables"
    return None


def warn_if_privileged(app: Flask, process: str) -> None:
    """In production, web, worker and beat say so at start when DATABASE_URL's role owns tables or is a
    superuser: the application could then rewrite the audit log or drop tables. They start anyway (an install
    with one role keeps working); README, "Upgrading to separate database roles", says how to separate them."""
    if app.config["HROMADA_SETTINGS"].development:
        return
    try:
        with app.extensions["hromada.db"].engine.connect() as conn:
            why = too_privileged(conn)
    except SQLAlchemyError as exc:  # the database not up yet: the readiness check reports it
        log.warning("%s: could not check DATABASE_URL's role: %s", process, exc)
        return
    if why:
        log.warning(
            "%s connects with more rights than it needs: %s. DATABASE_URL should name a role that owns nothing "
            "(DATABASE_OWNER_URL the owner, for migrations); create one and run `hromada db grant` "
            "(see README, Upgrading to separate database roles)",
            process,
            why,
        )
