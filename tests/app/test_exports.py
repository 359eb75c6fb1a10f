"""Exports of stored reports, tested on the documents the API really returns: a run of the
seeded scenario, published the way a negotiator publishes it, read back through
``GET /v1/allocations/{id}/export?format=json`` and ``GET /v1/budget-table``."""

from __future__ import annotations

import base64
import copy
import csv
import hashlib
import html
import io
import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from zipfile import ZipFile

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from app.exports import (
    CSV_HEADER,
    EXCEL_NL,
    MONEY_FORMAT,
    budget_table_csv,
    report_csv,
    report_html,
    report_xlsx,
)
from app.schemas import SCENARIO_EXAMPLE
from tests.conftest import Seeded, auth

ACK = {"acknowledge_unadopted_weights": True}


class Service:
    """Runs, publishes and exports through the API, as its users do."""

    def __init__(self, client: TestClient, keys: dict[str, str], seeded: Seeded) -> None:
        self.client = client
        self.keys = keys
        self.seeded = seeded

    def as_(self, holder: str) -> dict[str, str]:
        return auth(self.keys[holder])

    def run(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.client.post(
            "/v1/allocations",
            headers=self.as_("negotiator"),
            json=body or {"scenario_id": self.seeded.scenario_id},
        )
        assert response.status_code == 201, response.text
        return response.json()

    def publish(self, report_id: int, body: dict[str, Any] | None = ACK) -> Any:
        path = f"/v1/allocations/{report_id}"
        etag = self.client.get(path, headers=self.as_("negotiator")).headers["etag"]
        return self.client.post(
            f"{path}/publish", headers={**self.as_("negotiator"), "If-Match": etag}, json=body
        )

    def document(self, report_id: int) -> dict[str, Any]:
        response = self.client.get(
            f"/v1/allocations/{report_id}/export", headers=self.as_("finance_jenv")
        )
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    def export(self, report_id: int, **params: str) -> Any:
        response = self.client.get(
            f"/v1/allocations/{report_id}/export", headers=self.as_("reader"), params=params
        )
        assert response.status_code == 200, response.text
        return response

    def budget_table(self, **params: str) -> Any:
        return self.client.get(
            "/v1/budget-table",
            headers=self.as_("reader"),
            params={"from": "2027", "to": "2031", **params},
        )


@pytest.fixture
def service(client: TestClient, keys: dict[str, str], seeded: Seeded) -> Service:
    return Service(client, keys, seeded)


@pytest.fixture
def published(service: Service) -> dict[str, Any]:
    """The seeded 2027 report, published with its unadopted weights acknowledged."""
    report = service.run()
    assert service.publish(report["id"]).status_code == 200
    return service.document(report["id"])


@pytest.fixture
def infeasible(service: Service) -> dict[str, Any]:
    report = service.run({"scenario": {**SCENARIO_EXAMPLE, "constraints": {"max_share": "0.1"}}})
    assert report["status"] == "infeasible"
    return service.client.get(
        f"/v1/allocations/{report['id']}/export", headers=service.as_("negotiator")
    ).json()


def _csv_rows(text: str, *, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _cents(amount: str) -> int:
    return int(Decimal(amount).scaleb(2))


def _workbook(report: dict[str, Any]):
    return load_workbook(io.BytesIO(report_xlsx(report)))


def _cents_of_cell(value: float) -> int:
    return int(Decimal(repr(value)).quantize(Decimal("0.01")).scaleb(2))


def _column(sheet: Worksheet, header: str) -> int:
    return [cell.value for cell in sheet[1]].index(header) + 1


def _list_items(page: str) -> list[str]:
    """The text of every list item of an HTML page, unescaped."""
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", page, re.DOTALL)]


def _lines(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["ministry"]: line for line in document["lines"]}


class TestTheDocumentItself:
    def test_the_export_is_the_report_with_its_hash_and_publication(self, published):
        assert published["publication"]["state"] == "published"
        assert published["publication"]["acknowledged_unadopted_weights"] is True
        assert published["weights_source"]["adopted"] is False
        assert published["report_hash"].startswith("sha256:")


class TestReportCsv:
    def test_the_header_is_the_documented_columns(self, published):
        assert _csv_rows(report_csv(published))[0] == list(CSV_HEADER)

    def test_there_is_a_row_per_ministry_and_pool_in_report_order_then_a_total(self, published):
        rows = _csv_rows(report_csv(published))[1:]
        pools = list(published["pools"])
        assert [(row[1], row[4]) for row in rows[:-1]] == [
            (line["ministry"], pool) for line in published["lines"] for pool in pools
        ]
        first = published["lines"][0]
        name = published["snapshot"]["ministries"][first["ministry"]]["name"]
        assert rows[0][:6] == ["2027", first["ministry"], name, "V", "base", first["pools"]["base"]]

    def test_the_rows_add_up_exactly_to_the_total_row_and_the_report_total(self, published):
        *rows, total = _csv_rows(report_csv(published))[1:]
        assert total[:6] == ["2027", "TOTAL", "", "", "all", published["total"]]
        assert sum(_cents(row[5]) for row in rows) == _cents(published["total"])

    def test_each_ministry_adds_up_to_its_line_total(self, published):
        rows = _csv_rows(report_csv(published))[1:-1]
        for code, line in _lines(published).items():
            assert sum(_cents(row[5]) for row in rows if row[1] == code) == _cents(line["total"])

    def test_every_row_says_it_is_published_on_weights_nobody_adopted(self, published):
        rows = _csv_rows(report_csv(published))[1:]
        assert {(row[6], row[7]) for row in rows} == {("published", "no")}

    def test_amounts_have_a_dot_and_exactly_two_decimals_without_grouping(self, published):
        rows = _csv_rows(report_csv(published))[1:]
        assert all(re.fullmatch(r"-?\d+\.\d{2}", row[5]) for row in rows)

    def test_lines_end_in_crlf(self, published):
        text = report_csv(published)
        assert text.count("\r\n") == 1 + len(published["lines"]) * len(published["pools"]) + 1
        assert "\n" not in text.replace("\r\n", "")

    def test_the_dutch_excel_dialect_has_a_bom_semicolons_and_decimal_commas(self, published):
        text = report_csv(published, dialect=EXCEL_NL)
        assert text.startswith("\ufeff")
        *rows, total = _csv_rows(text.removeprefix("\ufeff"), delimiter=";")[1:]
        assert total[5] == published["total"].replace(".", ",")
        assert sum(_cents(row[5].replace(",", ".")) for row in rows) == _cents(published["total"])

    def test_the_api_serves_the_dutch_dialect_as_utf8_csv(self, service, published):
        response = service.export(published["id"], format="csv", dialect="excel-nl")
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.content.startswith("\ufeff".encode())
        assert b";TOTAL;" in response.content

    def test_an_infeasible_report_gives_the_header_only(self, infeasible):
        assert _csv_rows(report_csv(infeasible)) == [list(CSV_HEADER)]

    def test_a_report_whose_lines_do_not_add_up_is_refused(self, published):
        changed = copy.deepcopy(published)
        changed["total"] = f"{Decimal(published['total']) + Decimal('0.01')}"
        with pytest.raises(ValueError, match="total"):
            report_csv(changed)

    def test_money_as_a_float_is_refused(self, published):
        changed = copy.deepcopy(published)
        changed["pools"]["hulplijn"] = float(changed["pools"]["hulplijn"])
        with pytest.raises(ValueError, match="decimal string"):
            report_csv(changed)


class TestFormulaInjection:
    """A ministry's name is typed by a person; a spreadsheet must never run it."""

    NAME = '=HYPERLINK("http://evil.example/","open")'

    def test_report_and_budget_table_csv_neutralise_a_formula_name(self, service: Service):
        created = service.client.post(
            "/v1/ministries",
            headers=service.as_("admin"),
            json={"code": "SZW", "name": self.NAME, "chapter": "XV"},
        )
        assert created.status_code == 201, created.text
        weights = {"JenV": 1, "BZK": 1, "EZ": 1, "VWS": 1, "BZ": 1, "OCW": 1, "SZW": 1}
        report = service.run({"scenario": {"year": 2027, "base": "700000.00", "weights": weights}})
        assert service.publish(report["id"]).status_code == 200
        rows = _csv_rows(service.export(report["id"], format="csv").text)
        szw = next(row for row in rows if row[1] == "SZW")
        assert szw[2] == "'" + self.NAME
        assert szw[5] == "100000.00"
        table = _csv_rows(service.budget_table(format="csv").text)
        assert next(row for row in table if row[0] == "SZW")[1] == "'" + self.NAME

    def test_a_negative_amount_stays_a_number(self, service, published):
        table = service.budget_table().json()
        table["rows"][0]["amounts"]["2027"] = -5
        rows = _csv_rows(budget_table_csv(table))
        assert rows[1][4] == "-5"
        assert not any(cell.startswith("'") for row in rows for cell in row)


class TestReportXlsx:
    def test_the_workbook_has_results_inputs_and_explanation_sheets(self, published):
        assert _workbook(published).sheetnames == ["Results", "Inputs", "Explanation"]

    def test_money_cells_carry_the_euro_number_format(self, published):
        results = _workbook(published)["Results"]
        count = len(published["lines"])
        first = _column(results, "base")
        ministries = results.iter_rows(min_row=2, max_row=1 + count)
        money = [row[first - 1 : _column(results, "Deviation")] for row in ministries]
        money.append(results[2 + count][first - 1 : _column(results, "Total")])
        assert all(cell.number_format == MONEY_FORMAT for row in money for cell in row)
        assert len(money[0]) == len(published["pools"]) + 3

    def test_the_totals_row_equals_the_report_total_to_the_cent(self, published):
        results = _workbook(published)["Results"]
        totals = results[2 + len(published["lines"])]
        assert totals[0].value == "TOTAL"
        total = totals[_column(results, "Total") - 1].value
        assert _cents_of_cell(total) == _cents(published["total"])
        pools = [_cents_of_cell(totals[_column(results, p) - 1].value) for p in published["pools"]]
        assert pools == [_cents(amount) for amount in published["pools"].values()]

    def test_each_ministry_total_equals_the_report_line(self, published):
        results = _workbook(published)["Results"]
        column = _column(results, "Total")
        found = {
            row[0].value: _cents_of_cell(row[column - 1].value)
            for row in results.iter_rows(min_row=2, max_row=1 + len(published["lines"]))
        }
        assert found == {code: _cents(line["total"]) for code, line in _lines(published).items()}

    def test_the_explanation_sheet_says_published_on_unadopted_weights(self, published):
        explanation = _workbook(published)["Explanation"]
        rows = {row[0]: row[1] for row in explanation.iter_rows(values_only=True) if row[0]}
        assert rows["Publication"] == "published"
        assert "based on weights that are not adopted" in rows["Weights"].lower()
        assert "acknowledged" in rows["Weights"]
        assert published["report_hash"] in rows.values()

    def test_the_inputs_sheet_names_the_weight_set_and_its_state(self, published):
        inputs = _workbook(published)["Inputs"]
        rows = {row[0]: row for row in inputs.iter_rows(values_only=True) if row[0]}
        assert rows["hulplijn"][:4] == ("hulplijn", 25.0, 15685, 12065)
        assert rows["Weight set"][1] == (
            "Illustrative equal weights (placeholder) (version 1, draft)"
        )

    def test_every_warning_of_the_report_is_in_the_workbook(self, published):
        explanation = _workbook(published)["Explanation"]
        texts = [row[1] for row in explanation.iter_rows(values_only=True)]
        assert published["warnings"] and all(w in texts for w in published["warnings"])

    def test_two_exports_of_one_report_are_byte_identical(self, service, published):
        first = service.export(published["id"], format="xlsx").content
        assert first == service.export(published["id"], format="xlsx").content
        assert first == report_xlsx(published)

    def test_the_workbook_is_dated_by_the_report_not_the_clock(self, published):
        created = datetime.fromisoformat(published["created_at"]).replace(
            tzinfo=None, microsecond=0
        )
        with ZipFile(io.BytesIO(report_xlsx(published))) as archive:
            stamps = {entry.date_time for entry in archive.infolist()}
        zip_time = created.replace(second=created.second - created.second % 2)  # DOS: 2 s
        assert stamps == {zip_time.timetuple()[:6]}
        assert _workbook(published).properties.created == created

    def test_an_infeasible_report_shows_its_problems_and_no_totals(self, infeasible):
        workbook = _workbook(infeasible)
        values = [row[0] for row in workbook["Results"].iter_rows(values_only=True)]
        assert "TOTAL" not in values
        assert all(problem in values for problem in infeasible["problems"])
        rows = {r[0]: r[1] for r in workbook["Explanation"].iter_rows(values_only=True) if r[0]}
        assert rows["Publication"] == "not published (draft)"


class TestReportHtml:
    def test_the_title_names_report_year_and_rule(self, published):
        title = f"<title>Allocation report {published['id']} — 2027 (constrained)</title>"
        assert title in report_html(published)

    def test_it_says_the_figures_rest_on_weights_that_are_not_adopted(self, service, published):
        page = service.export(published["id"], format="html").text
        assert "based on weights that are not adopted" in page.lower()
        assert "<dt>Publication</dt><dd>published</dd>" in page

    def test_there_is_a_bar_per_ministry_drawn_by_the_inline_stylesheet(self, published):
        page = report_html(published)
        assert page.count('<span class="bar bar-') == len(published["lines"])
        style = re.search(r"<style>(.*?)</style>", page, re.DOTALL)
        assert style is not None
        widths = re.findall(r"\.bar-(\d+) \.bar__(base|variable)\{width:([0-9.]+)%\}", style[1])
        assert len(widths) == 2 * len(published["lines"])
        largest = max(
            range(len(published["lines"])), key=lambda i: _cents(published["lines"][i]["total"])
        )
        mine = {part: Decimal(width) for index, part, width in widths if int(index) == largest}
        assert mine["base"] + mine["variable"] == 100

    def test_bars_carry_no_style_attribute(self, published):
        assert "style=" not in report_html(published)

    def test_the_dutch_page_says_the_same_in_dutch(self, published):
        page = report_html(published, language="nl")
        assert '<html lang="nl">' in page
        assert "gebaseerd op gewichten die niet zijn vastgesteld" in page.lower()
        assert "€ 5.101.917,57" in page

    def test_amounts_are_in_dutch_notation(self, published):
        page = report_html(published)
        assert "€ 5.000.000,00" in page
        assert "€ 5.101.917,57" in page

    def test_every_explanation_sentence_is_listed(self, published):
        page = report_html(published)
        assert set(published["explanation"]) <= set(_list_items(page))

    def test_a_malicious_ministry_name_is_escaped(self, service: Service):
        service.client.post(
            "/v1/ministries",
            headers=service.as_("admin"),
            json={"code": "SZW", "name": "<script>alert(1)</script>", "chapter": "XV"},
        )
        report = service.run({"scenario": {"year": 2027, "base": 100, "weights": {"SZW": 1}}})
        document = service.client.get(
            f"/v1/allocations/{report['id']}/export", headers=service.as_("negotiator")
        ).json()
        page = report_html(document)
        assert "<script" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    def test_the_page_is_standalone_with_a_strict_content_security_policy(self, service, published):
        response = service.export(published["id"], format="html")
        page = response.text
        for needle in ("<script", "<link", "src=", "href=", "url(", "@import"):
            assert needle not in page
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "unsafe-inline" not in policy and "script-src" not in policy

    def test_the_policy_allows_exactly_the_pages_own_stylesheet_by_its_hash(
        self, service, published
    ):
        response = service.export(published["id"], format="html")
        styles = re.findall(r"<style>(.*?)</style>", response.text, re.DOTALL)
        assert len(styles) == 1
        digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
        assert f"style-src 'sha256-{digest}';" in response.headers["content-security-policy"]

    def test_an_infeasible_report_shows_its_problems_and_no_chart(self, infeasible):
        page = report_html(infeasible)
        assert "No allocation: the report is infeasible" in page
        assert set(infeasible["problems"]) <= set(_list_items(page))
        assert 'class="bar' not in page


class TestBudgetTableCsv:
    def test_the_header_names_the_unit_and_the_years(self, service, published):
        header = _csv_rows(service.budget_table(format="csv").text)[0]
        assert header == ["ministry", "name", "chapter", "unit", *map(str, range(2027, 2032))]

    def test_missing_years_are_empty_and_never_zero(self, service, published):
        rows = _csv_rows(service.budget_table(format="csv").text)
        jenv = next(row for row in rows if row[0] == "JenV")
        assert jenv == ["JenV", "Justitie en Veiligheid", "VI", "x € 1.000", "850", "", "", "", ""]

    def test_the_last_row_is_the_totals_in_the_same_unit(self, service, published):
        rows = _csv_rows(service.budget_table(format="csv").text)
        assert rows[-1] == ["TOTAL", "", "", "x € 1.000", "5102", "", "", "", ""]
        assert len(rows) == 1 + len(published["lines"]) + 1

    def test_the_csv_and_the_json_give_the_same_figures(self, service, published):
        table = service.budget_table().json()
        assert budget_table_csv(table) == service.budget_table(format="csv").text

    def test_the_dutch_excel_dialect_uses_semicolons_and_a_bom(self, service, published):
        text = service.budget_table(format="csv", dialect="excel-nl").text
        assert text.startswith("\ufeff")
        assert _csv_rows(text.removeprefix("\ufeff"), delimiter=";")[-1][4] == "5102"

    def test_a_fractional_amount_is_refused(self, service, published):
        table = service.budget_table().json()
        table["rows"][0]["amounts"]["2027"] = 850.5
        with pytest.raises(ValueError, match="whole number"):
            budget_table_csv(table)
