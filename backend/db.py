"""Engine and sessions: one session per request or task, closed when its app context ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from backend.redaction import private_engine
from backend.settings import Settings


class Database:
    """Holds the engine and the session factory of one app."""

    def __init__(self, settings: Settings) -> None:
        # Errors never carry a statement's parameters nor the values PostgreSQL quotes back (backend.redaction).
        self.engine: Engine = private_engine(
            settings.DATABASE_URL,
            pool_size=settings.DB_POOL_SIZE,
            max_overflow=settings.DB_POOL_SIZE,
            pool_pre_ping=True,
            pool_timeout=5,
            connect_args={
                "connect_timeout": settings.DB_CONNECT_TIMEOUT,
                "options": f"-c statement_timeout={settings.DB_STATEMENT_TIMEOUT_MS}",
                "application_name": "hromada",
            },
        )
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    def init_app(self, app: Flask) -> None:
        app.extensions["hromada.db"] = self
        app.teardown_appcontext(_close_session)


def database() -> Database:
    """The current app's database."""
    db: Database = current_app.extensions["hromada.db"]
    return db


def session() -> Session:
    """The session of the current request or task (created on first use)."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    s: Session = g.db_session
    return s


def _close_session(_exc: BaseException | None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction: commit at the end, roll back on error."""
    s = session()
    try:
        yield s
        s.commit()
    except BaseException:
        s.rollback()
        raise
