"""What strangers typed never runs as a formula in the spreadsheets staff download: survey answers in the
responses CSV (staff API and web UI), indicator texts in the dashboard's CSV and XLSX. Numbers stay numbers."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from backend.staff import create_staff
from tests.e2e.conftest import HTTPS, PASSWORD, TOTP_SECRET, api_headers, web_session
from tests.e2e.test_surveys import DEFINITION, GOOD, answer, citizen

HYPERLINK = '=HYPERLINK("http://evil","x")'
DDE = "+cmd|' /C calc'!A0"
AT = "@SUM(A1:A2)"


@pytest.fixture(scope="module")
def admin(app: Flask, cities: dict) -> dict[str, Any]:
    email = f"formulas-{uuid.uuid4().hex[:8]}@krakow.example"
    with app.app_context():
        create_staff(email=email, password=PASSWORD, role="admin", jurisdiction_code="1261011",
                     totp_secret=TOTP_SECRET)
    web, _ = web_session(app, email)
    return {"api": api_headers(app, email), "web": web}


def test_survey_answers_that_look_like_formulas_arrive_as_text_in_both_csv_exports(
    app: Flask, client: FlaskClient, admin: dict[str, Any]
) -> None:
    made = client.post("/api/admin/surveys", json={**DEFINITION, "key": f"formulas-{uuid.uuid4().hex[:6]}"},
                       headers=admin["api"]).json
    assert client.post(f"/api/admin/surveys/{made['id']}/publish", headers=admin["api"]).status_code == 200
    for text, roads in ((HYPERLINK, 4), (DDE, 2), ("-5", 5), ("Plain words", 3)):
        assert answer(citizen(client), made["id"], {**GOOD, "comment": text, "roads": roads}).status_code == 201
    exports = [
        client.get(f"/api/admin/surveys/{made['id']}/responses.csv", headers=admin["api"]),
        admin["web"].get(f"/admin/surveys/{made['id']}/responses.csv", base_url=HTTPS),
    ]
    for exported in exports:
        assert exported.status_code == 200 and exported.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
        assert sorted(r["comment"] for r in rows) == sorted(["'" + HYPERLINK, "'" + DDE, "-5", "Plain words"])
        assert sorted(float(r["roads"]) for r in rows) == [2, 3, 4, 5]  # the numeric column stays numbers
        assert all(float(r["weight"]) > 0 for r in rows)


def test_indicator_texts_that_look_like_formulas_arrive_as_text_in_the_dashboard_xlsx_and_csv(
    client: FlaskClient, admin: dict[str, Any]
) -> None:
    code = f"formula-{uuid.uuid4().hex[:6]}"
    texts = dict.fromkeys(("pl", "uk", "en"), HYPERLINK)
    made = client.post("/api/admin/indicators", headers=admin["api"], json={
        "code": code, "name": texts, "description": dict.fromkeys(texts, DDE), "unit": "h",
        "direction": "lower", "kind": "objective", "computation": "median_hours_to_resolve", "target": -5,
        "owner": AT})
    assert made.status_code == 201, made.json
    xlsx = admin["web"].get("/admin/indicators/export.xlsx", base_url=HTTPS)
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.get_data()))
    definitions = book.worksheets[1]
    row = next(r for r in definitions.iter_rows(min_row=2) if r[0].value == code)
    for cell, typed in ((row[1], HYPERLINK), (row[2], DDE), (row[12], AT)):
        assert cell.data_type == "s" and cell.value == typed and cell.quotePrefix  # shown as typed, never run
    assert row[8].data_type == "n" and row[8].value == -5  # a negative number stays a number
    assert not any(c.data_type == "f" for sheet in book.worksheets for line in sheet.iter_rows() for c in line)
    table = admin["web"].get("/admin/indicators/export.csv", base_url=HTTPS).get_data(as_text=True)
    cells = [c for line in csv.reader(io.StringIO(table)) for c in line]
    assert "'" + HYPERLINK in cells and HYPERLINK not in cells
