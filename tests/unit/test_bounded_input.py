"""The schemas' numbers and dates stay within what the database stores, and JSON typed into a form is held to the
rules of a JSON body (no I/O: the fields and the parser alone)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from marshmallow import Schema, ValidationError

from backend.fields import AwareDateTime, BigInt, Date, DateTime, Int, whole_number
from backend.input_guard import BadInput, parse_json

ROOT = Path(__file__).resolve().parents[2]
UNBOUNDED = re.compile(r"\bfields\.(Int|Integer|DateTime|AwareDateTime|NaiveDateTime|Date)\(")


def test_every_schema_of_the_http_packages_declares_bounded_integers_and_dates() -> None:
    modules = [*(ROOT / "admin").rglob("*.py"), *(ROOT / "mobile_api").rglob("*.py")]
    assert len(modules) > 20
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in modules
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if UNBOUNDED.search(line)
    ]
    assert not found, "use backend.fields (Int, BigInt, DateTime, AwareDateTime, Date):\n" + "\n".join(found)


class Sample(Schema):
    id = Int()
    big = BigInt()
    at = AwareDateTime()
    naive = DateTime()
    day = Date()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", 2**31),
        ("id", -(2**31) - 1),
        ("id", "²"),
        ("id", "9" * 5000),
        ("id", float("inf")),
        ("big", 2**63),
        ("at", "0001-01-01T00:00:00-12:00"),
        ("at", "9999-12-31T23:59:59+14:00"),
        ("at", "1899-12-31T23:00:00Z"),
        ("naive", "0001-01-01T00:00:00"),
        ("day", "2201-01-01"),
        ("day", "0001-01-01"),
    ],
)
def test_values_beyond_the_database_are_validation_errors_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        Sample().load({field: value})
    assert list(refused.value.messages) == [field]


def test_values_within_the_database_load() -> None:
    loaded = Sample().load(
        {
            "id": 2**31 - 1,
            "big": 2**40,
            "at": "2026-12-07T10:00:00+01:00",
            "naive": "2026-12-07T10:00:00",
            "day": "2200-12-31",
        }
    )
    assert loaded["id"] == 2**31 - 1 and loaded["big"] == 2**40 and loaded["day"].year == 2200


def test_whole_numbers_are_ascii_digits_within_range() -> None:
    assert whole_number("123") == 123
    assert [whole_number(v) for v in ("²", "١٢٣", "-1", "1.0", "", None, str(2**31), "9" * 5000)] == [None] * 8


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"a": {"b": "x\\u0000"}}', "a.b"),
        ('{"a": [1, "\\ud800"]}', "a[1]"),
        ('{"a": 1e999}', "a"),
        ('{"a": NaN}', "a"),
        ('{"a": ' + "9" * 50 + "}", "a"),
        ("[" * 100 + "]" * 100, "json"),
        ("[" * 100_000 + "]" * 100_000, "json"),
        ('{"x\\u000b": 1}', "json"),
    ],
)
def test_json_beyond_the_rules_is_refused_naming_the_field(text: str, field: str) -> None:
    with pytest.raises(BadInput) as refused:
        parse_json(text)
    assert refused.value.field == field and refused.value.status in (400, 422)


def test_json_within_the_rules_parses_as_json_loads_does() -> None:
    text = '{"a": [1, 2.5, "tab\\tnew\\nline", {"b": null}], "c": 12345678901234567890}'
    assert parse_json(text) == {"a": [1, 2.5, "tab\tnew\nline", {"b": None}], "c": 12345678901234567890}
    with pytest.raises(ValueError):
        parse_json("{'not': json}")
