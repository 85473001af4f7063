"""The application's database role (TEST_DATABASE_URL's user) can do its work and nothing more: it cannot
rewrite the audit log, change the schema or drop anything; the owner (TEST_DATABASE_OWNER_URL) migrates."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy.exc
from sqlalchemy import Connection, Engine, create_engine, make_url, text

from backend import migrate
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def app_engine(migrated: str, database_owner_url: str) -> Iterator[Engine]:
    if migrate.role_of(migrated) == migrate.role_of(database_owner_url):
        pytest.skip("TEST_DATABASE_OWNER_URL is not set: the application connects as the owner")
    engine = create_engine(migrated)
    yield engine
    engine.dispose()


@pytest.fixture
def app_conn(app_engine: Engine) -> Iterator[Connection]:
    """A connection as the application's role; whatever a test did is rolled back."""
    with app_engine.connect() as conn:
        yield conn
        conn.rollback()


def refused(conn: Connection, sql: str) -> str:
    """Run `sql` in its own transaction; return the database's refusal (the test fails when it was allowed)."""
    conn.rollback()
    with conn.begin() as tx:
        try:
            conn.execute(text(sql))
        except sqlalchemy.exc.DBAPIError as exc:
            tx.rollback()
            return str(exc.orig)
        tx.rollback()
    pytest.fail(f"the application role was allowed: {sql}")


AUDIT_LOG_FORBIDDEN = [
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "ALTER TABLE audit_log ADD COLUMN note text",
    "ALTER TABLE audit_log OWNER TO CURRENT_USER",
    "DROP TRIGGER audit_log_no_update ON audit_log",
    "DROP TABLE audit_log",
    "TRUNCATE audit_log",
    "UPDATE audit_log SET action = 'nothing happened'",
    "DELETE FROM audit_log",
    "CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "RETURN NEW; END $$",
    "DROP FUNCTION audit_log_is_append_only() CASCADE",
    "SET session_replication_role = replica",
    "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), 1)",
]


@pytest.mark.parametrize("sql", AUDIT_LOG_FORBIDDEN)
def test_the_application_role_cannot_alter_disable_drop_or_rewrite_the_audit_log(
    app_conn: Connection, sql: str
) -> None:
    message = refused(app_conn, sql)
    assert "permission denied" in message or "must be owner" in message, message


SCHEMA_FORBIDDEN = [
    "CREATE TABLE public.intruder (id int)",
    "CREATE TABLE intruder (id int)",
    "CREATE SCHEMA intruder",
    "CREATE FUNCTION public.intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "DROP TABLE reports",
    "DROP TABLE staff_users CASCADE",
    "ALTER TABLE reports DROP COLUMN description",
    "ALTER TABLE reports DISABLE TRIGGER ALL",
    "CREATE INDEX intruder ON reports (id)",
    "TRUNCATE reports",
    "TRUNCATE outbox",
    "UPDATE alembic_version SET version_num = '0001'",
    "DELETE FROM alembic_version",
    "DROP SCHEMA public CASCADE",
    "DROP EXTENSION postgis CASCADE",
    "ALTER DATABASE postgres RENAME TO intruder",
    "CREATE ROLE intruder",
]


@pytest.mark.parametrize("sql", SCHEMA_FORBIDDEN)
def test_the_application_role_cannot_create_tables_or_drop_anything(app_conn: Connection, sql: str) -> None:
    message = refused(app_conn, sql)
    assert "permission denied" in message or "must be owner" in message, message


