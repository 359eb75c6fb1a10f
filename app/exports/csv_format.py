"""CSV exports: the report a row per (ministry, pool), and the budget table per year."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.exports.document import mapping_of, plain_amount, read_report, text_of

CSV_HEADER = (
    "year",
    "ministry",
    "ministry_name",
    "chapter",
    "pool",
    "amount_eur",
    "publication",
    "weights_adopted",
)
BUDGET_UNIT = "x € 1.000"
_INTEGER = re.compile(r"-?\d+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class CsvDialect:
    """How a CSV is written: RFC 4180 with a decimal point (the default, for programs), or
    what Dutch Excel opens without an import wizard: ``;``, a decimal comma and a UTF-8 BOM."""

    name: str
    delimiter: str
    decimal_mark: str
    byte_order_mark: bool


RFC4180 = CsvDialect("rfc4180", ",", ".", byte_order_mark=False)
EXCEL_NL = CsvDialect("excel-nl", ";", ",", byte_order_mark=True)
DIALECTS = {dialect.name: dialect for dialect in (RFC4180, EXCEL_NL)}


class Amount(str):
    """A cell holding a figure: written with the dialect's decimal mark, never neutralised
    (a negative amount starts with '-' and must stay a number)."""

    __slots__ = ()


def neutralised(text: str) -> str:
    """A text cell that no spreadsheet will run as a formula (OWASP CSV injection): a cell
    starting with ``= + - @``, tab or CR gets a leading apostrophe.

    >>> print(neutralised('=HYPERLINK("http://x")'), neutralised("BZK"))
    '=HYPERLINK("http://x") BZK
    """
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _cell(value: str, dialect: CsvDialect) -> str:
    if isinstance(value, Amount):
        return value.replace(".", dialect.decimal_mark)
    return neutralised(value)


def _csv_text(rows: Iterable[Sequence[str]], dialect: CsvDialect) -> str:
    buffer = io.StringIO()
    if dialect.byte_order_mark:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerows([_cell(value, dialect) for value in row] for row in rows)
    return buffer.getvalue()


def report_csv(report: Mapping[str, Any], *, dialect: CsvDialect = RFC4180) -> str:
    """The report as CSV: a row per (ministry, pool), then ``year,TOTAL,,,all,<total>``.

    Rows follow the ministries in ``lines`` and, within one, the pools in ``pools``. Amounts
    have exactly two decimals, no grouping; the TOTAL row equals the sum of all rows and the
    report total to the cent. Every row says the report's publication state and whether its
    weights were adopted (``yes``, ``no``, or empty when the report does not say). Lines end
    in ``\\r\\n`` (RFC 4180); the caller encodes the text as UTF-8. An infeasible report (no
    lines) yields the header row only: the reasons are in the HTML and XLSX exports.

    >>> report_csv({"year": 2027, "total": "0.00", "pools": {}, "lines": []})[:25]
    'year,ministry,ministry_na'
    """
    view = read_report(report)
    adopted = {True: "yes", False: "no", None: ""}[view.weights_adopted]
    state = (view.publication, adopted)
    rows: list[Sequence[str]] = [CSV_HEADER]
    for line in view.lines:
        for pool, cents in zip(view.pool_names, line.pools, strict=True):
            amount = Amount(plain_amount(cents))
            rows.append((view.year, line.ministry, line.name, line.chapter, pool, amount, *state))
    if view.lines:
        total = Amount(plain_amount(view.total))
        rows.append((view.year, "TOTAL", "", "", "all", total, *state))
    return _csv_text(rows, dialect)


def _thousands(amounts: Mapping[Any, Any], *, year: str, missing: set[str]) -> str:
    """One budget cell: an integer in thousands, or empty when the year is missing."""
    value = amounts.get(year, amounts.get(int(year))) if _INTEGER.fullmatch(year) else None
    if year in missing or value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return Amount(str(value))
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return Amount(value.strip())
    raise ValueError(f"amounts.{year}: must be a whole number of thousands, got {value!r}")


def budget_table_csv(table: Mapping[str, Any], *, dialect: CsvDialect = RFC4180) -> str:
    """The Prinsjesdag budget table as CSV: ``ministry,name,chapter,unit,<year>…`` and a
    TOTAL row; ``unit`` is ``x € 1.000`` on every row, so no figure travels without it.

    Amounts are whole thousands of euros as given; a missing year (null, or listed in
    ``missing_years``) is an empty cell, never 0, so no one reads an unknown as a zero. Years
    come from ``years``, else from ``from`` through ``to``. Lines end in ``\\r\\n``.

    >>> budget_table_csv({"years": [2027], "rows": [], "totals": {"2027": 5102}})
    'ministry,name,chapter,unit,2027\\r\\nTOTAL,,,x € 1.000,5102\\r\\n'
    """
    years = [str(year) for year in table.get("years") or ()]
    if not years and table.get("from") is not None and table.get("to") is not None:
        years = [str(year) for year in range(int(table["from"]), int(table["to"]) + 1)]
    missing = {str(year) for year in table.get("missing_years") or ()}
    rows: list[Sequence[str]] = [("ministry", "name", "chapter", "unit", *years)]
    for row in table.get("rows") or ():
        entry = mapping_of(row)
        amounts = mapping_of(entry.get("amounts"))
        cells = [_thousands(amounts, year=year, missing=missing) for year in years]
        rows.append(
            (
                text_of(entry.get("ministry")),
                text_of(entry.get("name")),
                text_of(entry.get("chapter")),
                BUDGET_UNIT,
                *cells,
            )
        )
    totals = mapping_of(table.get("totals"))
    total_cells = (_thousands(totals, year=y, missing=missing) for y in years)
    rows.append(("TOTAL", "", "", BUDGET_UNIT, *total_cells))
    return _csv_text(rows, dialect)


RIJKSBEGROTING_HEADER = (
    "Begrotingsjaar",
    "Begroting",
    "Verantwoordelijke minister",
    "Naam Begroting",
    "Type Begroting (zie rbv voor definitie, KB voor II t/m IV, B voor begroting, F voor Fonds)",
    "Begrotingsfase OWB=ontwerpbegroting/VB=vastgestelde begroting,1stesup stand, 2de sup stand,"
    " JV jaarverslag stand, SW slotwet stand)",
    "Artikel nummer zoals in het witte stuk",
    "% Juridisch verplicht",
    "Omschrijving artikel",
    "Type Artikel",
    "Indicatie grote uitvoerende dienst op artikel.",
    "Programma, apparaat en nominaal en onvoorzien",
    "V/U/O (Verplichtingen/Uitgaven/Ontvangsten)",
    "Indicatie totaal regel Ja/Nee",
    "Nr. onderverdeling zoals in de witte stukken",
    "Beleidsmatige clustering",
    "Financieel instrument/Apparaat",
    "Uitsplitsing fin.instrument cq apparaat zoals in b-tabel staat opm: vul de uitsplitsing "
    "aan met een regel overig fin.instrument,",
    "Nadere omschrijving zoals in b-tabel staat",
    "Bedrag t-2",
    "Bedrag t-1",
    "Bedrag t",
    "Bedrag t+1",
    "Bedrag t+2",
    "Bedrag t+3",
    "Bedrag t+4",
)
"""The columns of the central government's open-data budget tables (``Budgettaire tabellen``,
opendata.rijksbegroting.nl), amounts x € 1.000; see docs/rijksbegroting.md."""
RIJKSBEGROTING_YEARS = 5
RIJKSBEGROTING_LINE = "Offlimits (interdepartementale bekostiging)"


def budget_table_rijksbegroting_csv(table: Mapping[str, Any]) -> str:
    """The budget table in the layout of the central government's open-data budget CSV: a
    line per budget chapter (expenditure, ``U``; instrument ``Subsidies``) for the budget year
    t (``from``) with the amounts x € 1.000 of t … t+4; t-2 and t-1 are empty (costshare
    allocates no past years). A year without a published allocation is an empty cell.

    >>> text = budget_table_rijksbegroting_csv({"from": 2027, "years": [2027], "rows": []})
    >>> text.splitlines()[0].split(",")[:2]
    ['Begrotingsjaar', 'Begroting']
    """
    years = [str(year) for year in table.get("years") or ()]
    first = int(table["from"])
    missing = {str(year) for year in table.get("missing_years") or ()}
    horizon = [str(first + offset) for offset in range(RIJKSBEGROTING_YEARS)]
    rows: list[Sequence[str]] = [RIJKSBEGROTING_HEADER]
    for row in table.get("rows") or ():
        entry = mapping_of(row)
        amounts = mapping_of(entry.get("amounts"))
        cells = [
            _thousands(amounts, year=year, missing=missing) if year in years else ""
            for year in horizon
        ]
        rows.append(
            (
                str(first),
                text_of(entry.get("chapter")),
                "",
                text_of(entry.get("name")),
                "B",
                "OWB",
                "",
                "",
                "",
                "Beleidsartikel",
                "N",
                "Programma",
                "U",
                "N",
                "",
                "",
                "Subsidies",
                "Subsidies",
                RIJKSBEGROTING_LINE,
                "",
                "",
                *cells,
            )
        )
    return _csv_text(rows, RFC4180)
