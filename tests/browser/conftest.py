"""Browser tests: Debian's Chromium, driven by Playwright, against a real ``costshare serve``.

One server (on a fresh database, SQLite or the CI's PostgreSQL) serves the whole browser run;
each test makes the keys and reports it needs and gets a fresh browser context. Every request
the browser makes to a host other than this machine's loopback is aborted and recorded, and
each test ends by asserting that there were none and that no page broke its
Content-Security-Policy.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright
from sqlmodel import Session

from app.db import engine_for
from app.services import keys as key_service
from tests.databases import fresh_database, migrate
from tests.servers import Server, costshare

CHROMIUM_FLAGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
AXE = Path(__file__).with_name("assets") / "axe.min.js"


def chromium_path() -> str:
    """Debian's Chromium (``COSTSHARE_CHROMIUM`` may name another build)."""
    found = os.environ.get("COSTSHARE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        pytest.fail(
            "The browser tests need Chromium, and none was found at /usr/bin/chromium. Install "
            "Debian's package: `apt-get update && apt-get install -y chromium` (.ci/run does "
            "this), or set COSTSHARE_CHROMIUM to a Chromium binary.",
            pytrace=False,
        )
    return found


@dataclass
class Live:
    """The running service: its address, its database and a way to make keys."""

    server: Server
    url: str

    @property
    def base(self) -> str:
        return self.server.base

    def key(self, role: str, ministry: str | None = None) -> str:
        with Session(engine_for(self.url)) as session:
            issued = key_service.create(session, role=role, ministry_code=ministry)
            session.commit()
        return issued.plaintext

    def revoke(self, key: str) -> None:
        with Session(engine_for(self.url)) as session:
            key_service.revoke(session, key.split("_")[1])
            session.commit()

    def api(self, key: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("browser")
    with fresh_database(folder) as url:
        migrate(url)  # as the owner, granting the service role, as an operator does
        costshare(url, "seed")
        server = Server(
            url,
            log=folder / "server.log",
            extra_env={"COSTSHARE_FIRST_KEY_FILE": str(folder / "first-key")},
        )
        server.start()
        try:
            yield Live(server, url)
        finally:
            server.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    chromium_path()
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    args = [*CHROMIUM_FLAGS]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    launched = playwright.chromium.launch(executable_path=chromium_path(), args=args)
    yield launched
    launched.close()


@dataclass
class Watch:
    """What the browser tried that it must not: outside requests and CSP violations."""

    outside: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)


def _guard(watch: Watch, route: Route) -> None:
    host = urlsplit(route.request.url).hostname or ""
    scheme = urlsplit(route.request.url).scheme
    if scheme in {"data", "blob"} or host in LOOPBACK:
        route.continue_()
        return
    watch.outside.append(route.request.url)
    route.abort("blockedbyclient")


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def context(browser: Browser, live: Live, watch: Watch) -> Iterator[BrowserContext]:
    made = browser.new_context(
        base_url=live.base,
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
        locale="nl-NL",
        extra_http_headers={"Accept-Language": "nl-NL,nl;q=0.9"},
    )
    made.route("**/*", lambda route: _guard(watch, route))
    yield made
    made.close()
    assert watch.outside == [], f"requests to outside hosts: {watch.outside}"
    assert watch.csp == [], f"Content-Security-Policy violations: {watch.csp}"


@pytest.fixture
def page(context: BrowserContext, watch: Watch) -> Page:
    opened = context.new_page()

    def console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            watch.csp.append(message.text)

    opened.on("console", console)
    return opened


def sign_in(page: Page, key: str, *, next_path: str = "/") -> None:
    """Sign in as a person does: the form, the key pasted, the button."""
    page.goto(f"/aanmelden?next={next_path}" if next_path != "/" else "/aanmelden")
    page.get_by_label("API-sleutel").fill(key)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_load_state()


def compare_two_variants(page: Page) -> None:
    """On the comparison page, add the scenario as it stands and a heavier JenV under a 25%
    cap as two named variants, as a negotiator does, and wait for their chart (in either
    language)."""
    page.goto("/vergelijken")
    page.locator("#variant_name").fill("Zoals opgeslagen")
    page.locator("button[value=add]").click()
    page.locator("#weight-JenV").fill("5")
    page.locator("#max_share").fill("25")
    page.locator("#variant_name").fill("JenV zwaarder, plafond 25%")
    page.locator("button[value=add]").click()
    page.locator("#variant-chart").wait_for()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.1 A/AA violations on the page, by axe-core."""
    # Evaluated through the DevTools protocol, which the page's CSP does not govern; a script
    # tag would be refused by the very policy under test.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        })"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
