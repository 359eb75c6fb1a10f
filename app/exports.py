"""Exports of one stored allocation report for finance departments: CSV, XLSX and HTML.

Pure functions of the report as the reports API returns it (a JSON-able dict): no database, no
web framework. Money is read from decimal strings into integer cents and written back from
cents, so every export adds up to the report's total to the cent; a float appears only at the
XLSX cell boundary, where Excel needs one.

- ``report_csv``: machine-readable, one row per (ministry, pool) and a TOTAL row.
- ``report_xlsx``: Results, Inputs and Explanation sheets; byte-identical for the same report.
- ``report_html``: a printable standalone page with a stacked bar chart; amounts in Dutch
  notation (``€ 1.234.567,89``) because it is read by people, not programs.
- ``budget_table_csv``: the Prinsjesdag table per ministry per year, ``x € 1.000``.

Every function raises ``ValueError`` for a report whose amounts are malformed or do not add
up, rather than print figures that contradict the report's own total.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

CSV_HEADER = ("year", "ministry", "ministry_name", "chapter", "pool", "amount_eur")
MONEY_FORMAT = '"€" #,##0.00'
RATE_FORMAT = '"€" #,##0.00##'
PERCENT_FORMAT = "0.00%"
BASE_POOL = "base"

_MONEY = re.compile(r"-?\d+(\.\d{1,2})?")
_PLAIN_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
_INTEGER = re.compile(r"-?\d+")
_EARLIEST_ZIP_TIME = datetime(1980, 1, 1)

# ---------------------------------------------------------------------------------------------
# Reading the report
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Line:
    """One ministry's result, money in cents, pools in the order of the report's pools."""

    ministry: str
    name: str
    chapter: str
    pools: tuple[int, ...]
    total: int
    target: int | None
    deviation: int | None
    deviation_pct: Decimal | None
    share: Decimal | None
    binding: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Report:
    """The parts of a stored report every export needs, checked to add up to the cent."""

    id: str
    year: str
    status: str
    rule: str
    total: int
    pool_names: tuple[str, ...]
    pool_amounts: tuple[int, ...]
    lines: tuple[_Line, ...]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    explanation: tuple[str, ...]
    published: bool | None
    created_at: str
    created_by: str
    input_hash: str
    report_hash: str
    prev_hash: str
    engine: str
    solver: str
    weight_set: str

    def base_and_variable(self, line: _Line) -> tuple[int, int]:
        """A line's base pool and the sum of all its other (variable) pools, in cents."""
        base = sum(c for n, c in zip(self.pool_names, line.pools, strict=True) if n == BASE_POOL)
        return base, line.total - base


def _cents(value: object, *, field: str) -> int:
    """Integer cents of a money value such as ``"850319.60"``; floats are refused.

    >>> _cents("850319.60", field="total")
    85031960
    """
    if isinstance(value, str) and _MONEY.fullmatch(value.strip()):
        amount = Decimal(value.strip())
    elif isinstance(value, int) and not isinstance(value, bool):
        amount = Decimal(value)
    elif isinstance(value, Decimal) and value.is_finite():
        amount = value
    else:
        raise ValueError(
            f'{field}: money must be a decimal string such as "5000000.00", got {value!r}'
        )
    cents = amount.scaleb(2)
    if cents != cents.to_integral_value():
        raise ValueError(f"{field}: money has at most two decimals, got {value!r}")
    return int(cents)


