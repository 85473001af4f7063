"""Which cells a spreadsheet would run as a formula, and what the CSV writer makes of them."""

from __future__ import annotations

import csv
import io

import pytest

from backend.spreadsheets import csv_cell, csv_text


@pytest.mark.parametrize(
    "typed", ["=1+1", '=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-"]
)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(typed: str) -> None:
    assert csv_cell(typed) == "'" + typed
    assert next(csv.reader(io.StringIO(csv_text([[typed]])))) == ["'" + typed]


@pytest.mark.parametrize("value", [-5, -0.25, 3, 2.5, "-5", "+1.5", "-2e3", ".5", "Plain", "a=b", "", None, True])
def test_numbers_and_plain_text_stay_as_they_are(value: object) -> None:
    assert csv_cell(value) == value
