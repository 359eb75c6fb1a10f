"""Recorded figures stay identical: every cent and report hash of the golden sample.

``tests/allocation/golden.py`` records, once, what the engine answers for several hundred
scenarios; any change to the engine that moves one cent or one word of a report fails here.
A scenario the engine refused when recorded may be answered later (a defect fixed); the
answer must then honour every pool and bound.
"""

from __future__ import annotations

from typing import Any

import pytest

from allocation import allocate, parse_scenario
from allocation.exact import check_cells_leximin
from allocation.model import build_problem
from allocation.rules import constrained
from tests.allocation.golden import figures, load

CASES = load()


def honours_pools_and_bounds(document: dict[str, Any], rule: str) -> None:
    scenario = parse_scenario(document)
    problem = build_problem(scenario)
    report = allocate(scenario, rule=rule)
    assert report.status == "optimal"
    for pool in problem.pools:
        assert sum(dict(line.pools)[pool.name] for line in report.lines) == pool.amount
    for line in report.lines:
        upper = problem.upper(line.ministry)
        assert problem.lower(line.ministry) <= line.total
        assert upper is None or line.total <= upper
    if rule == "constrained":
        check_cells_leximin(problem, constrained(problem, solver="highs").cells)


class TestGoldenFigures:
    def test_the_sample_is_large_and_varied(self) -> None:
        statuses = [
            result.get("status", result.get("refused"))
            for case in CASES
            for result in case["figures"].values()
        ]
        assert len(CASES) >= 300
        assert statuses.count("infeasible") >= 20
        assert sum(1 for case in CASES if case["document"].get("variable")) >= 200

    @pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
    def test_cents_and_report_hashes_are_unchanged(self, case: dict[str, Any]) -> None:
        now = figures(case["document"], rules=tuple(case["rules"]))
        for key, recorded in case["figures"].items():
            if "refused" in recorded and "refused" not in now[key]:
                honours_pools_and_bounds(case["document"], key.removesuffix("_years"))
                continue
            assert now[key] == recorded, key