def _decimal(value: object, *, field: str) -> Decimal | None:
    """A plain decimal (share, percentage, weight) or None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, str) and _PLAIN_DECIMAL.fullmatch(value.strip()):
        return Decimal(value.strip())
    raise ValueError(f'{field}: must be a decimal string such as "0.166667", got {value!r}')


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(_text(item) for item in value)


def _named_version(value: object) -> str:
    """``"highs 1.16.0"`` from ``{"name": "highs", "version": "1.16.0"}``."""
    named = _mapping(value)
    return " ".join(_text(named.get(key)) for key in ("name", "version") if named.get(key))


def _weight_set_label(value: object) -> str:
    weight_set = _mapping(value)
    if not weight_set:
        return "none (weights given in the scenario)"
    details = ", ".join(
        part
        for part in (
            f"version {weight_set['version']}" if weight_set.get("version") is not None else "",
            _text(weight_set.get("status")),
        )
        if part
    )
    name = _text(weight_set.get("name")) or f"weight set {_text(weight_set.get('id'))}"
    return f"{name} ({details})" if details else name


def _read_line(
    line: Mapping[str, Any], *, pool_names: tuple[str, ...], ministries: Mapping[str, Any]
) -> _Line:
    code = _text(line.get("ministry"))
    pools = _mapping(line.get("pools"))
    unknown = sorted(set(pools) - set(pool_names))
    if unknown:
        raise ValueError(f"lines.{code}.pools: pools not in the report: {', '.join(unknown)}")
    known = _mapping(ministries.get(code))
    optional_money = {
        key: None if line.get(key) is None else _cents(line[key], field=f"lines.{code}.{key}")
        for key in ("target", "deviation")
    }
    return _Line(
        ministry=code,
        name=_text(known.get("name")),
        chapter=_text(known.get("chapter")),
        pools=tuple(_cents(pools.get(p, 0), field=f"lines.{code}.pools.{p}") for p in pool_names),
        total=_cents(line.get("total"), field=f"lines.{code}.total"),
        target=optional_money["target"],
        deviation=optional_money["deviation"],
        deviation_pct=_decimal(line.get("deviation_pct"), field=f"lines.{code}.deviation_pct"),
        share=_decimal(line.get("share"), field=f"lines.{code}.share"),
        binding=_texts(line.get("binding")),
    )


def _read_report(report: Mapping[str, Any]) -> _Report:
    """Parse and check a stored report once, so the renderers only format."""
    pools = _mapping(report.get("pools"))
    pool_names = tuple(str(name) for name in pools)
    snapshot = _mapping(report.get("snapshot"))
    ministries = _mapping(snapshot.get("ministries"))
    lines = tuple(
        _read_line(_mapping(line), pool_names=pool_names, ministries=ministries)
        for line in report.get("lines") or ()
    )
    published = report.get("published")
    view = _Report(
        id=_text(report.get("id")),
        year=_text(report.get("year")),
        status=_text(report.get("status")),
        rule=_text(report.get("rule")),
        total=_cents(report.get("total", "0.00"), field="total"),
        pool_names=pool_names,
        pool_amounts=tuple(_cents(pools[name], field=f"pools.{name}") for name in pool_names),
        lines=lines,
        problems=_texts(report.get("problems")),
        warnings=_texts(report.get("warnings")),
        explanation=_texts(report.get("explanation")),
        published=published if isinstance(published, bool) else None,
        created_at=_text(report.get("created_at")),
        created_by=_text(report.get("created_by")),
        input_hash=_text(report.get("input_hash")),
        report_hash=_text(report.get("report_hash")),
        prev_hash=_text(report.get("prev_hash")),
        engine=_named_version(report.get("engine")),
        solver=_named_version(report.get("solver")),
        weight_set=_weight_set_label(snapshot.get("weight_set")),
    )
    _check_sums(view)
    return view


def _check_sums(report: _Report) -> None:
    """Refuse a report whose lines, pools and total disagree by even a cent.

    A report without lines (infeasible) has nothing to add up and passes.
    """
    if not report.lines:
        return
    for line in report.lines:
        if sum(line.pools) != line.total:
            raise ValueError(
                f"lines.{line.ministry}: pools add up to {_plain(sum(line.pools))}, "
                f"but its total is {_plain(line.total)}"
            )
    for index, name in enumerate(report.pool_names):
        allocated = sum(line.pools[index] for line in report.lines)
        if allocated != report.pool_amounts[index]:
            raise ValueError(
                f"pools.{name}: ministries pay {_plain(allocated)}, "
                f"but the pool is {_plain(report.pool_amounts[index])}"
            )
    if sum(report.pool_amounts) != report.total:
        raise ValueError(
            f"total: pools add up to {_plain(sum(report.pool_amounts))}, "
            f"but the total is {_plain(report.total)}"
        )


# ---------------------------------------------------------------------------------------------
# Number formats
# ---------------------------------------------------------------------------------------------


def _plain(cents: int) -> str:
    """Machine format: dot, exactly two decimals, no grouping. ``-123456`` → ``"-1234.56"``."""
    units, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{units}.{rest:02d}"


def _euro_nl(cents: int) -> str:
    """Dutch notation for people. ``500000000`` → ``"€ 5.000.000,00"``."""
    units, rest = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", ".")
    return f"€ {'−' if cents < 0 else ''}{grouped},{rest:02d}"


def _percent_nl(fraction: Decimal | None) -> str:
    """``Decimal("0.166667")`` → ``"16,67%"``; empty when absent."""
    if fraction is None:
        return ""
    percent = (fraction * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    return f"{percent}%".replace(".", ",").replace("-", "−")


def _euros(cents: int) -> float:
    """The one float conversion: the double nearest the exact amount, for an Excel cell."""
    return float(Decimal(cents).scaleb(-2))


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------


def _csv_text(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def report_csv(report: Mapping[str, Any]) -> str:
    """The report as CSV: a row per (ministry, pool), then ``year,TOTAL,,,all,<total>``.

    Rows follow the ministries in ``lines`` and, within one, the pools in ``pools``. Amounts
    have a dot and exactly two decimals, no grouping; the TOTAL row equals the sum of all rows
    and the report total to the cent. Lines end in ``\\r\\n`` (RFC 4180); the caller encodes
    the text as UTF-8. An infeasible report (no lines) yields the header row only: nothing was
    allocated, and the reasons are in the HTML and XLSX exports.

    >>> report_csv({"year": 2027, "total": "0.00", "pools": {}, "lines": []})
    'year,ministry,ministry_name,chapter,pool,amount_eur\\r\\n'
    """
    view = _read_report(report)
    rows: list[Sequence[str]] = [CSV_HEADER]
    for line in view.lines:
        for pool, cents in zip(view.pool_names, line.pools, strict=True):
            rows.append((view.year, line.ministry, line.name, line.chapter, pool, _plain(cents)))
    if view.lines:
        rows.append((view.year, "TOTAL", "", "", "all", _plain(view.total)))
    return _csv_text(rows)


def _thousands(amounts: Mapping[Any, Any], *, year: str, missing: set[str]) -> str:
    """One budget cell: an integer in thousands, or empty when the year is missing."""
    value = amounts.get(year, amounts.get(int(year))) if _INTEGER.fullmatch(year) else None
    if year in missing or value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return value.strip()
    raise ValueError(f"amounts.{year}: must be a whole number of thousands, got {value!r}")


def budget_table_csv(table: Mapping[str, Any]) -> str:
    """The Prinsjesdag budget table as CSV: ``ministry,name,chapter,<year>…`` and a TOTAL row.

    Amounts are whole thousands of euros as given; a missing year (null, or listed in
    ``missing_years``) is an empty cell, never 0, so no one reads an unknown as a zero. Years
    come from ``years``, else from ``from`` through ``to``. Lines end in ``\\r\\n``.

    >>> budget_table_csv({"years": [2027], "rows": [], "totals": {"2027": 5102}})
    'ministry,name,chapter,2027\\r\\nTOTAL,,,5102\\r\\n'
    """
    years = [str(year) for year in table.get("years") or ()]
    if not years and table.get("from") is not None and table.get("to") is not None:
        years = [str(year) for year in range(int(table["from"]), int(table["to"]) + 1)]
    missing = {str(year) for year in table.get("missing_years") or ()}
    rows: list[Sequence[str]] = [("ministry", "name", "chapter", *years)]
    for row in table.get("rows") or ():
        entry = _mapping(row)
        amounts = _mapping(entry.get("amounts"))
        cells = [_thousands(amounts, year=year, missing=missing) for year in years]
        rows.append(
            (
                _text(entry.get("ministry")),
                _text(entry.get("name")),
                _text(entry.get("chapter")),
                *cells,
            )
        )
    totals = _mapping(table.get("totals"))
    rows.append(("TOTAL", "", "", *(_thousands(totals, year=y, missing=missing) for y in years)))
    return _csv_text(rows)


# ---------------------------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------------------------

_CellValue = str | int | float | None


@dataclass(frozen=True, slots=True)
class _Cell:
    value: _CellValue
    number_format: str | None = None


def _money_cell(cents: int | None) -> _Cell:
    return _Cell(None if cents is None else _euros(cents), MONEY_FORMAT)


def _percent_cell(fraction: Decimal | None) -> _Cell:
    return _Cell(None if fraction is None else float(fraction), PERCENT_FORMAT)


class _SheetWriter:
    """Appends rows of cells; text is always stored as text, never as a formula."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.row = 0

    def write(self, *cells: _Cell | _CellValue, bold: bool = False) -> None:
        self.row += 1
        for column, item in enumerate(cells, start=1):
            cell = item if isinstance(item, _Cell) else _Cell(item)
            target = self.sheet.cell(row=self.row, column=column)
            if isinstance(cell.value, str):
                target.value = ILLEGAL_CHARACTERS_RE.sub("", cell.value)
                target.data_type = "s"  # "=…" from user text must not become a formula
            else:
                target.value = cell.value
            if cell.number_format:
                target.number_format = cell.number_format
            if bold:
                target.font = Font(bold=True)

    def blank(self) -> None:
        self.row += 1


