"""Exports of a stored allocation report: CSV, XLSX and HTML add up to the report to the cent.

The worked example is the 2027 report of BRIEF.md: €5,000,000.00 base split over six ministries
as 833,333.34 ×2 and 833,333.33 ×4, plus the variable pools of three channels.
"""

from __future__ import annotations

import copy
import csv
import html
import io
import re
from decimal import Decimal
from typing import Any
from zipfile import ZipFile

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from app.exports import (
    CSV_HEADER,
    MONEY_FORMAT,
    budget_table_csv,
    report_csv,
    report_html,
    report_xlsx,
)

MINISTRIES = {
    "JenV": {"name": "Justitie en Veiligheid", "chapter": "VI"},
    "BZK": {"name": "Binnenlandse Zaken en Koninkrijksrelaties", "chapter": "VII"},
    "EZ": {"name": "Economische Zaken", "chapter": "XIII"},
    "VWS": {"name": "Volksgezondheid, Welzijn en Sport", "chapter": "XVI"},
    "BZ": {"name": "Buitenlandse Zaken", "chapter": "V"},
    "OCW": {"name": "Onderwijs, Cultuur en Wetenschap", "chapter": "VIII"},
}
POOLS = {
    "base": "5000000.00",
    "hulplijn": "90500.00",
    "preventielijn": "7800.00",
    "meldpunt": "3617.57",
}
# ministry: (base, hulplijn, preventielijn, meldpunt, total) — each row and column adds up.
LINES = {
    "JenV": ("833333.34", "15083.34", "1300.00", "602.93", "850319.61"),
    "BZK": ("833333.34", "15083.34", "1300.00", "602.93", "850319.61"),
    "EZ": ("833333.33", "15083.33", "1300.00", "602.93", "850319.59"),
    "VWS": ("833333.33", "15083.33", "1300.00", "602.93", "850319.59"),
    "BZ": ("833333.33", "15083.33", "1300.00", "602.93", "850319.59"),
    "OCW": ("833333.33", "15083.33", "1300.00", "602.92", "850319.58"),
}
TOTAL = "5101917.57"
EXPLANATION = [
    "Each ministry's target is its mandate weight's share of each pool.",
    "No ministry exceeds the maximum share of 40%, so no constraint binds.",
    "Cents are rounded by largest remainder, so the pools add up exactly.",
]


def _line(ministry: str, amounts: tuple[str, ...]) -> dict[str, Any]:
    *pools, total = amounts
    return {
        "ministry": ministry,
        "total": total,
        "pools": dict(zip(POOLS, pools, strict=True)),
        "target": total,
        "deviation": "0.00",
        "deviation_pct": "0.00",
        "share": "0.166667",
        "binding": [],
    }


def _report(**changes: Any) -> dict[str, Any]:
    report = {
        "id": 12,
        "status": "optimal",
        "rule": "constrained",
        "year": 2027,
        "total": TOTAL,
        "pools": dict(POOLS),
        "lines": [_line(ministry, amounts) for ministry, amounts in LINES.items()],
        "problems": [],
        "warnings": [],
        "explanation": list(EXPLANATION),
        "input_hash": "sha256:" + "a" * 64,
        "report_hash": "sha256:" + "b" * 64,
        "prev_hash": None,
        "created_at": "2026-11-25T10:00:00+00:00",
        "created_by": "key:ab12cd34 (negotiator)",
        "published": False,
        "engine": {"name": "costshare-allocation", "version": "0.1.0"},
        "solver": {"name": "highs", "version": "1.16.0"},
        "snapshot": {
            "scenario": {
                "year": 2027,
                "rule": "constrained",
                "base": "5000000.00",
                "weights": dict.fromkeys(MINISTRIES, "1"),
                "variable": [
                    {
                        "channel": "hulplijn",
                        "rate_per_contact": "25.00",
                        "contacts": 15685,
                        "reference_contacts": 12065,
                    },
                    {
                        "channel": "preventielijn",
                        "rate_per_contact": "10.00",
                        "contacts": 3380,
                        "reference_contacts": 2600,
                    },
                    {
                        "channel": "meldpunt",
                        "rate_per_contact": "0.01",
                        "contacts": 1567612,
                        "reference_contacts": 1205855,
                    },
                ],
                "constraints": {"max_share": "0.40", "floors": {}, "ceilings": {}, "fixed": {}},
            },
            "weight_set": {
                "id": 1,
                "name": "Illustrative equal weights (placeholder)",
                "version": 1,
                "status": "adopted",
            },
            "ministries": copy.deepcopy(MINISTRIES),
        },
    }
    report.update(changes)
    return report


