"""The time budget: allocate() stops itself with the problem's size, or answers unchanged."""

from __future__ import annotations

import math
import re

import pytest

from allocation import AllocationError, BudgetExceeded, allocate, parse_scenario
from allocation.budget import Budget
from allocation.model import build_problem
from bench.engine import scenario
from tests.allocation.conftest import offlimits_document


class TestBudgetExceeded:
    def test_a_large_problem_with_a_tiny_budget_says_how_large_it_is(self) -> None:
        large = scenario(200, 20, seed=1)
        problem = build_problem(large)
        with pytest.raises(BudgetExceeded) as caught:
            allocate(large, time_limit=0.05)
        error = caught.value
        assert (error.ministries, error.pools, error.cells) == (
            200,
            20,
            len(problem.allowed),
        )
        assert error.budget == 0.05
        assert str(error) == (
            f"the problem (200 ministries × 20 pools, {len(problem.allowed):,} cells) "
            "needs more than the 0.05 s budget"
        )

    def test_is_an_allocation_error(self) -> None:
        assert issubclass(BudgetExceeded, AllocationError)

    def test_the_message_writes_seconds_as_people_do(self) -> None:
        error = BudgetExceeded(ministries=200, pools=21, cells=3312, budget=3)
        assert str(error) == (
            "the problem (200 ministries × 21 pools, 3,312 cells) needs more than the 3.0 s budget"
        )


class TestGenerousBudget:
    @pytest.mark.parametrize("solver", ["highs", "cbc"])
    def test_gives_the_same_report_as_no_budget(self, solver: str) -> None:
        example = parse_scenario(offlimits_document())
        bounded = allocate(example, solver=solver, time_limit=60.0).to_dict()
        assert bounded == allocate(example, solver=solver).to_dict()

    def test_gives_the_same_report_on_a_benchmark_scenario(self) -> None:
        case = scenario(12, 4, seed=3)
        assert allocate(case, time_limit=120).to_dict() == allocate(case).to_dict()


class TestBudgetValues:
    @pytest.mark.parametrize("value", [0, -1.0, math.nan, math.inf, True, "3"])
    def test_refuses_what_is_not_a_positive_number_of_seconds(self, value: object) -> None:
        with pytest.raises(ValueError, match=re.escape("time_limit must be")):
            allocate(parse_scenario(offlimits_document()), time_limit=value)  # type: ignore[arg-type]

    def test_without_a_limit_nothing_runs_out(self) -> None:
        budget = Budget.start(None)
        budget.check()
        assert budget.remaining() is None and budget.lp_limit() is None

    def test_a_passed_deadline_raises_at_the_next_check(self) -> None:
        budget = Budget.start(1e-9)
        while budget.remaining() > 0:  # type: ignore[operator]
            pass
        with pytest.raises(BudgetExceeded):
            budget.check()
        with pytest.raises(BudgetExceeded):
            budget.lp_limit()
