"""Text XML 1.0 forbids never reaches a file we write: the XML of Open311 and the cells of XLSX exports."""

from __future__ import annotations

import io
from xml.etree import ElementTree

from openpyxl import Workbook, load_workbook

from backend.spreadsheets import append_row
from backend.text import xml_safe
from mobile_api.open311.formats import xml

STORED = "Lamp\x0b out\x00\x1f since\ufffe\uffff Monday\ud800\tnight\r\n🚧 ok"
KEPT = "Lamp out since Monday\tnight\r\n🚧 ok"


def test_xml_safe_drops_only_what_xml_forbids() -> None:
    assert xml_safe(STORED) == KEPT
    assert xml_safe("zażółć ґанок \x7f\ufffd") == "zażółć ґанок \x7f\ufffd"


def test_an_open311_document_with_stored_control_characters_parses() -> None:
    document = xml("service_requests", [{"description": STORED}])
    root = ElementTree.fromstring(document)  # noqa: S314 - our own document
    assert root[0].findtext("description") == KEPT.replace("\r\n", "\n")  # XML normalises line ends on reading


def test_an_xlsx_row_with_stored_control_characters_is_written_and_read_back() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    append_row(sheet, [STORED, 3])
    out = io.BytesIO()
    book.save(out)
    row = next(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert row == (KEPT.replace("\r\n", "\n"), 3)  # XML normalises line ends on reading