def _infeasible() -> dict[str, Any]:
    return _report(
        status="infeasible",
        lines=[],
        total="0.00",
        problems=[
            "max_share 0.10 × 6 ministries = 60% < 100%: no allocation can meet it.",
            "ceiling__OCW and floor__OCW contradict each other.",
        ],
        explanation=[],
    )


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _workbook(report: dict[str, Any]):
    return load_workbook(io.BytesIO(report_xlsx(report)))


def _cents_of(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.01"))


def _column(sheet: Worksheet, header: str) -> int:
    return [cell.value for cell in sheet[1]].index(header) + 1


class TestReportCsv:
    def test_the_header_is_the_documented_columns(self):
        assert _csv_rows(report_csv(_report()))[0] == list(CSV_HEADER)

    def test_there_is_a_row_per_ministry_and_pool_in_report_order_then_a_total(self):
        rows = _csv_rows(report_csv(_report()))[1:]
        assert [(row[1], row[4]) for row in rows[:-1]] == [
            (ministry, pool) for ministry in LINES for pool in POOLS
        ]
        assert rows[0] == ["2027", "JenV", "Justitie en Veiligheid", "VI", "base", "833333.34"]

    def test_the_rows_add_up_exactly_to_the_total_row_and_the_report_total(self):
        *rows, total = _csv_rows(report_csv(_report()))[1:]
        assert total == ["2027", "TOTAL", "", "", "all", TOTAL]
        assert sum(Decimal(row[5]) for row in rows) == Decimal(TOTAL)

    def test_each_ministry_adds_up_to_its_line_total(self):
        rows = _csv_rows(report_csv(_report()))[1:-1]
        for ministry, amounts in LINES.items():
            paid = sum(Decimal(row[5]) for row in rows if row[1] == ministry)
            assert paid == Decimal(amounts[-1])

    def test_amounts_have_a_dot_and_exactly_two_decimals_without_grouping(self):
        rows = _csv_rows(report_csv(_report()))[1:]
        assert all(re.fullmatch(r"-?\d+\.\d{2}", row[5]) for row in rows)

    def test_lines_end_in_crlf(self):
        text = report_csv(_report())
        assert text.count("\r\n") == 1 + len(LINES) * len(POOLS) + 1
        assert "\n" not in text.replace("\r\n", "")

    def test_an_infeasible_report_gives_the_header_only(self):
        assert _csv_rows(report_csv(_infeasible())) == [list(CSV_HEADER)]

    def test_a_report_whose_lines_do_not_add_up_is_refused(self):
        report = _report(total="5101917.58")
        with pytest.raises(ValueError, match="total"):
            report_csv(report)

    def test_money_as_a_float_is_refused(self):
        report = _report()
        report["pools"]["hulplijn"] = 90500.0
        with pytest.raises(ValueError, match="decimal string"):
            report_csv(report)

    def test_missing_optional_keys_are_tolerated(self):
        report = _report()
        for key in ("warnings", "published"):
            del report[key]
        report["snapshot"]["weight_set"] = None
        for line in report["lines"]:
            del line["deviation_pct"]
        assert _csv_rows(report_csv(report))[-1][-1] == TOTAL


class TestReportXlsx:
    def test_the_workbook_has_results_inputs_and_explanation_sheets(self):
        assert _workbook(_report()).sheetnames == ["Results", "Inputs", "Explanation"]

    def test_money_cells_carry_the_euro_number_format(self):
        results = _workbook(_report())["Results"]
        first = _column(results, "base")
        ministries = results.iter_rows(min_row=2, max_row=1 + len(LINES))
        money = [row[first - 1 : _column(results, "Deviation")] for row in ministries]
        money.append(results[2 + len(LINES)][first - 1 : _column(results, "Total")])
        assert all(cell.number_format == MONEY_FORMAT for row in money for cell in row)
        assert len(money[0]) == len(POOLS) + 3
        assert MONEY_FORMAT.startswith('"€"')

    def test_the_totals_row_equals_the_report_total_to_the_cent(self):
        results = _workbook(_report())["Results"]
        totals = results[2 + len(LINES)]
        assert totals[0].value == "TOTAL"
        assert _cents_of(totals[_column(results, "Total") - 1].value) == Decimal(TOTAL)
        pools = [_cents_of(totals[_column(results, pool) - 1].value) for pool in POOLS]
        assert pools == [Decimal(amount) for amount in POOLS.values()]

    def test_each_ministry_total_equals_the_report_line(self):
        results = _workbook(_report())["Results"]
        column = _column(results, "Total")
        found = {
            row[0].value: _cents_of(row[column - 1].value)
            for row in results.iter_rows(min_row=2, max_row=1 + len(LINES))
        }
        assert found == {ministry: Decimal(amounts[-1]) for ministry, amounts in LINES.items()}

    def test_shares_are_fractions_in_percent_format(self):
        results = _workbook(_report())["Results"]
        share = results.cell(row=2, column=_column(results, "Share"))
        assert share.value == pytest.approx(0.166667)
        assert share.number_format == "0.00%"

    def test_the_header_is_bold_and_frozen(self):
        results = _workbook(_report())["Results"]
        assert all(cell.font.bold for cell in results[1])
        assert results.freeze_panes == "A2"

    def test_the_inputs_sheet_lists_every_channel_with_its_figures(self):
        inputs = _workbook(_report())["Inputs"]
        rows = {row[0]: row for row in inputs.iter_rows(values_only=True) if row[0]}
        assert rows["hulplijn"][:4] == ("hulplijn", 25.0, 15685, 12065)
        assert rows["Year"][1] == 2027
        assert _cents_of(rows["hulplijn"][4]) == Decimal("90500.00")
        assert {"preventielijn", "meldpunt", "Max share", "Input hash"} <= set(rows)
        assert (
            rows["Weight set"][1] == "Illustrative equal weights (placeholder) (version 1, adopted)"
        )

    def test_the_inputs_sheet_shows_constraint_amounts_in_euros(self):
        report = _report()
        report["snapshot"]["scenario"]["constraints"]["ceilings"] = {"OCW": "900000.00"}
        inputs = _workbook(report)["Inputs"]
        rows = list(inputs.iter_rows())
        header = [row[1].value for row in rows].index("Floor")
        ocw = rows[header + 1]
        assert ocw[0].value == "OCW"
        assert _cents_of(ocw[2].value) == Decimal("900000.00")
        assert ocw[2].number_format == MONEY_FORMAT
        assert ocw[1].value is None

    def test_the_explanation_sheet_has_each_sentence_and_the_hashes(self):
        explanation = _workbook(_report())["Explanation"]
        texts = [row[1] for row in explanation.iter_rows(values_only=True)]
        assert all(sentence in texts for sentence in EXPLANATION)
        assert "sha256:" + "b" * 64 in texts

    def test_two_exports_of_one_report_are_byte_identical(self):
        assert report_xlsx(_report()) == report_xlsx(_report())

    def test_the_workbook_is_dated_by_the_report_not_the_clock(self):
        with ZipFile(io.BytesIO(report_xlsx(_report()))) as archive:
            stamps = {entry.date_time for entry in archive.infolist()}
        assert stamps == {(2026, 11, 25, 10, 0, 0)}
        properties = _workbook(_report()).properties
        assert properties.created.isoformat() == "2026-11-25T10:00:00"
        assert properties.modified.isoformat() == "2026-11-25T10:00:00"

    def test_text_that_looks_like_a_formula_stays_text(self):
        report = _report(explanation=['=HYPERLINK("http://example.org","click")'])
        explanation = _workbook(report)["Explanation"]
        cell = explanation["B2"]
        assert cell.data_type == "s"
        assert cell.value == '=HYPERLINK("http://example.org","click")'

    def test_an_infeasible_report_shows_its_problems_and_no_totals(self):
        workbook = _workbook(_infeasible())
        values = [row[0] for row in workbook["Results"].iter_rows(values_only=True)]
        assert "TOTAL" not in values
        assert all(problem in values for problem in _infeasible()["problems"])
        explanation = [row[1] for row in workbook["Explanation"].iter_rows(values_only=True)]
        assert all(problem in explanation for problem in _infeasible()["problems"])


class TestReportHtml:
    def test_the_title_names_report_year_and_rule(self):
        assert "<title>Allocation report 12 — 2027 (constrained)</title>" in report_html(_report())

    def test_the_chart_has_one_bar_group_per_ministry(self):
        page = report_html(_report())
        assert page.count('<g class="bar"') == len(LINES)
        for ministry in LINES:
            assert f'<g class="bar" data-ministry="{ministry}">' in page

    def test_the_largest_ministry_fills_the_bar_width(self):
        page = report_html(_report())
        jenv = re.search(r'data-ministry="JenV">.*?</g>', page).group(0)
        widths = [Decimal(w) for w in re.findall(r'<rect class="\w+" [^>]*width="([\d.]+)"', jenv)]
        assert sum(widths) == Decimal(460)

    def test_the_chart_is_accessible(self):
        page = report_html(_report())
        assert 'role="img"' in page
        assert '<title id="chart-title">' in page
        assert "<title>JenV (Justitie en Veiligheid): base € 833.333,34" in page

    def test_amounts_are_in_dutch_notation(self):
        page = report_html(_report())
        assert "€ 5.000.000,00" in page
        assert "€ 5.101.917,57" in page
        assert "16,67%" in page

    def test_every_explanation_sentence_is_listed(self):
        page = report_html(_report())
        assert all(f"<li>{html.escape(sentence)}</li>" in page for sentence in EXPLANATION)

    def test_a_malicious_ministry_name_is_escaped(self):
        report = _report()
        report["snapshot"]["ministries"]["BZ"]["name"] = "<script>alert(1)</script>"
        report["explanation"].append('"><img src=x onerror=alert(1)>')
        page = report_html(report)
        assert "<script" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<img" not in page

    def test_the_page_is_standalone_without_scripts_or_external_resources(self):
        page = report_html(_report())
        for needle in ("<script", "<link", "src=", "href=", "url(", "@import"):
            assert needle not in page
        assert "@media print" in page

    def test_warnings_are_highlighted(self):
        page = report_html(_report(warnings=["Weights are an illustrative placeholder."]))
        assert '<section class="alert warning"><h2>Warnings</h2>' in page
        assert "Weights are an illustrative placeholder." in page

    def test_an_infeasible_report_shows_its_problems_and_no_chart(self):
        page = report_html(_infeasible())
        assert "No allocation: the report is infeasible" in page
        assert all(f"<li>{html.escape(p)}</li>" in page for p in _infeasible()["problems"])
        assert "<svg" not in page
        assert "€ 5.000.000,00" in page


class TestBudgetTableCsv:
    TABLE = {
        "from": 2027,
        "to": 2031,
        "unit": "x € 1.000",
        "rounding": "Amounts are rounded to whole thousands; totals are rounded separately.",
        "years": [2027, 2028, 2029, 2030, 2031],
        "missing_years": [2029, 2030, 2031],
        "rows": [
            {
                "ministry": "JenV",
                "name": "Justitie en Veiligheid",
                "chapter": "VI",
                "amounts": {"2027": 850, "2028": 1101, "2029": None, "2030": None, "2031": None},
            },
            {
                "ministry": "BZK",
                "name": "Binnenlandse Zaken en Koninkrijksrelaties",
                "chapter": "VII",
                "amounts": {"2027": 850, "2028": 0, "2029": None, "2030": None, "2031": None},
            },
        ],
        "totals": {"2027": 5102, "2028": 5230, "2029": None, "2030": None, "2031": None},
    }

    def test_the_header_names_the_years(self):
        header = _csv_rows(budget_table_csv(self.TABLE))[0]
        assert header == ["ministry", "name", "chapter", "2027", "2028", "2029", "2030", "2031"]

    def test_missing_years_are_empty_and_never_zero(self):
        rows = _csv_rows(budget_table_csv(self.TABLE))
        assert rows[1] == ["JenV", "Justitie en Veiligheid", "VI", "850", "1101", "", "", ""]

    def test_a_real_zero_stays_zero(self):
        assert _csv_rows(budget_table_csv(self.TABLE))[2][4] == "0"

    def test_the_last_row_is_the_totals(self):
        rows = _csv_rows(budget_table_csv(self.TABLE))
        assert rows[-1] == ["TOTAL", "", "", "5102", "5230", "", "", ""]
        assert len(rows) == 1 + 2 + 1

    def test_years_default_to_from_through_to(self):
        table = {key: value for key, value in self.TABLE.items() if key != "years"}
        assert _csv_rows(budget_table_csv(table))[0][3:] == ["2027", "2028", "2029", "2030", "2031"]

    def test_a_fractional_amount_is_refused(self):
        table = copy.deepcopy(self.TABLE)
        table["rows"][0]["amounts"]["2027"] = 850.5
        with pytest.raises(ValueError, match="whole number"):
            budget_table_csv(table)
