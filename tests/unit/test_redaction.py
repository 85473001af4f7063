"""Database errors lose the values they were about (backend/redaction.py), whatever the values hold."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from backend.redaction import redact


def diag(message: str, **names: Any) -> SimpleNamespace:
    """What psycopg reports of an error: its message, SQLSTATE and the names of what failed."""
    fields = {
        "constraint_name": None,
        "table_name": None,
        "column_name": None,
        "datatype_name": None,
        "schema_name": None,
        "sqlstate": "22P02",
        "message_primary": message,
    }
    return SimpleNamespace(**{**fields, **names})


@pytest.mark.parametrize(
    "value",
    [
        'x"anna@example.org',
        'anna@example.org"',
        '" anna@example.org "',
        'x" is fine "anna@example.org',
        "anna@example.org",
    ],
)
def test_a_quoted_value_is_hidden_even_when_it_holds_quotes(value: str) -> None:
    safe = redact(diag(f'invalid input syntax for type integer: "{value}"'))
    assert "anna" not in safe and safe == 'invalid input syntax for type integer: "…" (SQLSTATE 22P02)'


def test_a_value_that_starts_like_a_name_is_hidden_through_the_statements_parameters() -> None:
    value = 'residents" anna@example.org'
    message = f'invalid input syntax for type integer: "{value}"'
    safe = redact(diag(message, table_name="residents"), [value, "ab"])
    assert "anna" not in safe


def test_the_names_of_what_failed_stay_and_the_detail_line_goes() -> None:
    message = (
        'null value in column "email" of relation "residents" violates not-null constraint\n'
        "DETAIL: Failing row contains (7, Anna, anna@example.org)."
    )
    safe = redact(diag(message, column_name="email", table_name="residents", sqlstate="23502"))
    assert safe == 'null value in column "email" of relation "residents" violates not-null constraint (SQLSTATE 23502)'
    unique = redact(
        diag(
            'duplicate key value violates unique constraint "uq_residents_email"',
            constraint_name="uq_residents_email",
            sqlstate="23505",
        )
    )
    assert unique == 'duplicate key value violates unique constraint "uq_residents_email" (SQLSTATE 23505)'
