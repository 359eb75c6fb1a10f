"""Extract the pages' messages and update the catalogs (``make messages``).

New messages are added to ``app/locale/{nl,en}/LC_MESSAGES/costshare.po`` with an empty
translation (English falls back to the message itself); messages no longer used are dropped.
Translators then fill in the Dutch ``msgstr`` entries; ``tests/web/test_i18n.py`` fails while
any Dutch one is empty.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("nl", "en")
METHODS = [("app/web/**.py", "python"), ("app/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None}


def template() -> Catalog:
    """Every message of the pages' code and templates."""
    catalog = Catalog(domain="costshare")
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        catalog.add(message)
    return catalog


def main() -> None:
    messages = template()
    for code in LANGUAGES:
        path = ROOT / "app" / "locale" / code / "LC_MESSAGES" / "costshare.po"
        with path.open("rb") as existing:
            catalog = read_po(existing, locale=code)
        catalog.update(messages, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        buffer = io.BytesIO()
        write_po(buffer, catalog, no_location=True, width=100)
        path.write_bytes(buffer.getvalue())
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages")


if __name__ == "__main__":
    main()
