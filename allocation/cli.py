"""``costshare allocate FILE.json``: allocate a scenario file and print the report.

Exit codes: 0 optimal, 3 infeasible (the report is still printed), 2 invalid input (the
reason on stderr, naming the field), 1 when the engine itself fails. ``-`` reads stdin. A
scenario with a ``projection`` prints the multi-year report.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from allocation.engine import allocate
from allocation.errors import AllocationError, InvalidScenario
from allocation.money import CENTS_PER_EURO
from allocation.projection import MultiYearReport, allocate_years
from allocation.report import OPTIMAL, AllocationReport
from allocation.scenario import Rule, parse_scenario
from allocation.solve import SOLVERS

EXIT_OPTIMAL = 0
EXIT_FAILURE = 1
EXIT_INVALID = 2
EXIT_INFEASIBLE = 3


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit code instead of exiting.

    >>> main(["--help"]) == 0  # doctest: +ELLIPSIS
    usage: costshare allocate ...
    True
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_INVALID
    try:
        scenario = parse_scenario(_read_document(args.file))
        if scenario.projection is not None:
            if args.time_limit is not None:
                print("--time-limit applies to one year, not to a projection", file=sys.stderr)
                return EXIT_INVALID
            years = allocate_years(scenario, rule=args.rule, solver=args.solver)
            _print(years.to_dict() if args.format == "json" else _years_table(years))
            return EXIT_OPTIMAL if years.status == OPTIMAL else EXIT_INFEASIBLE
        report = allocate(scenario, rule=args.rule, solver=args.solver, time_limit=args.time_limit)
    except InvalidScenario as error:
        print(f"invalid scenario: {error}", file=sys.stderr)
        return EXIT_INVALID
    except AllocationError as error:
        print(f"allocation failed: {error}", file=sys.stderr)
        return EXIT_FAILURE
    _print(report.to_dict() if args.format == "json" else report_table(report))
    return EXIT_OPTIMAL if report.status == OPTIMAL else EXIT_INFEASIBLE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="costshare allocate",
        description="Split a year's Offlimits cost over ministries and print the report.",
    )
    parser.add_argument("file", help="scenario JSON file, or - to read stdin")
    parser.add_argument("--format", choices=("json", "table"), default="json")
    parser.add_argument("--solver", choices=SOLVERS, default="highs")
    parser.add_argument(
        "--rule",
        choices=[rule.value for rule in Rule],
        default=None,
        help="override the scenario's rule",
    )
    parser.add_argument(
        "--time-limit",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="give up (exit 1, the problem's size on stderr) if the split needs longer",
    )
    return parser


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def _read_document(name: str) -> dict[str, object]:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidScenario("document", f"cannot read {name}: {error}") from error
    try:
        document = json.loads(text, object_pairs_hook=_refuse_duplicates)
    except json.JSONDecodeError as error:
        raise InvalidScenario("document", f"not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise InvalidScenario("document", "must be a JSON object")
    return document


def _refuse_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    document: dict[str, object] = {}
    for key, value in pairs:
        if key in document:
            raise InvalidScenario("document", f"duplicate key {key!r}")
        document[key] = value
    return document


def _print(output: object) -> None:
    if isinstance(output, str):
        print(output)
    else:
        print(json.dumps(output, indent=2, ensure_ascii=False))


# --- tables --------------------------------------------------------------------------------


def _euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), CENTS_PER_EURO)
    return f"{sign}{euros:,}.{rest:02d}"


def _render(rows: Sequence[Sequence[str]], *, left: int = 1) -> list[str]:
    """Fixed-width columns: the first ``left`` columns left-aligned, the rest right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def report_table(report: AllocationReport) -> str:
    """A readable fixed-width table in euros with a totals row, then the explanation."""
    title = f"Allocation {report.year} (€): rule {report.rule.value}, status {report.status}"
    out = [title, ""]
    if report.lines:
        out += _render(_line_rows(report)) + [""]
    for heading, sentences in (
        ("Problems", report.problems),
        ("Warnings", report.warnings),
        ("Explanation", report.explanation),
    ):
        if sentences:
            out.append(f"{heading}:")
            out += [f"  - {sentence}" for sentence in sentences]
    return "\n".join(out)


def _line_rows(report: AllocationReport) -> list[list[str]]:
    pools = [name for name, _ in report.pools]
    header = ["ministry", *pools, "total", "target", "deviation", "share", "binding"]
    rows = [header]
    for line in report.lines:
        data = line.to_dict(report.total)
        rows.append(
            [
                line.ministry,
                *[_euros(cents) for _, cents in line.pools],
                _euros(line.total),
                _euros(line.target),
                _euros(line.deviation),
                str(data["share"]),
                ", ".join(line.binding or line.broken),
            ]
        )
    totals = [_euros(cents) for _, cents in report.pools]
    target_sum = sum(line.target for line in report.lines)
    rows.append(["total", *totals, _euros(report.total), _euros(target_sum), "0.00", "", ""])
    return rows


def _years_table(years: MultiYearReport) -> str:
    codes = [line.ministry for line in years.reports[0].lines] or sorted(
        {line.ministry for report in years.reports for line in report.lines}
    )
    header = ["ministry", *[str(report.year) for report in years.reports]]
    rows = [header]
    for code in codes:
        row = [code]
        for report in years.reports:
            found = [line.total for line in report.lines if line.ministry == code]
            row.append(_euros(found[0]) if found else "infeasible")
        rows.append(row)
    rows.append(["total", *[_euros(report.total) for report in years.reports]])
    out = [f"Allocation by year (€): rule {years.reports[0].rule.value}", ""]
    out += _render(rows)
    for report in years.reports:
        if report.problems:
            out += ["", f"{report.year} is infeasible:"]
            out += [f"  - {problem}" for problem in report.problems]
    return "\n".join(out)
