"""Screenshots of every page at 1280 px wide, for the README (``docs/screenshots/``).

    .venv/bin/python -m tests.browser.screenshots

Starts a real ``costshare serve`` on a throwaway SQLite database with the default data, makes
a key per role, publishes the 2027 report the way a negotiator does, and photographs each page
in Debian's Chromium (nothing outside this machine is reached: other hosts are blocked).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Route, sync_playwright
from sqlmodel import Session

from app.db import engine_for
from app.seed import default_data
from app.services import keys as key_service
from tests.browser.conftest import (
    CHROMIUM_FLAGS,
    LOOPBACK,
    chromium_path,
    compare_two_variants,
)
from tests.servers import Server, costshare

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ACK = {"acknowledge_unadopted_weights": True}


def _key(url: str, role: str, ministry: str | None = None) -> str:
    with Session(engine_for(url)) as session:
        issued = key_service.create(session, role=role, ministry_code=ministry)
        session.commit()
    return issued.plaintext


def _local_only(route: Route) -> None:
    if (urlsplit(route.request.url).hostname or "") in LOOPBACK:
        route.continue_()
    else:
        route.abort("blockedbyclient")


def _shoot(
    browser: Browser, base: str, key: str | None, shots: list[tuple[str, str]], *, lang: str = "nl"
) -> None:
    context = browser.new_context(
        base_url=base, viewport={"width": 1280, "height": 900}, locale=f"{lang}-NL"
    )
    context.route("**/*", _local_only)
    page = context.new_page()
    if lang != "nl":
        page.goto(f"/taal?lang={lang}")
    if key:
        page.goto("/aanmelden")
        page.locator("#api_key").fill(key)
        page.locator("form[action='/aanmelden'] button").click()
        page.wait_for_load_state()
    for name, path in shots:
        if path == "compare-result":
            page.goto("/vergelijken")
            page.locator("#weight-JenV").fill("3")
            page.locator("#weight-BZK").fill("2")
            page.locator("#max_share").fill("25")
            page.locator("#compare-button").click()
            page.locator("#comparison-chart").wait_for()
        elif path == "compare-variants":
            compare_two_variants(page)
            page.locator("#variant-result").scroll_into_view_if_needed()
        else:
            page.goto(path)
        if path.startswith("/docs"):
            page.locator(".opblock").first.wait_for(timeout=20_000)
        if path.startswith("/redoc"):
            page.get_by_role("heading", name="Get one allocation report").first.wait_for(
                timeout=20_000
            )
        page.wait_for_timeout(300)
        page.screenshot(path=str(OUT / f"{name}.png"), full_page=path not in {"/docs", "/redoc"})
        print(f"docs/screenshots/{name}.png")
    context.close()


def _plan(base: str, key: str) -> int:
    """A plan of the seeded 2027–2031 scenario, not published."""
    import httpx

    name = default_data()["plan_scenario"]["name"]
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as api:
        items = api.get("/v1/scenarios").json()["items"]
        scenario = next(item["id"] for item in items if item["name"] == name)
        return int(api.post("/v1/plans", json={"scenario_id": scenario}).json()["id"])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="costshare-shots-"))
    url = f"sqlite:///{folder / 'costshare.sqlite3'}"
    costshare(url, "migrate")
    costshare(url, "seed")
    server = Server(
        url, log=folder / "server.log", extra_env={"COSTSHARE_FIRST_KEY_FILE": str(folder / "key")}
    )
    server.start()
    try:
        negotiator = _key(url, "negotiator")
        import httpx

        with httpx.Client(
            base_url=server.base, headers={"Authorization": f"Bearer {negotiator}"}, timeout=30
        ) as api:
            scenario = api.get("/v1/scenarios").json()["items"][0]["id"]
            first = api.post("/v1/allocations", json={"scenario_id": scenario}).json()
            etag = api.get(f"/v1/allocations/{first['id']}").headers["etag"]
            api.post(f"/v1/allocations/{first['id']}/publish", headers={"If-Match": etag}, json=ACK)
            second = api.post(
                "/v1/allocations", json={"scenario_id": scenario, "rule": "proportional"}
            ).json()
        args = [*CHROMIUM_FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium_path(), args=args)
            _shoot(
                browser,
                server.base,
                None,
                [("01-start", "/"), ("02-sign-in", "/aanmelden"), ("03-words", "/uitleg")],
            )
            _shoot(
                browser,
                server.base,
                negotiator,
                [
                    ("04-negotiator-compare", "compare-result"),
                    ("17-negotiator-variants", "compare-variants"),
                    ("05-report", f"/rapporten/{first['id']}"),
                    ("06-publish-confirmation", f"/rapporten/{second['id']}/publiceren"),
                    ("07-reports", "/rapporten"),
                    ("08-audit-negotiator", "/controle"),
                ],
            )
            _shoot(
                browser,
                server.base,
                _key(url, "finance", "JenV"),
                [
                    ("09-finance-our-share", "/aandeel?jaar=2027"),
                    ("10-finance-other-ministry-refused", "/aandeel?jaar=2027&ministerie=BZK"),
                ],
            )
            _shoot(browser, server.base, _key(url, "reader"), [("11-reader-audit", "/controle")])
            _shoot(
                browser,
                server.base,
                _key(url, "finance", "JenV"),
                [("12-finance-our-share-english", "/aandeel?jaar=2027")],
                lang="en",
            )
            _shoot(
                browser,
                server.base,
                None,
                [("13-api-docs-swagger", "/docs"), ("14-api-docs-redoc", "/redoc")],
            )
            plan = _plan(server.base, negotiator)
            _shoot(
                browser,
                server.base,
                negotiator,
                [
                    ("15-plan", f"/plannen/{plan}"),
                    ("16-plan-publish-confirmation", f"/plannen/{plan}/publiceren"),
                ],
            )
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
