"""The printable HTML page of a report: standalone, no scripts, no external resources."""

from __future__ import annotations

import html
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.exports.document import (
    ExportedReport,
    ExportLine,
    euro_nl,
    percent_nl,
    read_report,
    text_of,
)

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
    return html.escape(text_of(value), quote=True)


def _alerts(view: ExportedReport) -> str:
    """Problems first and prominently (in red), then warnings (in amber)."""
    parts = []
    if view.weights_note:
        parts.append(_alert("Weights not adopted", (view.weights_note,), kind="warning"))
    if view.problems:
        heading = "Problems" if view.lines else "No allocation: the report is infeasible"
        parts.append(_alert(heading, view.problems, kind="problems"))
    if view.warnings:
        parts.append(_alert("Warnings", view.warnings, kind="warning"))
    return "\n".join(parts)


def _alert(heading: str, items: tuple[str, ...], *, kind: str) -> str:
    entries = "".join(f"<li>{_esc(item)}</li>" for item in items)
    return f'<section class="alert {kind}"><h2>{_esc(heading)}</h2><ul>{entries}</ul></section>'


def _summary(view: ExportedReport) -> str:
    """Headline total, status and provenance, hashes in monospace."""
    items = [
        ("Total", f'<span class="headline num">{_esc(euro_nl(view.total))}</span>'),
        ("Status", _esc(view.status)),
        ("Rule", _esc(view.rule)),
        ("Year", _esc(view.year)),
        ("Publication", _esc(view.publication_text)),
        ("Weights", _esc(view.weights_note or "an adopted weight set")),
        ("Weight set", _esc(view.weight_set)),
        ("Created", _esc(" by ".join(p for p in (view.created_at, view.created_by) if p))),
        ("Engine", _esc(", ".join(p for p in (view.engine, view.solver) if p))),
        ("Input hash", f"<code>{_esc(view.input_hash)}</code>"),
        ("Report hash", f"<code>{_esc(view.report_hash)}</code>"),
        ("Previous report", f"<code>{_esc(view.prev_hash)}</code>" if view.prev_hash else "none"),
    ]
    rows = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in items if value)
    return f'<section><h2>Summary</h2><dl class="summary">{rows}</dl></section>'


def _pools_table(view: ExportedReport) -> str:
    body = "".join(
        f'<tr><th scope="row">{_esc(name)}</th><td class="num">{_esc(euro_nl(cents))}</td></tr>'
        for name, cents in zip(view.pool_names, view.pool_amounts, strict=True)
    )
    total = _esc(euro_nl(sum(view.pool_amounts)))
    return (
        '<section><h2>Cost pools</h2><table class="pools"><thead><tr><th scope="col">Pool</th>'
        f'<th scope="col" class="num">Amount</th></tr></thead><tbody>{body}</tbody>'
        f'<tfoot><tr><th scope="row">Total</th><td class="num">{total}</td></tr></tfoot>'
        "</table></section>"
    )


def _money_td(cents: int | None) -> str:
    return f'<td class="num">{"" if cents is None else _esc(euro_nl(cents))}</td>'


def _result_row(line: ExportLine) -> str:
    return (
        f'<tr><th scope="row">{_esc(line.ministry)}</th><td>{_esc(line.name)}</td>'
        f"<td>{_esc(line.chapter)}</td>"
        + "".join(_money_td(cents) for cents in (*line.pools, line.total, line.target))
        + _money_td(line.deviation)
        + f'<td class="num">{_esc(percent_nl(line.share))}</td>'
        f'<td class="muted">{_esc(", ".join(line.binding))}</td></tr>'
    )


def _results_table(view: ExportedReport) -> str:
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


def _bar(view: ExportedReport, line: ExportLine, *, index: int, largest: int) -> str:
    """One ministry: a base segment and a variable segment, labelled and titled."""
    base, variable = view.base_and_variable(line)
    y = _CHART_TOP + index * _ROW_HEIGHT
    full = _scaled(line.total, largest=largest)
    base_width = min(_scaled(base, largest=largest), full)
    title = (
        f"{line.ministry}{f' ({line.name})' if line.name else ''}: base {euro_nl(base)}, "
        f"variable {euro_nl(variable)}, total {euro_nl(line.total)}"
    )
    text_y = y + _BAR_HEIGHT - 5
    return (
        f'<g class="bar" data-ministry="{_esc(line.ministry)}"><title>{_esc(title)}</title>'
        f'<text x="{_LABEL_WIDTH - 8}" y="{text_y}" text-anchor="end">{_esc(line.ministry)}</text>'
        f'<rect class="base" x="{_LABEL_WIDTH}" y="{y}" width="{base_width}" '
        f'height="{_BAR_HEIGHT}" fill="{_BASE_COLOUR}"/>'
        f'<rect class="variable" x="{_LABEL_WIDTH + base_width}" y="{y}" '
        f'width="{full - base_width}" height="{_BAR_HEIGHT}" fill="{_VARIABLE_COLOUR}"/>'
        f'<text x="{_LABEL_WIDTH + full + 8}" y="{text_y}">{_esc(euro_nl(line.total))}</text>'
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


def _chart(view: ExportedReport) -> str:
    """A horizontal stacked bar per ministry (base vs variable), scaled to the largest total."""
    if not view.lines:
        return ""
    largest = max(line.total for line in view.lines)
    height = _CHART_TOP + len(view.lines) * _ROW_HEIGHT
    bars = "".join(
        _bar(view, line, index=index, largest=largest) for index, line in enumerate(view.lines)
    )
    description = "; ".join(f"{line.ministry} {euro_nl(line.total)}" for line in view.lines)
    return (
        "<section><h2>Base and variable component per ministry</h2><figure>"
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_CHART_WIDTH} {height}" '
        f'width="{_CHART_WIDTH}" height="{height}" role="img" '
        'aria-labelledby="chart-title chart-desc">'
        '<title id="chart-title">Amount per ministry, split into base and variable '
        "component</title>"
        f'<desc id="chart-desc">{_esc(description)}</desc>{_legend()}{bars}</svg>'
        "<figcaption>Bars are scaled to the largest ministry total "
        f"({_esc(euro_nl(largest))}). The results table lists the same figures.</figcaption>"
        "</figure></section>"
    )


def _explanation(view: ExportedReport) -> str:
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
    view = read_report(report)
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
