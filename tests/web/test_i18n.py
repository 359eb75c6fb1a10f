"""The pages' languages: every message of the code and the templates has its Dutch
translation in the committed catalog, and the language follows the cookie, then the browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from app.web.i18n import from_accept_language, language
from scripts.messages import template

LOCALE = Path(__file__).resolve().parents[2] / "app" / "locale"


def _catalog(code: str):  # type: ignore[no-untyped-def]
    with (LOCALE / code / "LC_MESSAGES" / "costshare.po").open("rb") as po:
        return read_po(po, locale=code)


class TestCatalogs:
    def test_every_message_has_a_dutch_translation(self):
        dutch = _catalog("nl")
        missing = [
            m.id for m in template() if m.id and not (dutch.get(m.id) and dutch[m.id].string)
        ]
        assert missing == [], "run `make messages` and translate these in nl's costshare.po"

    def test_the_english_catalog_knows_every_message(self):
        english = _catalog("en")
        assert [m.id for m in template() if m.id and english.get(m.id) is None] == []

    def test_placeholders_survive_translation(self):
        for message in _catalog("nl"):
            if message.id and message.string:
                for name in ("%(year)s", "%(id)s", "%(code)s", "%(amount)s"):
                    assert (name in message.id) == (name in message.string), message.id

    def test_no_compiled_catalog_is_committed(self):
        assert list(LOCALE.rglob("*.mo")) == []

    def test_dutch_translates_and_english_falls_back_to_the_message(self):
        assert language("nl").gettext("Sign in") == "Aanmelden"
        assert language("en").gettext("Sign in") == "Sign in"


class TestChoosingTheLanguage:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("en-GB,en;q=0.9", "en"),
            ("nl-NL", "nl"),
            ("de-DE, en;q=0.4", "en"),
            ("fr", None),
            ("", None),
        ],
    )
    def test_accept_language(self, header: str, expected: str | None):
        assert from_accept_language(header) == expected

    def test_dutch_is_the_default(self, client: TestClient):
        assert '<html lang="nl"' in client.get("/", headers={"Accept-Language": "fr"}).text

    def test_the_browsers_language_is_followed(self, client: TestClient):
        page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.8"}).text
        assert '<html lang="en"' in page and "Sign in" in page

    def test_the_switch_sets_a_cookie_that_wins_over_the_browser(self, client: TestClient):
        switched = client.get("/taal?lang=en&next=/uitleg", follow_redirects=False)
        assert switched.status_code == 303 and switched.headers["location"] == "/uitleg"
        assert "samesite=strict" in switched.headers["set-cookie"].lower()
        page = client.get("/uitleg", headers={"Accept-Language": "nl"}).text
        assert '<html lang="en"' in page and "How the cost is shared" in page

    def test_an_unknown_language_is_ignored(self, client: TestClient):
        switched = client.get("/taal?lang=xx", follow_redirects=False)
        assert "set-cookie" not in switched.headers

    def test_amounts_are_in_dutch_notation_in_both_languages(self, client: TestClient):
        for code in ("nl", "en"):
            client.cookies.set("costshare_lang", code)
            assert "€ 5.000.000,00" in client.get("/uitleg").text
