"""axe-core (vendored, injected by Playwright) finds no serious or critical WCAG 2.1 A/AA
violation on any page (in Dutch, and a few in English too); every page has its language, a
skip link and a visible keyboard focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Live, axe_violations, compare_two_variants, sign_in
from tests.browser.test_journeys import made_plan, published_report, seeded_scenario_id


def _unpublished(live: Live) -> int:
    key = live.key("negotiator")
    with live.api(key) as api:
        made = api.post("/v1/allocations", json={"scenario_id": seeded_scenario_id(live, key)})
    return int(made.json()["id"])


PAGES = [
    ("anonymous", "/"),
    ("anonymous", "/aanmelden"),
    ("anonymous", "/uitleg"),
    ("anonymous", "/bestaat-niet"),
    ("negotiator", "/"),
    ("negotiator", "/vergelijken"),
    ("negotiator", "/vergelijken#result"),
    ("negotiator", "/vergelijken#variant-result"),
    ("negotiator", "/vergelijken#years"),
    ("negotiator", "/rapporten"),
    ("negotiator", "/rapporten/{published}"),
    ("negotiator", "/rapporten/{unpublished}/publiceren"),
    ("negotiator", "/controle"),
    ("negotiator", "/plannen"),
    ("negotiator", "/plannen/{plan}"),
    ("negotiator", "/plannen/{plan}/publiceren"),
    ("finance", "/aandeel?jaar=2027"),
    ("finance", "/aandeel?jaar=2027&ministerie=BZK"),
    ("reader", "/controle"),
    ("reader", "/aandeel?jaar=2027&ministerie=VWS"),
    ("reader", "/plannen"),
]


@pytest.fixture(scope="module")
def published(live: Live) -> dict[str, object]:
    """One published 2027 report for the pages that show one (they only read it)."""
    return published_report(live)


@pytest.fixture(scope="module")
def plan(live: Live) -> dict[str, object]:
    """One plan of the seeded 2027–2031 scenario, not published (the pages only read it)."""
    return made_plan(live)


CASES = [(role, path, "nl") for role, path in PAGES] + [
    # The English pages are the same templates with other words: a few of them suffice to
    # check the words themselves (labels, language attribute) once more.
    ("anonymous", "/aanmelden", "en"),
    ("negotiator", "/vergelijken#result", "en"),
    ("negotiator", "/vergelijken#variant-result", "en"),
    ("finance", "/aandeel?jaar=2027", "en"),
    ("negotiator", "/plannen/{plan}", "en"),
]


@pytest.mark.parametrize(("role", "path", "language"), CASES)
def test_no_serious_or_critical_violations(
    page: Page,
    live: Live,
    published: dict[str, object],
    plan: dict[str, object],
    role: str,
    path: str,
    language: str,
):
    target = path.format(
        published=published["id"],
        plan=plan["id"],
        unpublished=_unpublished(live) if "{unpublished}" in path else "",
    )
    if language == "en":
        page.goto("/taal?lang=en")
    if role != "anonymous":
        key = live.key(role, "JenV" if role == "finance" else None)
        sign_in(page, key) if language == "nl" else _sign_in_en(page, key)
    if target == "/vergelijken#result":
        page.goto("/vergelijken")
        page.locator("#compare-button").click()
        expect(page.locator("#comparison")).to_be_visible()
    elif target == "/vergelijken#years":
        page.goto("/vergelijken")
        page.locator("#year").select_option("2029")
        page.locator("#through").check()
        page.locator("#compare-button").click()
        page.locator("#comparison").wait_for()
        page.locator("#comparison-2029").locator("xpath=ancestor::details/summary").click()
        expect(page.locator("#comparison-2029")).to_be_visible()
    elif target == "/vergelijken#variant-result":
        compare_two_variants(page)
        expect(page.locator("#variant-comparison")).to_be_visible()
    else:
        page.goto(target)
    if target.startswith("/plannen/") and not target.endswith("/publiceren"):
        expect(page.locator("#plan-chart")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == language
    assert axe_violations(page) == []


def _sign_in_en(page: Page, key: str) -> None:
    page.goto("/aanmelden")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def test_the_skip_link_is_first_and_focus_is_visible(page: Page):
    page.goto("/uitleg")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Direct naar de inhoud")
    assert focused.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main-content")


SWAGGER_UI_MARKUP = {"nested-interactive"}
"""Swagger UI puts its operation's copy and lock buttons inside the operation's own button; no
style sheet can change that markup (an upstream limitation of swagger-ui-dist), so that one
rule is excused on /docs. Its colours, which fell short, are corrected in docs.css."""


def test_the_api_documentation_has_no_other_serious_violations(page: Page):
    page.goto("/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    found = [v for v in axe_violations(page) if v["id"] not in SWAGGER_UI_MARKUP]
    assert found == []
    page.goto("/redoc")
    expect(page.locator("h1").first).to_be_visible(timeout=15_000)
    assert axe_violations(page) == []
