"""Database errors without the values they were about, before anything can log them.

PostgreSQL names the values of a failed statement in its error: a whole failing row ("Failing row contains (…,
anna@example.org, +48 601…)") or a unique key in the DETAIL line, the text it could not read in the message
("invalid input syntax for type integer: "…""). The engines are created with `hide_parameters=True` (SQLAlchemy
leaves the statement's parameters out of its errors) and with the listener below, which cuts every such error down
to its first line, blanks every text the statement sent that the message repeats, and blanks the message from the
first quote that does not open a name of the constraint, table, column or type PostgreSQL reported to its end (a
value may itself hold quotes, so nothing after its opening quote can be told apart from it), so that a log, a
traceback or a task's failure says which rule failed, never whose data failed it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext

HIDDEN = '"…"'
#: What may follow a name's closing quote in PostgreSQL's messages.
_AFTER_NAME = re.compile(r"(?:$|[\s,.:;)])")


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
    safe = redact(diag, _texts(context.parameters))
    orig.args = (safe,)
    wrapped = context.sqlalchemy_exception
    if wrapped is not None:
        wrapped.args = (f"({type(orig).__module__}.{type(orig).__name__}) {safe}",)


def redact(diag: Any, sent: Iterable[str] = ()) -> str:
    """The error's primary message with the texts `sent` and every quoted value blanked, and its SQLSTATE."""
    names = sorted(
        {
            n
            for n in (diag.constraint_name, diag.table_name, diag.column_name, diag.datatype_name, diag.schema_name)
            if n
        },
        key=len,
        reverse=True,
    )
    text = (diag.message_primary or "").split("\n", 1)[0]
    for value in sorted(set(sent), key=len, reverse=True):
        text = text.replace(value, "…")
    kept, at = [], 0
    while (quote := text.find('"', at)) >= 0:
        name = next((n for n in names if _is_name(text, quote, n)), None)
        if name is None:  # a value: hidden with all that follows it
            kept.append(text[at:quote] + HIDDEN)
            at = len(text)
            break
        kept.append(text[at : quote + len(name) + 2])
        at = quote + len(name) + 2
    kept.append(text[at:])
    return f"{''.join(kept)} (SQLSTATE {diag.sqlstate})"


def _is_name(text: str, quote: int, name: str) -> bool:
    """Whether the quote at `quote` opens `name`, quoted and followed by what follows a name in a message."""
    end = quote + len(name) + 2
    return text.startswith(f'"{name}"', quote) and _AFTER_NAME.match(text, end) is not None


def _texts(parameters: Any) -> list[str]:
    """The texts of at least 3 characters among a statement's parameters (a dict, a sequence, or a list of them)."""
    found: list[str] = []
    stack = [parameters]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if len(value) >= 3:
                found.append(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list | tuple):
            stack.extend(value)
    return found
