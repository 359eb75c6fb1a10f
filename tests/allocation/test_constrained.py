"""The constrained rule end to end: exact, within every bound, leximin, solver-independent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings

from allocation import ExactnessError, allocate, parse_scenario
from allocation.diagnose import diagnose
from allocation.exact import check_cells_leximin
from allocation.model import Cell, build_problem
from allocation.report import AllocationReport
from allocation.rules import constrained
from tests.allocation.checks import improving_cycle, improving_transfer
from tests.allocation.conftest import bounded_documents, extreme_documents, offlimits_document

REALISTIC = {"min_amount": 100_000}
NEGOTIATED = {"min_amount": 100_000, "moderate": True}


def cents(text: str) -> int:
    return int(Decimal(text) * 100)


def pay(report: AllocationReport) -> dict[str, dict[str, str]]:
    return {line["ministry"]: line["pools"] for line in report.to_dict()["lines"]}  # type: ignore[index,misc]


class TestOfflimitsExample:
    def test_honours_every_bound_of_the_example(self) -> None:
        report = allocate(parse_scenario(offlimits_document()))
        lines = {line.ministry: line for line in report.lines}
        assert report.status == "optimal"
        assert lines["BZK"].total == 50_000_000
        assert lines["OCW"].total == 30_000_000
        assert lines["JenV"].total >= 100_000_000
        assert max(line.total for line in report.lines) <= 203_620_000
        assert lines["OCW"].binding == ("ceiling",)
        assert lines["BZK"].binding == ("fixed",)

    def test_ministries_off_their_bounds_share_one_relative_deviation(self) -> None:
        report = allocate(parse_scenario(offlimits_document()))
        levels = report.to_dict()["leximin"]["levels"]  # type: ignore[index,call-overload]
        assert levels == [
            {"deviation_pct": "40.0000", "ministries": ["OCW"]},
            {"deviation_pct": "20.2537", "ministries": ["BZ", "EZ", "JenV", "VWS"]},
        ]

    def test_nobody_carries_a_pool_they_have_no_weight_in(self) -> None:
        report = allocate(parse_scenario(offlimits_document()))
        assert {m: p["hulplijn"] for m, p in pay(report).items() if m in ("BZ", "EZ", "OCW")} == {
            "BZ": "0.00",
            "EZ": "0.00",
            "OCW": "0.00",
        }

    def test_cbc_gives_the_same_cents(self) -> None:
        scenario = parse_scenario(offlimits_document())
        assert pay(allocate(scenario, solver="cbc")) == pay(allocate(scenario))


class TestConstrainedProperties:
    @settings(max_examples=250)
    @given(bounded_documents(**REALISTIC))
    def test_pools_lines_and_bounds_hold_to_the_cent(self, document: dict[str, Any]) -> None:
        scenario = parse_scenario(document)
        problem = build_problem(scenario)
        report = allocate(scenario)
        assert report.status == "optimal", report.problems
        for pool in problem.pools:
            assert sum(dict(line.pools)[pool.name] for line in report.lines) == pool.amount
        assert sum(line.total for line in report.lines) == problem.total
        for line in report.lines:
            upper = problem.upper(line.ministry)
            assert problem.lower(line.ministry) <= line.total
            assert upper is None or line.total <= upper
            for pool, amount in line.pools:
                if problem.cell_targets[Cell(line.ministry, pool)] == 0:
                    assert amount == 0

    @settings(max_examples=120)
    @given(bounded_documents(max_ministries=4, max_channels=2, **REALISTIC))
    def test_no_small_move_improves_the_sorted_deviations(self, document: dict[str, Any]) -> None:
        problem = build_problem(parse_scenario(document))
        allocation = constrained(problem, solver="highs")
        assert improving_transfer(problem, allocation.cells) is None
        assert improving_cycle(problem, allocation.cells) is None

    @settings(max_examples=60)
    @given(bounded_documents(**NEGOTIATED))
    def test_highs_and_cbc_agree_to_the_cent(self, document: dict[str, Any]) -> None:
        scenario = parse_scenario(document)
        assert pay(allocate(scenario, solver="cbc")) == pay(allocate(scenario, solver="highs"))

    @settings(max_examples=150)
    @given(bounded_documents())
    def test_extreme_scales_give_a_verified_answer_or_refuse(
        self, document: dict[str, Any]
    ) -> None:
        """Pools of a cent next to pools of millions: the LP may not resolve the structure.

        Then the engine must refuse rather than guess; when it answers, the answer holds up.
        """
        problem = build_problem(parse_scenario(document))
        try:
            allocation = constrained(problem, solver="highs")
        except ExactnessError:
            return
        assert improving_transfer(problem, allocation.cells) is None
        assert improving_cycle(problem, allocation.cells) is None


class TestSolverChoice:
    def test_unknown_solver_is_refused(self) -> None:
        from allocation import UnknownSolver

        with pytest.raises(UnknownSolver):
            allocate(parse_scenario(offlimits_document()), solver="glpk")


class TestExtremeScales:
    """Tiny bounds against huge totals, many ministries at the cap, fixed cents, one giant."""

    @settings(max_examples=200)
    @given(extreme_documents())
    def test_every_feasible_extreme_is_answered_and_certified(
        self, document: dict[str, Any]
    ) -> None:
        scenario = parse_scenario(document)
        problem = build_problem(scenario)
        report = allocate(scenario)
        if report.status == "infeasible":
            assert diagnose(problem) == report.problems
            return
        assert sum(line.total for line in report.lines) == problem.total
        for pool in problem.pools:
            assert sum(dict(line.pools)[pool.name] for line in report.lines) == pool.amount
        for line in report.lines:
            upper = problem.upper(line.ministry)
            assert problem.lower(line.ministry) <= line.total
            assert upper is None or line.total <= upper
        allocation = constrained(problem, solver="highs")
        check_cells_leximin(problem, allocation.cells)
        assert improving_transfer(problem, allocation.cells) is None

    @settings(max_examples=40)
    @given(extreme_documents(max_ministries=6))
    def test_highs_and_cbc_agree_at_extreme_scales(self, document: dict[str, Any]) -> None:
        scenario = parse_scenario(document)
        assert pay(allocate(scenario, solver="cbc")) == pay(allocate(scenario, solver="highs"))
