"""Which municipality and language a page of the resident website is in.

The municipality: the one in the path (/m/<slug>/…), else the one SITE_HOSTS names for the Host, else the only
one served here; with several and neither, the home page lets the visitor choose. The language: `?lang=` (the
language switcher; then every link of the page keeps it), else the browser's (Accept-Language), else the
municipality's default, always among the municipality's languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app, g, request

from backend import cities, site
from backend.i18n import DEFAULT_LANGUAGE, LANGUAGES, gettext

LANGUAGE_NAMES = {"pl": "Polski", "uk": "Українська", "en": "English"}


@dataclass(frozen=True)
class Place:
    municipality: cities.Municipality | None
    lang: str
    #: The language came from `?lang=`: the page's links keep it.
    chosen: bool
    #: "/m/<slug>" when the path named the municipality (the page's links keep it), else "".
    prefix: str
    languages: tuple[str, ...]

    def t(self, message: str, **params: Any) -> str:
        """A text of the page in its language."""
        return gettext(message, self.lang, **params)

    def href(self, path: str, **query: str) -> str:
        """A link to another page of this municipality's site, in this page's language when it was chosen."""
        params = {k: v for k, v in {**query, **({"lang": self.lang} if self.chosen else {})}.items() if v}
        return f"{self.prefix}{path}" + (f"?{urlencode(params)}" if params else "")

    def switch(self, lang: str) -> str:
        """This page in another language (its other query parameters kept)."""
        args = {k: v for k, v in request.args.items() if k != "lang"}
        args["lang"] = lang
        return f"{request.path}?{urlencode(args)}"

    @property
    def name(self) -> str:
        return self.municipality.name(self.lang) if self.municipality else ""


def _language(available: tuple[str, ...], default: str) -> tuple[str, bool]:
    wanted = request.args.get("lang")
    if wanted in available:
        return str(wanted), True
    best = request.accept_languages.best_match(list(available))
    return (best or (default if default in available else available[0])), False


def _by_host() -> str | None:
    return site.municipality_of_host(current_app.config["HROMADA_SETTINGS"].SITE_HOSTS, request.host)


def place(slug: str | None = None) -> Place:
    """The place of a home or map page (NotFound for a path naming no municipality)."""
    if slug is not None:
        found: cities.Municipality | None = cities.site_municipality(slug=slug)
        prefix = f"/m/{slug}"
    else:
        prefix = ""
        code = _by_host()
        if code is not None:
            found = cities.site_municipality(code=code)
        else:
            every = cities.site_municipalities()
            found = cities.site_municipality(code=every[0].code) if len(every) == 1 else None
    return _with_language(found, prefix)


def report_place(code: str) -> Place:
    """The place of a report's page: its municipality; links keep the path prefix unless the Host or the
    deployment already names that municipality."""
    found = cities.site_municipality(code=code)
    plain = _by_host() == code or (_by_host() is None and len(cities.site_municipalities()) == 1)
    return _with_language(found, "" if plain else f"/m/{found.slug}")


def _with_language(found: cities.Municipality | None, prefix: str) -> Place:
    """The place in its language, which is then also the language of the use cases' messages (g.language)."""
    if found is None:
        lang, chosen = _language(LANGUAGES, DEFAULT_LANGUAGE)
        g.language = lang
        return Place(None, lang, chosen, "", LANGUAGES)
    lang, chosen = _language(found.languages, found.default_language)
    g.language = lang
    return Place(found, lang, chosen, prefix, found.languages)
