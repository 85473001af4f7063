"""Open311 answers in JSON (bare arrays for lists) and XML (UTF-8 declaration, the spec's names).

Every text goes through `backend.text.xml_safe` on its way in, in both formats alike: a character XML 1.0
forbids (stored before input was checked) is dropped, so one request's text never breaks a whole list."""

from __future__ import annotations

import json
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring  # noqa: S405 - we only build XML

from flask import Response

from backend.text import xml_safe

#: The element name of an item of each list.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "status_notes_history": "note",
    "photos": "photo",
}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def clean(value: Any) -> Any:
    """The value with every string (keys too) stripped of what XML 1.0 forbids, for JSON: the same text as in XML,
    and no lone surrogate that UTF-8 cannot encode."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def _fill(el: Element, value: Any) -> None:
    """The one place text enters the tree: every text stripped of what XML 1.0 forbids."""
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(SubElement(el, xml_safe(key)), item)
    elif isinstance(value, list):
        for item in value:
            _fill(SubElement(el, ITEMS.get(el.tag, "item")), item)
    else:
        text = _text(value)
        el.text = None if text is None else xml_safe(text)


def xml(root: str, value: Any) -> bytes:
    el = Element(root)
    _fill(el, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(el, encoding="unicode").encode()


def render(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    """JSON as the value itself; XML under `root` (a list becomes `root` with one child per item)."""
    if fmt == "xml":
        return Response(xml(root, value), status=status, mimetype="text/xml", content_type="text/xml; charset=utf-8")
    return Response(json.dumps(clean(value), ensure_ascii=False), status=status, mimetype="application/json")


def errors(fmt: str, status: int, items: list[tuple[int, str]]) -> Response:
    return render(fmt, "errors", [{"code": code, "description": text} for code, text in items], status)