def _fit_columns(sheet: Worksheet, *, widest: int = 60) -> None:
    """Column widths from the longest value, so figures are readable without resizing."""
    for index, column in enumerate(sheet.iter_cols(), start=1):
        lengths = [
            len(f"€ {cell.value:,.2f}") if isinstance(cell.value, float) else len(str(cell.value))
            for cell in column
            if cell.value is not None
        ]
        width = min(widest, max(lengths, default=8) + 2)
        sheet.column_dimensions[get_column_letter(index)].width = max(width, 10)


def _write_results(sheet: Worksheet, view: _Report) -> None:
    """A row per ministry, a totals row from the pools' cents, then any problems."""
    sheet.title = "Results"
    out = _SheetWriter(sheet)
    out.write(
        *("Ministry", "Name", "Chapter", *view.pool_names, "Total", "Target", "Deviation"),
        *("Deviation %", "Share", "Binding constraints"),
        bold=True,
    )
    sheet.freeze_panes = "A2"
    for line in view.lines:
        out.write(
            line.ministry,
            line.name,
            line.chapter,
            *map(_money_cell, line.pools),
            *map(_money_cell, (line.total, line.target, line.deviation)),
            _percent_cell(None if line.deviation_pct is None else line.deviation_pct / 100),
            *(_percent_cell(line.share), ", ".join(line.binding)),
        )
    if view.lines:
        out.write("TOTAL", "", "", *map(_money_cell, (*view.pool_amounts, view.total)), bold=True)
    _write_problems(out, view)
    _fit_columns(sheet)


