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
