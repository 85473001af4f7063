"""Text as the formats we write can carry it: every XML writer passes its text and attributes through
`xml_safe`, so a character XML 1.0 forbids, already stored (a resident's vertical tab), never breaks a feed."""

from __future__ import annotations

import re

#: What XML 1.0 forbids (its `Char` production): C0 controls other than TAB, LF and CR, lone surrogates,
#: and U+FFFE and U+FFFF.
XML_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """The text without the characters XML 1.0 forbids (everything else unchanged)."""
    return XML_FORBIDDEN.sub("", text)