def _write_problems(out: _SheetWriter, view: _Report) -> None:
    if not view.problems:
        return
    out.blank()
    heading = "Problems" if view.lines else "No allocation: the report is infeasible, because"
    out.write(heading, bold=True)
    for problem in view.problems:
        out.write(problem)


def _write_inputs(sheet: Worksheet, view: _Report, report: Mapping[str, Any]) -> None:
    """What went in: scenario figures, channels, constraints and weights, with provenance."""
    scenario = _mapping(_mapping(report.get("snapshot")).get("scenario"))
    out = _SheetWriter(sheet)
    out.write("Scenario", bold=True)
    base = scenario.get("base")
    out.write("Year", _count(scenario.get("year", report.get("year"))))
    out.write("Rule", _text(scenario.get("rule", view.rule)))
    out.write("Base", _money_cell(None if base is None else _cents(base, field="scenario.base")))
    out.write("Weight set", view.weight_set)
    out.write("Engine", view.engine)
    out.write("Solver", view.solver)
    out.write("Input hash", view.input_hash)
    channels = [_mapping(item) for item in scenario.get("variable") or ()]
    _write_channels(out, channels, view=view)
    _write_constraints(out, _mapping(scenario.get("constraints")))
    _write_weights(out, scenario=scenario, channels=channels, report=report)
    _fit_columns(sheet)


def _count(value: object) -> _CellValue:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None if value is None else _text(value)


