"""An address as residents type it, taken apart: 'ul. Floriańska 12, 31-019 Kraków' is the street words
'florianska', the house number '12', the postcode '31019' and the municipality 'krakow'.

The text comes here already lower-cased and unaccented by the database (the same `unaccent` as the register's
search column), so Polish and Ukrainian spellings meet the register's on equal terms."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: Kinds of street written before the name ("ul. Floriańska", "вул. Шевченка"): left out of the search.
STREET_KINDS = frozenset(
    {
        "ul",
        "ulica",
        "al",
        "aleja",
        "aleje",
        "pl",
        "plac",
        "os",
        "osiedle",
        "вул",
        "вулиця",
        "просп",
        "проспект",
        "пл",
        "площа",
        "пров",
        "провулок",
        "бульв",
        "бульвар",
    }
)
#: Abbreviations inside street names, widened to the part every full form shares ("św. Jana": "Świętego Jana",
#: "św. Anny": "Świętej Anny").
ABBREVIATIONS = {"sw": "swiet", "св": "свят", "gen": "general", "ks": "ksiedz"}
#: Country names a pasted address may end with.
COUNTRIES = frozenset({"polska", "poland", "польща", "ukraine", "украина", "украiна", "україна"})

_POSTCODE = re.compile(r"(?<![\w-])(\d{2})-(\d{3})(?![\w-])|(?<![\w-])(\d{5})(?![\w-])")
_NUMBER = re.compile(r"^\d+[a-zа-яіїєґ]?(?:/\d+[a-zа-яіїєґ]?)?$")
_TOKEN = re.compile(r"[^\s,;]+")


@dataclass(frozen=True)
class AddressText:
    """The parts of a typed address; `street` is empty when only a postcode or a municipality was typed."""

    street: str
    number: str
    postcode: str | None
    municipalities: tuple[str, ...]


def _without_municipalities(parts: list[str], names: Iterable[str]) -> tuple[list[str], list[str]]:
    """Each comma-separated part without a municipality's name at its start or end; the names found."""
    found: list[str] = []
    longest_first = sorted({n for n in names if n}, key=len, reverse=True)
    kept = []
    for part in parts:
        text = part.strip()
        for name in longest_first:
            pattern = rf"^{re.escape(name)}(?!\w)|(?<!\w){re.escape(name)}$"
            stripped = re.sub(pattern, "", text).strip()
            if stripped != text:
                found.append(name)
                text = stripped
        kept.append(text)
    return kept, found


def parse(normalised: str, municipality_names: Iterable[str] = ()) -> AddressText:
    """Take apart a lower-cased, unaccented address (`municipality_names` normalised the same way)."""
    postcode = None
    match = _POSTCODE.search(normalised)
    if match:
        postcode = "".join(g for g in match.groups() if g)
        normalised = normalised[: match.start()] + " " + normalised[match.end() :]
    parts, found = _without_municipalities(normalised.split(","), municipality_names)
    tokens = [t.strip(".-'\"()") for t in _TOKEN.findall(" ".join(parts))]
    tokens = [t for t in tokens if t and t not in STREET_KINDS and t not in COUNTRIES]
    tokens = [ABBREVIATIONS.get(t, t) for t in tokens]
    # "12 a" is house 12a
    if len(tokens) >= 2 and len(tokens[-1]) == 1 and tokens[-1].isalpha() and tokens[-2].isdigit():
        tokens[-2:] = [tokens[-2] + tokens[-1]]
    number = ""
    if tokens and _NUMBER.match(tokens[-1]):
        number = tokens.pop()
    elif len(tokens) >= 2 and _NUMBER.match(tokens[0]):  # "12 Floriańska"
        number = tokens.pop(0)
    return AddressText(" ".join(tokens), number, postcode, tuple(found))