def test_it_owns_nothing_and_lists_what_it_cannot_touch(app_conn: Connection, migrated: str) -> None:
    role = make_url(migrated).username
    owned = app_conn.execute(
        text("SELECT relname FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = :r)"),
        {"r": role},
    ).all()
    assert owned == []
    flags = app_conn.execute(
        text("SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = :r"),
        {"r": role},
    ).one()
    assert not any(flags)
    # Every table of the schema, and what the application may do with it.
    rights = {
        name: {p for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE") if allowed[p]}
        for name, allowed in (
            (
                row.relname,
                {
                    p: app_conn.scalar(
                        text("SELECT has_table_privilege(:r, :t, :p)"), {"r": role, "t": row.oid, "p": p}
                    )
                    for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
                },
            )
            for row in app_conn.execute(
                text("SELECT relname, oid FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'")
            )
        )
    }
    assert rights["audit_log"] == {"SELECT", "INSERT"}
    assert rights["alembic_version"] == {"SELECT"}
    assert rights["reports"] == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    assert rights["test_outbox_hits"] == {"SELECT", "INSERT", "UPDATE", "DELETE"}  # created by the owner later
    assert "TRUNCATE" in rights["report_cell_counts"]
    limited = {name: sorted(r) for name, r in rights.items() if r != {"SELECT", "INSERT", "UPDATE", "DELETE"}}
    print("tables the application role cannot fully write:", limited)
    # The owner's tables are all reachable; only PostGIS's reference table stays read-only.
    assert set(limited) <= {"audit_log", "alembic_version", "spatial_ref_sys", *_counts()}, limited
    audit_sequence = app_conn.scalar(text("SELECT pg_get_serial_sequence('audit_log', 'id')"))
    assert not app_conn.scalar(
        text("SELECT has_sequence_privilege(:r, :s, 'UPDATE')"), {"r": role, "s": audit_sequence}
    )
    assert not app_conn.scalar(
        text("SELECT has_schema_privilege(:r, 'public', 'CREATE')"),
        {"r": role},
    )


def _counts() -> tuple[str, ...]:
    return ("report_cell_counts", "report_cell_totals", "report_facet_counts")


def test_it_still_does_its_work(app_conn: Connection) -> None:
    """It appends to the audit log, reads it back, writes ordinary tables and stages rows in a temporary table."""
    tag = f"roles-{uuid.uuid4().hex[:8]}"
    with app_conn.begin() as tx:
        app_conn.execute(
            text("INSERT INTO audit_log (action, target_type, at) VALUES ('login', :t, now())"), {"t": tag}
        )
        assert app_conn.scalar(text("SELECT count(*) FROM audit_log WHERE target_type = :t"), {"t": tag}) == 1
        app_conn.execute(text("INSERT INTO test_outbox_hits (event_id, worker) VALUES (1, :t)"), {"t": tag})
        assert app_conn.execute(text("DELETE FROM test_outbox_hits WHERE worker = :t"), {"t": tag}).rowcount == 1
        app_conn.execute(text("CREATE TEMP TABLE staged (line int) ON COMMIT DROP"))
        app_conn.execute(text("INSERT INTO staged VALUES (1)"))
        tx.rollback()


def test_the_owner_migrates_but_even_it_cannot_rewrite_the_audit_log(database_owner_url: str) -> None:
    engine = create_engine(database_owner_url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) >= "0020"
        conn.rollback()
        with conn.begin() as tx:
            conn.execute(text("INSERT INTO audit_log (action, target_type, at) VALUES ('login', 'owner', now())"))
            with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
                conn.execute(text("UPDATE audit_log SET action = 'nothing happened'"))
            tx.rollback()
    engine.dispose()


# -- upgrading an install that had one role for both ---------------------------------------------------------------


def _has(conn: Connection, role: str, table: str, right: str) -> bool:
    return bool(conn.scalar(text("SELECT has_table_privilege(:r, :t, :p)"), {"r": role, "t": table, "p": right}))


def test_hromada_db_grant_gives_a_new_application_role_what_it_needs_and_no_more(
    app_engine: Engine, migrated: str, database_owner_url: str, redis_url: str
) -> None:
    from backend import db_roles
    from tests.conftest import make_app
    from tests.integration.test_load_city import run_cli

    role = str(make_url(migrated).username)
    owner = create_engine(database_owner_url)
    try:
        with owner.begin() as conn:  # as after migrating with one URL for both: the new role has nothing
            db_roles.revoke(conn, role)
        with app_engine.connect() as conn:
            assert not _has(conn, role, "reports", "SELECT")
        app = make_app(migrated, redis_url, DATABASE_OWNER_URL=database_owner_url)
        done = run_cli(app, "db", "grant")
        assert done.exit_code == 0, done.output
        assert f"granted {role!r}" in done.output
        assert run_cli(app, "db", "grant").exit_code == 0  # running it again changes nothing
        with app_engine.connect() as conn:
            assert all(_has(conn, role, "reports", right) for right in ("SELECT", "INSERT", "UPDATE", "DELETE"))
            assert _has(conn, role, "audit_log", "INSERT") and not _has(conn, role, "audit_log", "UPDATE")
            assert _has(conn, role, "report_cell_counts", "TRUNCATE") and not _has(conn, role, "reports", "TRUNCATE")
            assert _has(conn, role, "test_outbox_hits", "DELETE")  # a table the owner made after 0020 too
            assert "must be owner" in refused(conn, "ALTER TABLE audit_log DISABLE TRIGGER ALL")
    finally:
        with owner.begin() as conn:
            db_roles.grant(conn, role)
        owner.dispose()


def test_hromada_db_grant_says_when_database_url_is_the_owner(database_owner_url: str, redis_url: str) -> None:
    from tests.conftest import make_app
    from tests.integration.test_load_city import run_cli

    app = make_app(database_owner_url, redis_url, DATABASE_OWNER_URL=database_owner_url)
    done = run_cli(app, "db", "grant")
    assert done.exit_code != 0
    assert "the owner of the tables" in done.output and "nothing to grant" in done.output


def _start(module: str, database_url: str, redis_url: str) -> str:
    """Import web's (backend.wsgi) or the worker's and beat's (backend.worker) entry point as production does;
    what it logged."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DATABASE")},
        "PYTHONPATH": str(ROOT),
        "HROMADA_ENV": "production",
        "PUBLIC_BASE_URL": "https://hromada.krakow.example",
        "SECRET_KEY": "Hq3vN8zR1xT6wB0mK5cJ9pL2sY7fD4gA",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


@pytest.mark.parametrize("module", ["backend.wsgi", "backend.worker"])
def test_in_production_web_worker_and_beat_warn_when_they_connect_as_the_owner(
    module: str, database_owner_url: str, redis_url: str
) -> None:
    said = _start(module, database_owner_url, redis_url)
    assert "connects with more rights than it needs" in said and "owns" in said
    assert "hromada db grant" in said


def test_in_production_the_application_role_starts_without_a_warning(
    app_engine: Engine, migrated: str, redis_url: str
) -> None:
    assert "more rights" not in _start("backend.wsgi", migrated, redis_url)
