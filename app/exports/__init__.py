"""Exports of stored allocation reports for finance departments, one module per format.

- ``report_csv`` (``csv_format``): machine-readable, one row per (ministry, pool) and a TOTAL
  row; ``budget_table_csv``: the Prinsjesdag table per ministry per year, ``x € 1.000``.
- ``report_xlsx`` (``xlsx_format``): Results, Inputs and Explanation sheets.
- ``report_html`` (``html_format``): a printable page, amounts in Dutch notation, rendered
  from the pages' templates; ``report_html_policy`` is its Content-Security-Policy.

All read the report through ``document.read_report``, which refuses figures that do not add up.
"""

from app.exports.csv_format import (
    CSV_HEADER,
    DIALECTS,
    EXCEL_NL,
    RFC4180,
    CsvDialect,
    budget_table_csv,
    budget_table_rijksbegroting_csv,
    report_csv,
)
from app.exports.html_format import report_html, report_html_policy
from app.exports.xlsx_format import MONEY_FORMAT, report_xlsx

__all__ = [
    "CSV_HEADER",
    "DIALECTS",
    "EXCEL_NL",
    "RFC4180",
    "CsvDialect",
    "MONEY_FORMAT",
    "budget_table_csv",
    "budget_table_rijksbegroting_csv",
    "report_csv",
    "report_html",
    "report_html_policy",
    "report_xlsx",
]