def _write_channels(out: _SheetWriter, channels: list[Mapping[str, Any]], *, view: _Report) -> None:
    out.blank()
    out.write("Variable component", bold=True)
    out.write(
        "Channel", "Rate per contact", "Contacts", "Reference contacts", "Pool amount", bold=True
    )
    pools = dict(zip(view.pool_names, view.pool_amounts, strict=True))
    for channel in channels:
        name = _text(channel.get("channel"))
        rate = _decimal(channel.get("rate_per_contact"), field=f"variable.{name}.rate_per_contact")
        out.write(
            name,
            _Cell(None if rate is None else float(rate), RATE_FORMAT),
            _count(channel.get("contacts")),
            _count(channel.get("reference_contacts")),
            _money_cell(pools.get(name)),
        )


def _write_constraints(out: _SheetWriter, constraints: Mapping[str, Any]) -> None:
    """Max share as a percentage; floors, ceilings and fixed amounts in euros per ministry."""
    out.blank()
    out.write("Constraints", bold=True)
    max_share = _decimal(constraints.get("max_share"), field="constraints.max_share")
    out.write("Max share", _percent_cell(max_share) if max_share is not None else "none")
    kinds = ("floors", "ceilings", "fixed")
    bounds = {kind: _mapping(constraints.get(kind)) for kind in kinds}
    codes = list(dict.fromkeys(code for values in bounds.values() for code in values))
    if not codes:
        out.write("Floors, ceilings, fixed", "none")
        return
    out.write("Ministry", "Floor", "Ceiling", "Fixed", bold=True)
    for code in codes:
        amounts = [bounds[kind].get(code) for kind in kinds]
        out.write(
            code,
            *(
                _money_cell(None if value is None else _cents(value, field=f"{kind}.{code}"))
                for kind, value in zip(kinds, amounts, strict=True)
            ),
        )


def _write_weights(
    out: _SheetWriter,
    *,
    scenario: Mapping[str, Any],
    channels: list[Mapping[str, Any]],
    report: Mapping[str, Any],
) -> None:
    """Mandate weights per ministry, with a column per channel that has its own weights."""
    weights = _mapping(scenario.get("weights"))
    per_channel = {
        _text(c.get("channel")): _mapping(c.get("weights")) for c in channels if c.get("weights")
    }
    ministries = _mapping(_mapping(report.get("snapshot")).get("ministries"))
    codes = dict.fromkeys([*weights, *(code for w in per_channel.values() for code in w)])
    out.blank()
    out.write("Mandate weights", bold=True)
    out.write(
        "Ministry", "Name", "Weight", *(f"Weight ({name})" for name in per_channel), bold=True
    )
    for code in codes:
        values = [weights.get(code), *(w.get(code) for w in per_channel.values())]
        numbers = [_decimal(value, field=f"weights.{code}") for value in values]
        name = _text(_mapping(ministries.get(code)).get("name"))
        out.write(code, name, *(None if n is None else float(n) for n in numbers))


