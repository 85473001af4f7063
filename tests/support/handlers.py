"""Outbox handlers used by the tests; loaded through the OUTBOX_HANDLER_MODULES setting."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from backend.outbox import handles

HITS_TABLE = """
CREATE TABLE IF NOT EXISTS test_outbox_hits (
    id bigserial PRIMARY KEY,
    event_id bigint NOT NULL,
    worker text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
)
"""


@handles("test.record")
def record(s: Session, payload: dict[str, Any]) -> None:
    """Record that this event was handled, by which process (in the handler's transaction)."""
    s.execute(
        text("INSERT INTO test_outbox_hits (event_id, worker) VALUES (:e, :w)"),
        {"e": payload["event_key"], "w": f"{os.getpid()}"},
    )


@handles("test.fail")
def fail(s: Session, payload: dict[str, Any]) -> None:
    """Write a row and then fail: the row must not survive, the event must be retried later."""
    s.execute(
        text("INSERT INTO test_outbox_hits (event_id, worker) VALUES (:e, 'failed')"), {"e": payload["event_key"]}
    )
    raise RuntimeError("handler failed on purpose")


@handles("test.personal_db_error")
def personal_db_error(s: Session, payload: dict[str, Any]) -> None:
    """Fail in the database on a statement that carries a resident's contact data: a row breaking a NOT NULL rule
    (PostgreSQL repeats the whole failing row in its error)."""
    s.execute(
        text(
            "INSERT INTO residents (name, email, phone, locale, created_at, updated_at) "
            "VALUES (:name, :email, :phone, NULL, NULL, now())"
        ),
        {"name": payload["name"], "email": payload["email"], "phone": payload["phone"]},
    )
