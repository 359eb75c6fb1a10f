"""Languages of the pages: Dutch by default, English on request.

Messages are English in the code and the templates (``_("Our share")``) and translated by
gettext catalogs kept as ``.po`` files under ``app/locale/{nl,en}/LC_MESSAGES/costshare.po``.
The catalogs are read once at startup (Babel compiles them in memory), so no binary ``.mo`` is
committed. A person's language is the ``costshare_lang`` cookie set by the language switch,
else the best match of ``Accept-Language``, else Dutch.

Amounts are written in Dutch notation (``€ 1.234.567,89``) in both languages: the figures are
Dutch budget amounts and read the same way in the printed report and the budget documents.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.requests import Request

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LANGUAGE_COOKIE = "costshare_lang"
DOMAIN = "costshare"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}

Gettext = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Language:
    """One language: its code and its gettext function."""

    code: str
    gettext: Gettext
    ngettext: Callable[[str, str, int], str]


def catalog_path(code: str) -> str:
    return f"locale/{code}/LC_MESSAGES/{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def language(code: str) -> Language:
    """The language ``code`` with its catalog compiled from the committed ``.po`` file."""
    if code not in LANGUAGES:
        code = DEFAULT_LANGUAGE
    with resources.files("app").joinpath(catalog_path(code)).open("rb") as po:
        catalog = read_po(po, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    translations = gettext.GNUTranslations(compiled)
    return Language(code, translations.gettext, translations.ngettext)


def from_accept_language(header: str | None) -> str | None:
    """The first of our languages in an ``Accept-Language`` header, by quality.

    >>> from_accept_language("en-GB,en;q=0.9,nl;q=0.8")
    'en'
    >>> from_accept_language("de, fr;q=0.5") is None
    True
    """
    if not header:
        return None
    offers: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            offers.append((-quality, position, primary))
    return min(offers)[2] if offers else None


def chosen_language(request: Request) -> str:
    """The cookie's language, else the browser's, else Dutch."""
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in LANGUAGES:
        return str(cookie)
    return from_accept_language(request.headers.get("accept-language")) or DEFAULT_LANGUAGE
