"""The XLSX export: Results, Inputs and Explanation sheets; byte-identical for one report.

A float appears only at the cell boundary, where Excel needs one.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from app.exports.document import (
    ExportedReport,
    cents_of,
    decimal_of,
    euros_float,
    mapping_of,
    read_report,
    text_of,
)

MONEY_FORMAT = '"€" #,##0.00'
RATE_FORMAT = '"€" #,##0.00##'
PERCENT_FORMAT = "0.00%"
_EARLIEST_ZIP_TIME = datetime(1980, 1, 1)


_CellValue = str | int | float | None


@dataclass(frozen=True, slots=True)
class _Cell:
    value: _CellValue
    number_format: str | None = None


def _money_cell(cents: int | None) -> _Cell:
    return _Cell(None if cents is None else euros_float(cents), MONEY_FORMAT)


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


def _write_results(sheet: Worksheet, view: ExportedReport) -> None:
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


def _write_problems(out: _SheetWriter, view: ExportedReport) -> None:
    if not view.problems:
        return
    out.blank()
    heading = "Problems" if view.lines else "No allocation: the report is infeasible, because"
    out.write(heading, bold=True)
    for problem in view.problems:
        out.write(problem)


def _write_inputs(sheet: Worksheet, view: ExportedReport, report: Mapping[str, Any]) -> None:
    """What went in: scenario figures, channels, constraints and weights, with provenance."""
    scenario = mapping_of(mapping_of(report.get("snapshot")).get("scenario"))
    out = _SheetWriter(sheet)
    out.write("Scenario", bold=True)
    base = scenario.get("base")
    out.write("Year", _count(scenario.get("year", report.get("year"))))
    out.write("Rule", text_of(scenario.get("rule", view.rule)))
    out.write("Base", _money_cell(None if base is None else cents_of(base, field="scenario.base")))
    out.write("Weight set", view.weight_set)
    out.write("Engine", view.engine)
    out.write("Solver", view.solver)
    out.write("Input hash", view.input_hash)
    channels = [mapping_of(item) for item in scenario.get("variable") or ()]
    _write_channels(out, channels, view=view)
    _write_constraints(out, mapping_of(scenario.get("constraints")))
    _write_weights(out, scenario=scenario, channels=channels, report=report)
    _fit_columns(sheet)


def _count(value: object) -> _CellValue:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None if value is None else text_of(value)


def _write_channels(
    out: _SheetWriter, channels: list[Mapping[str, Any]], *, view: ExportedReport
) -> None:
    out.blank()
    out.write("Variable component", bold=True)
    out.write(
        "Channel", "Rate per contact", "Contacts", "Reference contacts", "Pool amount", bold=True
    )
    pools = dict(zip(view.pool_names, view.pool_amounts, strict=True))
    for channel in channels:
        name = text_of(channel.get("channel"))
        rate = decimal_of(
            channel.get("rate_per_contact"), field=f"variable.{name}.rate_per_contact"
        )
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
    max_share = decimal_of(constraints.get("max_share"), field="constraints.max_share")
    out.write("Max share", _percent_cell(max_share) if max_share is not None else "none")
    kinds = ("floors", "ceilings", "fixed")
    bounds = {kind: mapping_of(constraints.get(kind)) for kind in kinds}
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
                _money_cell(None if value is None else cents_of(value, field=f"{kind}.{code}"))
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
    weights = mapping_of(scenario.get("weights"))
    per_channel = {
        text_of(c.get("channel")): mapping_of(c.get("weights"))
        for c in channels
        if c.get("weights")
    }
    ministries = mapping_of(mapping_of(report.get("snapshot")).get("ministries"))
    codes = dict.fromkeys([*weights, *(code for w in per_channel.values() for code in w)])
    out.blank()
    out.write("Mandate weights", bold=True)
    out.write(
        "Ministry", "Name", "Weight", *(f"Weight ({name})" for name in per_channel), bold=True
    )
    for code in codes:
        values = [weights.get(code), *(w.get(code) for w in per_channel.values())]
        numbers = [decimal_of(value, field=f"weights.{code}") for value in values]
        name = text_of(mapping_of(ministries.get(code)).get("name"))
        out.write(code, name, *(None if n is None else float(n) for n in numbers))


def _write_explanation(sheet: Worksheet, view: ExportedReport) -> None:
    """The sentences, problems and warnings, then the report's identity and hashes."""
    out = _SheetWriter(sheet)
    sections = (("Explanation", view.explanation), ("Problems", view.problems))
    for heading, sentences in (*sections, ("Warnings", view.warnings)):
        if heading == "Explanation" or sentences:
            out.write(heading, bold=True)
            for number, sentence in enumerate(sentences, start=1):
                out.write(number, sentence)
            out.blank()
    out.write("Report", bold=True)
    for label, value in (
        ("Report id", view.id),
        ("Status", view.status),
        ("Publication", view.publication_text or "not stated"),
        ("Weights", view.weights_note or "an adopted weight set"),
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
    view = read_report(report)
    workbook = Workbook()
    _write_results(workbook.worksheets[0], view)
    _write_inputs(workbook.create_sheet("Inputs"), view, report)
    _write_explanation(workbook.create_sheet("Explanation"), view)
    return _workbook_bytes(workbook, moment=_moment(view.created_at))
