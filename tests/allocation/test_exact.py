"""Exact recovery and the certificates that stand between the LP and the cents."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from allocation import ExactnessError, parse_scenario
from allocation.exact import (
    LinearForm,
    check_allocation,
    check_cells_leximin,
    check_split,
    check_totals_optimal,
    peel_forced_cells,
    solve_levels,
)
from allocation.model import Cell, build_problem
from allocation.rules import constrained
from tests.allocation.conftest import offlimits_document

STEP = Fraction(100)


def offlimits():  # type: ignore[no-untyped-def]
    problem = build_problem(parse_scenario(offlimits_document()))
    return problem, dict(constrained(problem, solver="highs").cells)


class TestSolveLevels:
    def test_solves_a_determined_system_exactly(self) -> None:
        first = LinearForm(Fraction(0), {0: Fraction(1), 1: Fraction(1)})
        second = LinearForm(Fraction(0), {0: Fraction(1), 1: Fraction(-1)})
        assert solve_levels([(first, Fraction(1)), (second, Fraction(1, 3))]) == {
            0: Fraction(2, 3),
            1: Fraction(1, 3),
        }

    def test_refuses_an_undetermined_level(self) -> None:
        both = LinearForm(Fraction(0), {0: Fraction(1), 1: Fraction(1)})
        with pytest.raises(ExactnessError, match="not determined"):
            solve_levels([(both, Fraction(1))])

    def test_refuses_contradicting_equations(self) -> None:
        one = LinearForm(Fraction(0), {0: Fraction(1)})
        with pytest.raises(ExactnessError, match="contradict"):
            solve_levels([(one, Fraction(1)), (one, Fraction(2))])


class TestPeelForcedCells:
    def test_fixes_cells_alone_in_their_ministry(self) -> None:
        problem, cells = offlimits()
        totals = {
            m: sum(v for c, v in cells.items() if c.ministry == m) for m in problem.ministries
        }
        margins = peel_forced_cells(problem, totals)
        assert margins.fixed[Cell("OCW", "base")] == 30_000_000
        assert Cell("JenV", "hulplijn") in margins.cells


class TestCertificates:
    def test_the_engine_result_passes_every_certificate(self) -> None:
        problem, cells = offlimits()
        totals = {
            m: sum(v for c, v in cells.items() if c.ministry == m) for m in problem.ministries
        }
        check_allocation(problem, cells)
        check_totals_optimal(problem, totals, cells=cells)
        check_cells_leximin(problem, cells)

    def test_a_cycle_that_helps_a_larger_deviation_is_caught(self) -> None:
        problem, cells = offlimits()
        cells[Cell("JenV", "base")] += STEP
        cells[Cell("JenV", "hulplijn")] -= STEP
        cells[Cell("VWS", "base")] -= STEP
        cells[Cell("VWS", "hulplijn")] += STEP
        check_allocation(problem, cells)
        with pytest.raises(ExactnessError, match="cycle"):
            check_cells_leximin(problem, cells)

    def test_a_transfer_that_lowers_a_deviation_is_caught(self) -> None:
        problem, cells = offlimits()
        cells[Cell("BZ", "base")] -= STEP
        cells[Cell("EZ", "base")] += STEP
        totals = {
            m: sum(v for c, v in cells.items() if c.ministry == m) for m in problem.ministries
        }
        with pytest.raises(ExactnessError, match="moving money"):
            check_totals_optimal(problem, totals, cells=cells)

    def test_a_broken_bound_is_caught(self) -> None:
        problem, cells = offlimits()
        cells[Cell("OCW", "base")] += STEP
        cells[Cell("BZ", "base")] -= STEP
        with pytest.raises(ExactnessError, match="ceiling__OCW"):
            check_allocation(problem, cells)


class TestCheckSplit:
    def totals(self, problem: Any, cells: dict[Cell, Fraction]) -> dict[str, Fraction]:
        return {m: sum(v for c, v in cells.items() if c.ministry == m) for m in problem.ministries}

    def test_the_engine_split_passes(self) -> None:
        problem, cells = offlimits()
        check_split(problem, self.totals(problem, cells), cells=cells)

    def test_a_total_beyond_its_ceiling_is_caught(self) -> None:
        problem, cells = offlimits()
        cells[Cell("OCW", "base")] += STEP
        cells[Cell("BZ", "base")] -= STEP
        with pytest.raises(ExactnessError, match="ceiling__OCW"):
            check_split(problem, self.totals(problem, cells), cells=cells)

    def test_totals_that_do_not_add_up_are_caught(self) -> None:
        problem, cells = offlimits()
        totals = self.totals(problem, cells)
        totals["BZ"] += 1
        with pytest.raises(ExactnessError, match="add up"):
            check_split(problem, totals, cells=cells)

    def test_a_negative_cell_is_caught(self) -> None:
        problem, cells = offlimits()
        moved = cells[Cell("JenV", "hulplijn")] + 1
        cells[Cell("JenV", "hulplijn")] -= moved
        cells[Cell("JenV", "base")] += moved
        with pytest.raises(ExactnessError, match="negative"):
            check_split(problem, self.totals(problem, cells), cells=cells)

    def test_a_cell_without_weight_that_carries_money_is_caught(self) -> None:
        problem, cells = offlimits()
        cells[Cell("OCW", "hulplijn")] = STEP
        cells[Cell("OCW", "base")] -= STEP
        with pytest.raises(ExactnessError, match="zero__OCW__hulplijn"):
            check_split(problem, self.totals(problem, cells), cells=cells)