def _write_explanation(sheet: Worksheet, view: _Report) -> None:
    """The sentences, problems and warnings, then the report's identity and hashes."""
    out = _SheetWriter(sheet)
    sections = (("Explanation", view.explanation), ("Problems", view.problems))
    for heading, sentences in (*sections, ("Warnings", view.warnings)):
        if heading == "Explanation" or sentences:
            out.write(heading, bold=True)
            for number, sentence in enumerate(sentences, start=1):
                out.write(number, sentence)
            out.blank()
    published = {True: "yes", False: "no", None: "not stated"}[view.published]
    out.write("Report", bold=True)
    for label, value in (
        ("Report id", view.id),
        ("Status", view.status),
        ("Published", published),
        ("Created at", view.created_at),
        ("Created by", view.created_by),
        ("Report hash", view.report_hash),
        ("Previous report hash", view.prev_hash or "none (first report in the chain)"),
    ):
        out.write(label, value)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 100
    for row in sheet.iter_rows(min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


def _moment(created_at: str) -> datetime:
    """The report's creation time as naive UTC, the workbook's fixed timestamp."""
    try:
        moment = datetime.fromisoformat(created_at)
    except ValueError:
        return _EARLIEST_ZIP_TIME
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return max(moment.replace(microsecond=0), _EARLIEST_ZIP_TIME)


def _workbook_bytes(workbook: Workbook, *, moment: datetime) -> bytes:
    """Save with every timestamp set to ``moment``, so one report always gives the same bytes.

    ``save_workbook`` stamps the current time into the properties and each zip entry; this
    writes through ``ExcelWriter`` and then re-packs the entries with a fixed time.
    """
    workbook.properties.creator = "costshare"
    workbook.properties.created = moment
    workbook.properties.modified = moment
    written = io.BytesIO()
    ExcelWriter(workbook, ZipFile(written, "w", ZIP_DEFLATED)).save()
    repacked = io.BytesIO()
    with ZipFile(written) as source, ZipFile(repacked, "w", ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = ZipInfo(entry.filename, date_time=moment.timetuple()[:6])
            fixed.compress_type = ZIP_DEFLATED
            target.writestr(fixed, source.read(entry.filename))
    return repacked.getvalue()


def report_xlsx(report: Mapping[str, Any]) -> bytes:
    """The report as an Excel workbook with sheets Results, Inputs and Explanation.

    Money cells are numbers in euros with a euro number format; totals are the report's own
    figures (from cents), not formulas, so they equal ``total`` to the cent in any reader.
    Shares are fractions with a percentage format. The bytes depend only on the report: all
    timestamps are its ``created_at``. An infeasible report has no ministry rows and no totals
    row; its problems follow the header of Results.
    """
    view = _read_report(report)
    workbook = Workbook()
    _write_results(workbook.worksheets[0], view)
    _write_inputs(workbook.create_sheet("Inputs"), view, report)
    _write_explanation(workbook.create_sheet("Explanation"), view)
    return _workbook_bytes(workbook, moment=_moment(view.created_at))


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

_BASE_COLOUR = "#1f4e79"
_VARIABLE_COLOUR = "#e39b2d"

_CSS = """
:root { --ink: #1b1f24; --muted: #5b6470; --rule: #d7dce2; --alert: #a4262c; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: var(--ink); max-width: 68rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 2rem 0 .6rem; padding-bottom: .25rem;
  border-bottom: 1px solid var(--rule); }
.lede { color: var(--muted); margin: 0 0 1.5rem; }
.headline { font-size: 1.5rem; font-weight: 600; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1.5rem; margin: 0; }
dl.summary dt { color: var(--muted); }
dl.summary dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: .35rem .6rem; border-bottom: 1px solid var(--rule); text-align: left;
  vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); font-weight: 600; }
tfoot th, tfoot td { border-top: 2px solid var(--ink); border-bottom: none; font-weight: 600; }
table.pools { width: auto; min-width: 24rem; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); font-size: .85rem; }
code { font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; word-break: break-all; }
.alert { border-left: 4px solid var(--alert); background: #fbeeee; padding: .75rem 1rem;
  margin: 1rem 0; }
.alert h2 { border: none; margin: 0 0 .3rem; padding: 0; color: var(--alert); }
.alert.warning { border-color: #b7791f; background: #fdf6e7; }
.alert.warning h2 { color: #7a4f0e; }
.alert ul { margin: 0; padding-left: 1.2rem; }
figure { margin: 0; }
figcaption { color: var(--muted); font-size: .85rem; margin-top: .4rem; }
svg { max-width: 100%; height: auto; }
svg text { font: 12px system-ui, Arial, sans-serif; fill: #1b1f24; }
ol.explanation li { margin-bottom: .4rem; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .8rem; }
@page { size: A4 landscape; margin: 14mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  table, figure, .alert, dl.summary { break-inside: avoid; }
  .alert, svg, .swatch { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


def _esc(value: object) -> str:
    return html.escape(_text(value), quote=True)


def _alerts(view: _Report) -> str:
    """Problems first and prominently (in red), then warnings (in amber)."""
    parts = []
    if view.problems:
        heading = "Problems" if view.lines else "No allocation: the report is infeasible"
        parts.append(_alert(heading, view.problems, kind="problems"))
    if view.warnings:
        parts.append(_alert("Warnings", view.warnings, kind="warning"))
    return "\n".join(parts)


def _alert(heading: str, items: tuple[str, ...], *, kind: str) -> str:
    entries = "".join(f"<li>{_esc(item)}</li>" for item in items)
    return f'<section class="alert {kind}"><h2>{_esc(heading)}</h2><ul>{entries}</ul></section>'


def _summary(view: _Report) -> str:
    """Headline total, status and provenance, hashes in monospace."""
    published = {True: "published", False: "not published (draft)", None: ""}[view.published]
    items = [
        ("Total", f'<span class="headline num">{_esc(_euro_nl(view.total))}</span>'),
        ("Status", _esc(view.status)),
        ("Rule", _esc(view.rule)),
        ("Year", _esc(view.year)),
        ("Publication", _esc(published)),
        ("Weight set", _esc(view.weight_set)),
        ("Created", _esc(" by ".join(p for p in (view.created_at, view.created_by) if p))),
        ("Engine", _esc(", ".join(p for p in (view.engine, view.solver) if p))),
        ("Input hash", f"<code>{_esc(view.input_hash)}</code>"),
        ("Report hash", f"<code>{_esc(view.report_hash)}</code>"),
        ("Previous report", f"<code>{_esc(view.prev_hash)}</code>" if view.prev_hash else "none"),
    ]
    rows = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in items if value)
    return f'<section><h2>Summary</h2><dl class="summary">{rows}</dl></section>'


def _pools_table(view: _Report) -> str:
    body = "".join(
        f'<tr><th scope="row">{_esc(name)}</th><td class="num">{_esc(_euro_nl(cents))}</td></tr>'
        for name, cents in zip(view.pool_names, view.pool_amounts, strict=True)
    )
    total = _esc(_euro_nl(sum(view.pool_amounts)))
    return (
        '<section><h2>Cost pools</h2><table class="pools"><thead><tr><th scope="col">Pool</th>'
        f'<th scope="col" class="num">Amount</th></tr></thead><tbody>{body}</tbody>'
        f'<tfoot><tr><th scope="row">Total</th><td class="num">{total}</td></tr></tfoot>'
        "</table></section>"
    )


def _money_td(cents: int | None) -> str:
    return f'<td class="num">{"" if cents is None else _esc(_euro_nl(cents))}</td>'


def _result_row(line: _Line) -> str:
    return (
        f'<tr><th scope="row">{_esc(line.ministry)}</th><td>{_esc(line.name)}</td>'
        f"<td>{_esc(line.chapter)}</td>"
        + "".join(_money_td(cents) for cents in (*line.pools, line.total, line.target))
        + _money_td(line.deviation)
        + f'<td class="num">{_esc(_percent_nl(line.share))}</td>'
        f'<td class="muted">{_esc(", ".join(line.binding))}</td></tr>'
    )


def _results_table(view: _Report) -> str:
    """The figures per ministry; the totals row repeats the pools and the report total."""
    if not view.lines:
        return (
            "<section><h2>Results</h2><p>No ministry amounts: nothing was allocated.</p></section>"
        )
    money = (*view.pool_names, "Total", "Target", "Deviation", "Share")
    head = "".join(f'<th scope="col" class="num">{_esc(label)}</th>' for label in money)
    totals = "".join(_money_td(cents) for cents in (*view.pool_amounts, view.total))
    return (
        '<section><h2>Results</h2><table class="results"><thead><tr>'
        '<th scope="col">Ministry</th><th scope="col">Name</th><th scope="col">Chapter</th>'
        f'{head}<th scope="col">Binding</th></tr></thead>'
        f"<tbody>{''.join(_result_row(line) for line in view.lines)}</tbody>"
        f'<tfoot><tr><th scope="row" colspan="3">Total</th>{totals}'
        '<td colspan="4"></td></tr></tfoot></table></section>'
    )


_LABEL_WIDTH = 70
_BAR_WIDTH = 460
_ROW_HEIGHT = 28
_BAR_HEIGHT = 18
_CHART_TOP = 34
_CHART_WIDTH = 680


def _scaled(cents: int, *, largest: int) -> Decimal:
    """Bar length in SVG units for an amount, the largest total filling the bar width."""
    if largest <= 0 or cents <= 0:
        return Decimal(0)
    return (Decimal(_BAR_WIDTH * cents) / largest).quantize(Decimal("0.1"))


def _bar(view: _Report, line: _Line, *, index: int, largest: int) -> str:
    """One ministry: a base segment and a variable segment, labelled and titled."""
    base, variable = view.base_and_variable(line)
    y = _CHART_TOP + index * _ROW_HEIGHT
    full = _scaled(line.total, largest=largest)
    base_width = min(_scaled(base, largest=largest), full)
    title = (
        f"{line.ministry}{f' ({line.name})' if line.name else ''}: base {_euro_nl(base)}, "
        f"variable {_euro_nl(variable)}, total {_euro_nl(line.total)}"
    )
    text_y = y + _BAR_HEIGHT - 5
    return (
        f'<g class="bar" data-ministry="{_esc(line.ministry)}"><title>{_esc(title)}</title>'
        f'<text x="{_LABEL_WIDTH - 8}" y="{text_y}" text-anchor="end">{_esc(line.ministry)}</text>'
        f'<rect class="base" x="{_LABEL_WIDTH}" y="{y}" width="{base_width}" '
        f'height="{_BAR_HEIGHT}" fill="{_BASE_COLOUR}"/>'
        f'<rect class="variable" x="{_LABEL_WIDTH + base_width}" y="{y}" '
        f'width="{full - base_width}" height="{_BAR_HEIGHT}" fill="{_VARIABLE_COLOUR}"/>'
        f'<text x="{_LABEL_WIDTH + full + 8}" y="{text_y}">{_esc(_euro_nl(line.total))}</text>'
        "</g>"
    )


def _legend() -> str:
    entries = ((0, _BASE_COLOUR, "Base"), (110, _VARIABLE_COLOUR, "Variable (all channels)"))
    return (
        '<g class="legend" aria-hidden="true">'
        + "".join(
            f'<rect class="swatch" x="{_LABEL_WIDTH + x}" y="4" width="14" height="14" '
            f'fill="{colour}"/>'
            f'<text x="{_LABEL_WIDTH + x + 20}" y="16">{label}</text>'
            for x, colour, label in entries
        )
        + "</g>"
    )


def _chart(view: _Report) -> str:
    """A horizontal stacked bar per ministry (base vs variable), scaled to the largest total."""
    if not view.lines:
        return ""
    largest = max(line.total for line in view.lines)
    height = _CHART_TOP + len(view.lines) * _ROW_HEIGHT
    bars = "".join(
        _bar(view, line, index=index, largest=largest) for index, line in enumerate(view.lines)
    )
    description = "; ".join(f"{line.ministry} {_euro_nl(line.total)}" for line in view.lines)
    return (
        "<section><h2>Base and variable component per ministry</h2><figure>"
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_CHART_WIDTH} {height}" '
        f'width="{_CHART_WIDTH}" height="{height}" role="img" '
        'aria-labelledby="chart-title chart-desc">'
        '<title id="chart-title">Amount per ministry, split into base and variable '
        "component</title>"
        f'<desc id="chart-desc">{_esc(description)}</desc>{_legend()}{bars}</svg>'
        "<figcaption>Bars are scaled to the largest ministry total "
        f"({_esc(_euro_nl(largest))}). The results table lists the same figures.</figcaption>"
        "</figure></section>"
    )


def _explanation(view: _Report) -> str:
    if not view.explanation:
        return "<section><h2>Explanation</h2><p>No explanation was recorded.</p></section>"
    items = "".join(f"<li>{_esc(sentence)}</li>" for sentence in view.explanation)
    return f'<section><h2>Explanation</h2><ol class="explanation">{items}</ol></section>'


def report_html(report: Mapping[str, Any]) -> str:
    """The report as a printable standalone HTML page: no scripts, no external resources.

    Summary, problems and warnings (highlighted), cost pools, the results table, a stacked bar
    chart (inline SVG) and the explanation. Amounts are in Dutch notation (``€ 5.000.000,00``)
    and right-aligned with tabular figures. Every string from the report is escaped. An
    infeasible report shows its problems at the top, the pools, and no results or chart.
    """
    view = _read_report(report)
    title = f"Allocation report {view.id} — {view.year} ({view.rule})"
    body = "\n".join(
        (
            f"<header><h1>{_esc(title)}</h1>"
            '<p class="lede">Offlimits cost share across ministries. Amounts in euros.</p>'
            "</header>",
            _alerts(view),
            _summary(view),
            _pools_table(view),
            _results_table(view),
            _chart(view),
            _explanation(view),
            f"<footer>Allocation report {_esc(view.id)}, report hash "
            f"<code>{_esc(view.report_hash)}</code>.</footer>",
        )
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
