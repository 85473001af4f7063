"""Every message a person can be shown through `gettext` (errors of every use case, e-mails, pages) has its
Polish and Ukrainian text: a message added in English only fails here, not in front of a resident."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("backend", "mobile_api", "admin", "push", "geo")


def _msgids() -> dict[str, str]:
    """msgid -> where it is used, for every gettext("literal", ...) call in the product's code."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                first = node.args[0]
                if name == "gettext" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.setdefault(first.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


@pytest.mark.parametrize("lang", ["pl", "uk"])
def test_every_message_has_its_translation(lang: str) -> None:
    with (ROOT / "backend" / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    translated = {m.id for m in catalog if m.id and m.string}
    used = _msgids()
    assert len(used) > 50  # the scan found the product's messages
    missing = sorted(f"{where}: {msgid!r}" for msgid, where in used.items() if msgid not in translated)
    assert not missing, "\n".join(missing)
