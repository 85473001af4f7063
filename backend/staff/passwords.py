"""The password rule for staff accounts, in one place: long enough, hard to guess (zxcvbn, with the person's and
the municipality's names as what an attacker would try first) and not on the bundled list of common passwords.

Every place that sets a password calls `check`: creating an account (CLI, administration page), changing one's
own password, and resetting it by an e-mailed link. Nothing is looked up online.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from zxcvbn import zxcvbn

from backend.errors import DomainError
from backend.i18n import gettext
from backend.models import Jurisdiction
from backend.security import typable

MIN_LENGTH = 12
MAX_LENGTH = 1024
#: zxcvbn's score (0-4) a password needs: 3 is "safely unguessable" (about 10^10 guesses).
MIN_SCORE = 3
COMMON_PASSWORDS = Path(__file__).resolve().parent / "common_passwords" / "passwords.txt"
#: Characters a password must keep beyond the person's and the municipality's names.
PERSONAL_REST = 8
#: The longest text zxcvbn scores; a longer password is scored on its beginning (more cannot make it weaker).
SCORED_LENGTH = 72
#: Words every password of this product would be guessed with first.
PRODUCT_WORDS = ("hromada", "admin", "administrator", "staff")


class WeakPassword(DomainError):
    """The new password breaks the rule; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="password")


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list (lowercased), read once per process."""
    return frozenset(line for line in COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines() if line)


def _folded(word: str) -> str:
    """Lowercase without diacritics: 'Kraków' -> 'krakow', 'Łódź' -> 'lodz'."""
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("ł", "l"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def place_names(jurisdiction: Jurisdiction) -> list[str]:
    """The municipality's names in every language, and its short name."""
    return [*(jurisdiction.name or {}).values(), jurisdiction.slug]


def user_inputs(email: str, full_name: str | None, place_names: Iterable[str]) -> list[str]:
    """What zxcvbn should treat as known to an attacker: the e-mail, its parts, the person's name, the
    municipality's names in every language (and without diacritics)."""
    words: set[str] = set(PRODUCT_WORDS)
    local, _, domain = email.strip().lower().partition("@")
    for text in (email.strip().lower(), local, domain, full_name or "", *place_names):
        for part in (text, *re.split(r"[\W_]+", text)):
            if len(part) >= 3:
                words.update((part.lower(), _folded(part)))
    return sorted(words)


def _mostly_personal(password: str, inputs: list[str]) -> bool:
    """Whether little is left of the password once the known words are taken out ("AnnaNowak1990",
    "krakow-anna-nowak"): zxcvbn scores such joins as safe, an attacker who knows whose account it is does not."""
    rest = _folded(password)
    found = False
    for word in sorted((w for w in inputs if w.isalpha() and len(w) >= 3), key=len, reverse=True):
        if word in rest:
            rest, found = rest.replace(word, " "), True
    return found and len(re.sub(r"[\W_]+", "", rest)) < PERSONAL_REST


def check(password: str, *, email: str, full_name: str | None = None, place_names: Iterable[str] = ()) -> None:
    """Refuse a password that is too short or too long, on the common list, or too easy to guess."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(gettext("The password is too short: use at least {n} characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise WeakPassword(gettext("The password is too long: use at most {n} characters.", n=MAX_LENGTH))
    if not typable(password):
        raise WeakPassword(
            gettext("The password holds characters no keyboard types (such as control characters). Choose another one.")
        )
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        raise WeakPassword(
            gettext("This is one of the most common passwords, which are tried first. Choose another one.")
        )
    inputs = user_inputs(email, full_name, place_names)
    result = zxcvbn(password[:SCORED_LENGTH], user_inputs=inputs, max_length=SCORED_LENGTH)
    mostly_personal = _mostly_personal(password, inputs)
    if result["score"] >= MIN_SCORE and not mostly_personal:
        return
    if mostly_personal or any(m.get("dictionary_name") == "user_inputs" for m in result["sequence"]):
        raise WeakPassword(
            gettext(
                "The password is too easy to guess: it is built on the e-mail address, the name or the "
                "municipality's name. Choose words that have nothing to do with them."
            )
        )
    raise WeakPassword(
        gettext(
            "The password is too easy to guess. Use a longer phrase of several unrelated words; avoid names, "
            "dates, keyboard patterns and repeated characters."
        )
    )
