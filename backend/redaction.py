"""Database errors without the values they were about, before anything can log them.

PostgreSQL names the values of a failed statement in its error: a whole failing row ("Failing row contains (…,
anna@example.org, +48 601…)") or a unique key in the DETAIL line, the text it could not read in the message
("invalid input syntax for type integer: "…""). The engines are created with `hide_parameters=True` (SQLAlchemy
leaves the statement's parameters out of its errors) and with the listener below, which cuts every such error down
to its first line and blanks each quoted value in it (quoted names of the constraint, table, column or type stay),
so that a log, a traceback or a task's failure says which rule failed, never whose data failed it."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext

_QUOTED = re.compile(r'"([^"]*)"')
HIDDEN = '"…"'


def private_engine(url: str, **kwargs: Any) -> Engine:
    """create_engine whose errors never carry a statement's parameters or the values PostgreSQL quotes back."""
    engine = create_engine(url, hide_parameters=True, **kwargs)
    event.listen(engine, "handle_error", scrub_error)
    return engine


def scrub_error(context: ExceptionContext) -> None:
    """Rewrite the message of an error PostgreSQL reported (the driver's and SQLAlchemy's, which repeats it) in
    place; connection failures, which carry no values, keep theirs."""
    orig = context.original_exception
    diag = getattr(orig, "diag", None)
    if diag is None or getattr(diag, "sqlstate", None) is None:
        return
    safe = redact(diag)
    orig.args = (safe,)
    wrapped = context.sqlalchemy_exception
    if wrapped is not None:
        wrapped.args = (f"({type(orig).__module__}.{type(orig).__name__}) {safe}",)


def redact(diag: Any) -> str:
    """The error's primary message with every quoted value blanked, and its SQLSTATE."""
    names = {
        n for n in (diag.constraint_name, diag.table_name, diag.column_name, diag.datatype_name, diag.schema_name) if n
    }
    primary = (diag.message_primary or "").split("\n", 1)[0]
    text = _QUOTED.sub(lambda m: m.group(0) if m.group(1) in names else HIDDEN, primary)
    return f"{text} (SQLSTATE {diag.sqlstate})"
