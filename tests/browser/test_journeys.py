"""Each person's journey through the pages, from signing in to what they came for."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.seed import default_data
from tests.browser.conftest import Live, sign_in

ACK = {"acknowledge_unadopted_weights": True}


def seeded_scenario_id(live: Live, key: str) -> int:
    with live.api(key) as api:
        items = api.get("/v1/scenarios").json()["items"]
    return min(item["id"] for item in items)


def published_report(live: Live) -> dict[str, Any]:
    """A fresh run of the seeded scenario, published for 2027 through the API."""
    key = live.key("negotiator")
    with live.api(key) as api:
        report = api.post("/v1/allocations", json={"scenario_id": seeded_scenario_id(live, key)})
        assert report.status_code == 201, report.text
        path = f"/v1/allocations/{report.json()['id']}"
        etag = api.get(path).headers["etag"]
        published = api.post(f"{path}/publish", headers={"If-Match": etag}, json=ACK)
        assert published.status_code == 200, published.text
        return dict(published.json())


def plan_scenario_id(live: Live, key: str) -> int:
    name = default_data()["plan_scenario"]["name"]
    with live.api(key) as api:
        items = api.get("/v1/scenarios", params={"limit": 100}).json()["items"]
    return min(item["id"] for item in items if item["name"] == name)


def made_plan(live: Live) -> dict[str, Any]:
    """A fresh plan of the seeded 2027–2031 scenario, not published."""
    key = live.key("negotiator")
    scenario_id = plan_scenario_id(live, key)
    with live.api(key) as api:
        plan = api.post("/v1/plans", json={"scenario_id": scenario_id})
        assert plan.status_code == 201, plan.text
        return dict(plan.json())


class TestNegotiator:
    def test_compares_the_rules_with_own_weights_then_runs_and_publishes(
        self, page: Page, live: Live
    ):
        key = live.key("negotiator")
        sign_in(page, key, next_path="/vergelijken")
        expect(page.get_by_role("heading", name="De verdeelregels vergelijken")).to_be_visible()
        page.get_by_label("Gewicht van JenV").fill("3")
        page.get_by_label("Gewicht van BZK").fill("2")
        page.get_by_label("Maximaal aandeel van één ministerie").fill("25")
        page.get_by_role("button", name="De verdeelregels vergelijken", exact=True).click()

        table = page.locator("#comparison")
        expect(table).to_be_visible()
        assert table.locator("tbody tr").count() == 6
        jenv = table.locator('tr[data-ministry="JenV"]')
        proportional = Decimal(
            jenv.locator('td[data-series="proportional"]').get_attribute("data-value") or "0"
        )
        constrained = Decimal(
            jenv.locator('td[data-series="constrained"]').get_attribute("data-value") or "0"
        )
        series = table.locator("thead th[data-series]").evaluate_all(
            "cells => cells.map(c => c.dataset.series)"
        )
        # The default scenario states today's funding streams: what each ministry pays today
        # comes first, and the differences are against it.
        assert series == ["status_quo", "proportional", "equal", "constrained"]
        total = Decimal(
            table.locator("tfoot td")
            .nth(series.index("proportional"))
            .inner_text()
            .replace("€", "")
            .replace(".", "")
            .replace(",", ".")
            .strip()
        )
        assert proportional > total * Decimal("0.25") >= constrained
        expect(page.locator("#gains-losses")).to_contain_text("JenV betaalt")
        expect(page.locator("#gains-losses")).to_contain_text("dan nu")
        assert page.locator("#comparison-chart").evaluate("c => c.width > 0 && !!Chart.getChart(c)")
        # The form keeps what was typed.
        expect(page.get_by_label("Gewicht van JenV")).to_have_value("3")

        page.get_by_label("begrensd").check()
        page.get_by_role("button", name="Berekenen en als rapport bewaren").click()
        expect(page).to_have_url(re.compile(r"/rapporten/\d+\?nieuw=1$"))
        report_id = int(page.url.split("/rapporten/")[1].split("?")[0])
        page.get_by_role("button", name="Dit rapport publiceren…").click()

        expect(page.get_by_role("heading", level=1)).to_contain_text(
            f"Rapport {report_id} het officiële rapport voor 2027 maken?"
        )
        expect(page.locator("#publish-summary")).to_contain_text("wordt het officiële rapport")
        page.get_by_role("button", name=f"Rapport {report_id} publiceren").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Vink het vakje aan")
        page.locator(".govuk-error-summary a").click()
        expect(
            page.get_by_label("Ik weet dat deze gewichten niet zijn vastgesteld")
        ).to_be_focused()
        page.get_by_label("Ik weet dat deze gewichten niet zijn vastgesteld").check()
        page.get_by_role("button", name=f"Rapport {report_id} publiceren").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(
            f"Rapport {report_id} is nu het officiële rapport voor 2027."
        )
        with live.api(live.key("reader")) as api:
            share = api.get("/v1/ministries/JenV/share", params={"year": 2027}).json()
        assert share["report"]["id"] == report_id
        assert share["publication"]["acknowledged_unadopted_weights"] is True

    def test_compares_two_named_variants_side_by_side_and_removes_one(self, page: Page, live: Live):
        sign_in(page, live.key("negotiator"), next_path="/vergelijken")
        page.get_by_label("Naam van deze variant").fill("Zoals opgeslagen")
        page.get_by_role("button", name="Toevoegen als variant en vergelijken").click()
        expect(page.locator("#variant-list")).to_contain_text("Zoals opgeslagen")
        page.get_by_label("Gewicht van JenV").fill("5")
        page.get_by_label("Maximaal aandeel van één ministerie").fill("25")
        page.get_by_label("Naam van deze variant").fill("JenV zwaarder")
        # Enter in the name adds the variant, as the button beside it does.
        page.get_by_label("Naam van deze variant").press("Enter")

        table = page.locator("#variant-comparison")
        expect(table).to_be_visible()
        series = table.locator("thead th[data-series]").evaluate_all(
            "cells => cells.map(c => c.dataset.series)"
        )
        assert series == ["status_quo", "Zoals opgeslagen", "JenV zwaarder"]

        def amounts(name: str) -> dict[str, Decimal]:
            cells = table.locator(f'tbody td[data-series="{name}"]')
            return {
                cells.nth(i).evaluate("td => td.parentElement.dataset.ministry"): Decimal(
                    cells.nth(i).get_attribute("data-value") or "0"
                )
                for i in range(cells.count())
            }

        stored, heavier = amounts("Zoals opgeslagen"), amounts("JenV zwaarder")
        assert len(stored) == 6 and sum(stored.values()) == sum(heavier.values())
        assert stored["JenV"] < heavier["JenV"] <= sum(heavier.values()) * Decimal("0.25")
        assert page.locator("#variant-chart").evaluate("c => c.width > 0 && !!Chart.getChart(c)")
        chart = page.locator("#variant-chart").evaluate(
            "c => Chart.getChart(c).data.datasets.map(d => d.label)"
        )
        headings = table.locator("thead th[data-series]").evaluate_all(
            "cells => cells.map(c => c.textContent.trim())"
        )
        assert chart == headings

        page.get_by_role("button", name="Variant Zoals opgeslagen verwijderen").click()
        expect(page.locator("#variant-list tbody tr")).to_have_count(1)
        expect(page.locator("#variant-list")).to_contain_text("JenV zwaarder")

    def test_a_refused_number_is_named_and_the_form_keeps_what_was_typed(
        self, page: Page, live: Live
    ):
        sign_in(page, live.key("negotiator"), next_path="/vergelijken")
        page.get_by_label("Gewicht van OCW").fill("veel")
        page.get_by_label("Ondergrens van EZ in euro").fill("1.000.000,00")
        page.get_by_role("button", name="De verdeelregels vergelijken", exact=True).click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("Het gewicht van OCW moet een getal zijn")
        summary.get_by_role("link").first.click()
        expect(page.get_by_label("Gewicht van OCW")).to_be_focused()
        expect(page.get_by_label("Gewicht van OCW")).to_have_value("veel")
        expect(page.get_by_label("Ondergrens van EZ in euro")).to_have_value("1.000.000,00")
        assert page.locator("#comparison").count() == 0

    def test_makes_a_plan_reads_it_as_a_chart_over_the_years_and_publishes_it(
        self, page: Page, live: Live
    ):
        key = live.key("negotiator")
        scenario_id = plan_scenario_id(live, key)
        sign_in(page, key, next_path="/plannen")
        expect(page.get_by_role("heading", name="Meerjarenplannen")).to_be_visible()
        page.get_by_label("Scenario", exact=True).select_option(str(scenario_id))
        page.get_by_role("button", name="Plan maken").click()
        expect(page.get_by_role("heading", name=re.compile(r"^Plan \d+$"))).to_be_visible()
        plan_id = int(page.url.split("/plannen/")[1].split("?")[0])
        rows = page.locator("#funding tbody tr")
        expect(rows).to_have_count(5)
        expect(rows.first).to_contain_text("€ 951.917,57")
        drawn = page.locator("#plan-chart").evaluate(
            "c => { const chart = Chart.getChart(c); return chart.config.type + ':' +"
            " chart.data.labels.join(',') + ':' + chart.data.datasets.length; }"
        )
        assert drawn == "line:2027,2028,2029,2030,2031:6"
        page.get_by_role("button", name="Dit plan publiceren…").click()
        expect(page.locator("#changes tbody tr")).to_have_count(5)
        page.get_by_label("Ik weet dat deze gewichten niet zijn vastgesteld").check()
        page.get_by_role("button", name=f"Plan {plan_id} publiceren").click()
        expect(page.get_by_role("alert")).to_contain_text(f"Plan {plan_id} is nu officieel")
        expect(page.locator("#plan-state")).to_have_text("gepubliceerd")


class TestFinance:
    def test_reads_its_share_and_downloads_a_workbook_whose_total_is_the_share(
        self, page: Page, live: Live
    ):
        report = published_report(live)
        sign_in(page, live.key("finance", "JenV"), next_path="/aandeel?jaar=2027")
        expect(page.get_by_role("heading", name="Ons aandeel 2027")).to_be_visible()
        amount = page.locator("#share-total")
        share_cents = int(amount.get_attribute("data-cents") or "0")
        jenv = next(line for line in report["lines"] if line["ministry"] == "JenV")
        assert share_cents == int(Decimal(jenv["total"]) * 100)
        expect(page.locator(".cs-explanation")).to_contain_text(
            "Voor 2027 betaalt Justitie en Veiligheid"
        )
        expect(page.locator(".govuk-warning-text")).to_contain_text("niet vastgesteld")

        with page.expect_download() as caught:
            page.get_by_role("link", name="Spreadsheet (XLSX)").click()
        assert caught.value.suggested_filename == f"costshare-report-{report['id']}.xlsx"
        workbook = load_workbook(io.BytesIO(caught.value.path().read_bytes()))
        results = workbook["Results"]
        header = [cell.value for cell in results[1]]
        row = next(r for r in results.iter_rows(min_row=2, values_only=True) if r[0] == "JenV")
        total = row[header.index("Total")]
        assert int(Decimal(repr(total)).quantize(Decimal("0.01")) * 100) == share_cents

        with page.expect_download() as caught:
            page.get_by_role("link", name="CSV voor Nederlandse Excel").click()
        text = caught.value.path().read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        jenv_cents = sum(
            int(Decimal(r[5].replace(",", ".")) * 100) for r in rows[1:] if r[1] == "JenV"
        )
        assert jenv_cents == share_cents

    def test_another_ministrys_share_is_refused_with_a_page(self, page: Page, live: Live):
        published_report(live)
        sign_in(page, live.key("finance", "JenV"))
        response = page.goto("/aandeel?jaar=2027&ministerie=BZK")
        assert response is not None and response.status == 403
        expect(page.get_by_role("heading", level=1)).to_have_text("U mag dit niet zien")
        expect(page.locator("main")).to_contain_text("may read only its own share, not BZK's")
        assert "€" not in page.locator("main").inner_text()


class TestReader:
    def test_sees_the_published_report_verified(self, page: Page, live: Live):
        report = published_report(live)
        sign_in(page, live.key("reader"), next_path="/controle")
        section = page.locator(
            "section", has=page.get_by_role("link", name=f"Rapport {report['id']}")
        ).first
        expect(section.locator("[data-verification]")).to_have_attribute(
            "data-verification", "valid"
        )
        expect(section).to_contain_text(report["report_hash"])
        expect(page.locator("[data-chain]")).to_have_count(0)
        page.goto(f"/rapporten/{report['id']}")
        expect(page.locator("[data-verification]")).to_have_attribute("data-verification", "valid")
        expect(page.get_by_role("button", name="Dit rapport publiceren…")).to_have_count(0)

    def test_an_unpublished_report_is_not_shown(self, page: Page, live: Live):
        key = live.key("negotiator")
        with live.api(key) as api:
            draft = api.post("/v1/allocations", json={"scenario_id": seeded_scenario_id(live, key)})
        sign_in(page, live.key("reader"))
        response = page.goto(f"/rapporten/{draft.json()['id']}")
        assert response is not None and response.status == 403
        assert draft.json()["total"].split(".")[0] not in page.content()


class TestSession:
    def test_after_signing_out_the_old_cookie_no_longer_works(
        self, page: Page, context: BrowserContext, browser: Browser, live: Live
    ):
        sign_in(page, live.key("reader"), next_path="/rapporten")
        old = context.cookies()
        assert any(
            c["name"] == "costshare_session" and c["httpOnly"] and c["sameSite"] == "Strict"
            for c in old
        )
        page.get_by_role("button", name="Afmelden").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("U bent afgemeld.")
        replay = browser.new_context(base_url=live.base)
        try:
            replay.add_cookies(old)  # type: ignore[arg-type]
            again = replay.new_page()
            again.goto("/rapporten")
            expect(again).to_have_url(re.compile(r"/aanmelden\?next=%2Frapporten"))
        finally:
            replay.close()

    def test_revoking_the_key_ends_a_live_session_at_once(self, page: Page, live: Live):
        key = live.key("reader")
        sign_in(page, key, next_path="/rapporten")
        expect(page.get_by_role("heading", name="Verdeelrapporten")).to_be_visible()
        live.revoke(key)
        page.reload()
        expect(page).to_have_url(re.compile(r"/aanmelden"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Uw sessie is beëindigd")
        page.get_by_label("API-sleutel").fill(key)
        page.get_by_role("button", name="Aanmelden").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("is ingetrokken")

    def test_a_form_without_the_sessions_token_is_refused(self, page: Page, live: Live):
        sign_in(page, live.key("reader"), next_path="/rapporten")
        refused = page.request.post("/afmelden", form={"csrf_token": "not-the-token"})
        assert refused.status == 403
        assert "Dit formulier is niet aangenomen" in refused.text()
        missing = page.request.post("/afmelden", form={})
        assert missing.status == 403
        page.reload()
        expect(page.get_by_role("heading", name="Verdeelrapporten")).to_be_visible()

    def test_a_wrong_key_is_refused_on_the_form(self, page: Page):
        page.goto("/aanmelden")
        page.get_by_label("API-sleutel").fill("cs_00000000_not-a-real-key")
        page.get_by_role("button", name="Aanmelden").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Deze sleutel is niet bekend")
        assert (
            page.locator("#api_key").get_attribute("aria-describedby")
            == "api_key-hint api_key-error"
        )

    def test_the_language_switch_shows_english_and_remembers_it(self, page: Page, live: Live):
        sign_in(page, live.key("reader"))
        page.get_by_role("link", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("link", name="Reports").first).to_be_visible()
        page.goto("/rapporten")
        expect(page.get_by_role("heading", name="Allocation reports")).to_be_visible()


class TestPrintablePage:
    def test_the_downloaded_page_is_styled_by_its_own_stylesheet_and_runs_nothing(
        self, page: Page, live: Live
    ):
        report = published_report(live)
        sign_in(page, live.key("finance", "JenV"))
        response = page.goto(f"/rapporten/{report['id']}/download/html")
        assert response is not None and response.status == 200
        assert "style-src 'sha256-" in response.headers["content-security-policy"]
        expect(page.locator("h1")).to_contain_text(f"Verdeelrapport {report['id']} — 2027")
        table = page.locator("table.results")
        assert table.evaluate("t => getComputedStyle(t).borderCollapse") == "collapse"
        widest = page.locator(".bar__base").evaluate_all(
            "bars => Math.max(...bars.map(b => b.getBoundingClientRect().width))"
        )
        assert widest > 0
        assert page.evaluate("() => document.scripts.length") == 0
