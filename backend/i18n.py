"""Polish, Ukrainian and English: Babel catalogues (backend/translations/*/messages.po).

The .po files are compiled in memory when first used, so there is no build step. English is the
source language. The request's language is chosen by `choose_language`.
"""

from __future__ import annotations

import re
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import g, has_request_context, request

LANGUAGES = ("pl", "uk", "en")
DEFAULT_LANGUAGE = "en"
_DIR = Path(__file__).resolve().parent / "translations"

# Messages that marshmallow formats with a value; translated by pattern, value kept.
_PATTERNS = [
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "Longer than maximum length {0}."),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "Shorter than minimum length {0}."),
    (re.compile(r"^Must be one of: (.+)\.$"), "Must be one of: {0}."),
    (
        re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
        "Must be between {0} and {1}.",
    ),
]


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalogue of a language (English: identity)."""
    po = _DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT_LANGUAGE or not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


def normalise(locale: str | None) -> str | None:
    """'uk-UA', 'uk_UA' and 'UK' -> 'uk'; unknown languages -> None."""
    if not locale:
        return None
    lang = re.split(r"[-_]", locale.strip().lower(), maxsplit=1)[0]
    return lang if lang in LANGUAGES else None


def choose_language(
    device_locale: str | None = None,
    available: tuple[str, ...] | list[str] = LANGUAGES,
    default: str = DEFAULT_LANGUAGE,
) -> str:
    """The device's language, else the best Accept-Language match, else the default."""
    lang = normalise(device_locale)
    if lang is not None and lang in available:
        return lang
    if has_request_context():
        best = request.accept_languages.best_match(list(available))
        if best:
            return best
    return default if default in available else available[0]


def current_language() -> str:
    """The language of the current request (set by the API layer), else from Accept-Language."""
    if has_request_context():
        lang = g.get("language")
        if lang:
            return str(lang)
        return choose_language()
    return DEFAULT_LANGUAGE


def gettext(message: str, lang: str | None = None, **params: object) -> str:
    """Translate an English message into `lang` (default: the request's), then format it."""
    text = translations(lang or current_language()).gettext(message)
    return text.format(**params) if params else text


def translate_error(message: str, lang: str | None = None) -> str:
    """Translate a validation message, including marshmallow's parametrised ones."""
    lang = lang or current_language()
    direct = translations(lang).gettext(message)
    if direct != message or lang == DEFAULT_LANGUAGE:
        return direct
    for pattern, msgid in _PATTERNS:
        match = pattern.match(message)
        if match:
            return translations(lang).gettext(msgid).format(*match.groups())
    return message


def pick(texts: dict[str, str] | None, lang: str, fallback: str) -> str:
    """Text in `lang` from a per-language dict, else in the fallback language, else any."""
    if not texts:
        return ""
    return texts.get(lang) or texts.get(fallback) or next(iter(texts.values()))
