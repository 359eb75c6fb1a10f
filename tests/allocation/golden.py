"""Golden figures: the cents and report hashes of a fixed sample of scenarios.

The sample is drawn once from the property-test strategies of ``conftest`` (seeded, several
hundred scenarios: bounded and unbounded, extreme scales, infeasible ones, one pool and many),
plus the benchmark's scenarios and every file in ``examples/``. For each scenario it records the
cents of every cell, the ``input_hash`` and the hash of the canonical report without its
``engine`` and ``solver`` keys, or the error class when the engine refuses. The scenarios
themselves are stored next to their figures, so the check does not depend on how hypothesis
draws.

Regenerate only on purpose (a change of results is a change of the product):

    .venv/bin/python -m tests.allocation.golden
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from allocation import AllocationError, allocate, allocate_years, parse_scenario, sha256_of
from allocation.report import AllocationReport
from tests.allocation.conftest import (
    bounded_documents,
    infeasible_documents,
    pooled_documents,
    tiny_ceiling_document,
)

ROOT = Path(__file__).resolve().parents[2]
FIGURES = Path(__file__).resolve().parent / "golden" / "figures.json"
RULES = ("constrained", "proportional", "equal")

Document = dict[str, Any]

SAMPLES: tuple[tuple[str, int, st.SearchStrategy[Document]], ...] = (
    ("realistic", 120, bounded_documents(min_amount=100_000)),
    ("extreme", 100, bounded_documents()),
    ("negotiated", 40, bounded_documents(min_amount=100_000, moderate=True)),
    ("one_pool", 40, bounded_documents(max_ministries=8, max_channels=0)),
    (
        "full_support",
        40,
        bounded_documents(max_channels=3, full_support=True, min_amount=100_000),
    ),
    ("unbounded", 30, pooled_documents()),
    ("infeasible", 40, infeasible_documents(max_ministries=5)),
)

BENCH_SIZES = ((6, 4, 20), (12, 4, 5), (12, 20, 2), (50, 4, 2), (50, 20, 1), (200, 4, 1))


def draw_documents(strategy: st.SearchStrategy[Document], count: int) -> list[Document]:
    """Up to ``count`` distinct documents drawn by a derandomised hypothesis run."""
    found: dict[str, Document] = {}

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(document: Document) -> None:
        found.setdefault(json.dumps(document, sort_keys=True), document)

    collect()
    return list(found.values())


def bench_documents() -> list[tuple[str, Document]]:
    """The benchmark's seeded scenarios, a few of each size."""
    sys.path.insert(0, str(ROOT))
    from bench.engine import scenario

    return [
        (f"bench_{m}x{p}_{seed}", scenario(m, p, seed).to_document())
        for m, p, seeds in BENCH_SIZES
        for seed in range(1, seeds + 1)
    ]


def sample() -> list[dict[str, Any]]:
    """Every case of the golden sample: a name, a document and the rules to run."""
    cases: list[dict[str, Any]] = []
    for family, count, strategy in SAMPLES:
        for index, document in enumerate(draw_documents(strategy, count)):
            cases.append({"name": f"{family}_{index:03d}", "document": document})
    for name, document in bench_documents():
        cases.append({"name": name, "document": document})
    for seed in range(4):
        cases.append({"name": f"tiny_ceiling_{seed}", "document": tiny_ceiling_document(seed)})
    for path in sorted((ROOT / "examples").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        cases.append({"name": f"example_{path.stem}", "document": document, "rules": list(RULES)})
    return cases


def report_figures(report: AllocationReport) -> dict[str, Any]:
    """Status, cents per cell, input hash and the hash of the report without engine/solver."""
    canonical = report.to_dict()
    del canonical["engine"], canonical["solver"]
    return {
        "status": report.status,
        "cells": {line.ministry: dict(line.pools) for line in report.lines},
        "input_hash": report.input_hash,
        "report_hash": sha256_of(canonical),
    }


def refused(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The figures, or the class of the error the engine refused with."""
    try:
        return call()
    except AllocationError as error:
        return {"refused": type(error).__name__}


def figures(document: Document, *, rules: tuple[str, ...] = ("constrained",)) -> dict[str, Any]:
    """The golden figures of one document, per rule (and per year when it projects)."""
    scenario = parse_scenario(document)
    found: dict[str, Any] = {}
    for rule in rules:
        found[rule] = refused(lambda rule=rule: report_figures(allocate(scenario, rule=rule)))
        if scenario.projection is not None:
            found[f"{rule}_years"] = refused(lambda rule=rule: years_figures(scenario, rule=rule))
    return found


def years_figures(scenario: Any, *, rule: str) -> dict[str, Any]:
    """Figures of every projected year."""
    years = allocate_years(scenario, rule=rule)
    return {str(report.year): report_figures(report) for report in years.reports}


def load() -> list[dict[str, Any]]:
    """The recorded cases, one per line of the golden file."""
    cases: list[dict[str, Any]] = json.loads(FIGURES.read_text(encoding="utf-8"))
    return cases


def main() -> int:
    cases = sample()
    for case in cases:
        case.setdefault("rules", ["constrained"])
        case["figures"] = figures(case["document"], rules=tuple(case["rules"]))
    FIGURES.parent.mkdir(exist_ok=True)
    lines = ",\n".join(json.dumps(case, sort_keys=True, ensure_ascii=False) for case in cases)
    FIGURES.write_text(f"[\n{lines}\n]\n", encoding="utf-8")
    refusals = sum(
        1 for case in cases for result in case["figures"].values() if "refused" in result
    )
    print(f"{len(cases)} cases written to {FIGURES.relative_to(ROOT)}; {refusals} refused")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
