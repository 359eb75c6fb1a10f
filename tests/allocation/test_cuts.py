"""The cells' leximin by exact cuts: the certificate holds, at any scale, on either solver."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation import allocate, parse_scenario
from allocation.cuts import _orient, _orient_in_units, leximin_cells, lowest_level
from allocation.errors import SolverError
from allocation.exact import check_allocation, check_cells_leximin, peel_forced_cells
from allocation.leximin import ATTEMPTS
from allocation.model import Cell, build_problem
from allocation.rules import constrained
from tests.allocation.conftest import bounded_documents, tiny_ceiling_document


class TestLowestLevel:
    def test_a_cut_that_fits_at_target_forces_nothing(self) -> None:
        assert lowest_level(Fraction(5), Fraction(5), Fraction(0)) == 0

    def test_rising_cells_take_what_the_cut_needs(self) -> None:
        # 6 to place through cells with targets 4: each rises by half.
        assert lowest_level(Fraction(6), Fraction(4), Fraction(0)) == Fraction(1, 2)

    def test_falling_cells_help_by_giving_up_their_share(self) -> None:
        # up 4, down 2: 4(1 + z) - 2(1 - z) = 5 at z = 1/2.
        assert lowest_level(Fraction(5), Fraction(4), Fraction(2)) == Fraction(1, 2)

    def test_beyond_a_full_fall_only_the_rising_cells_count(self) -> None:
        # up 1, down 3: at z = 1 the cut takes 2; 4 needs z = 3.
        assert lowest_level(Fraction(4), Fraction(1), Fraction(3)) == 3

    def test_a_cut_with_nothing_that_can_rise_cannot_take_more(self) -> None:
        assert lowest_level(Fraction(1), Fraction(0), Fraction(0)) is None

    @settings(max_examples=500)
    @given(
        st.fractions(min_value=-(10**9), max_value=10**9),
        st.integers(0, 10**6),
        st.integers(0, 10**6),
        st.integers(1, 10**4),
    )
    def test_in_whole_units_it_gives_the_same_fractions(
        self, needed: Fraction, up: int, down: int, unit: int
    ) -> None:
        try:
            expected = _orient(needed, Fraction(up, unit), Fraction(down, unit))
        except SolverError:
            with pytest.raises(SolverError):
                _orient_in_units(needed, up, down, unit)
            return
        assert _orient_in_units(needed, up, down, unit) == expected


class TestTinyBoundsAgainstHugeTotals:
    """200 ministries capped at 1.5% of €905 million, one of them at €1,000."""

    @pytest.mark.parametrize("seed", [2, 4])
    def test_a_feasible_split_is_found_and_certified(self, seed: int) -> None:
        problem = build_problem(parse_scenario(tiny_ceiling_document(seed)))
        allocation = constrained(problem, solver="highs")
        check_allocation(problem, allocation.cells)
        check_cells_leximin(problem, allocation.cells)
        capped = next(iter(problem.ceilings))
        assert allocation.total(capped) == problem.ceilings[capped]

    def test_the_report_is_optimal_to_the_cent(self) -> None:
        scenario = parse_scenario(tiny_ceiling_document(2))
        problem = build_problem(scenario)
        report = allocate(scenario)
        assert report.status == "optimal"
        assert sum(line.total for line in report.lines) == problem.total
        for pool in problem.pools:
            assert sum(dict(line.pools)[pool.name] for line in report.lines) == pool.amount


class TestCertificate:
    @settings(max_examples=150)
    @given(bounded_documents(min_amount=100_000))
    def test_every_split_passes_the_independent_cycle_check(self, document: dict[str, Any]) -> None:
        problem = build_problem(parse_scenario(document))
        allocation = constrained(problem, solver="highs")
        check_cells_leximin(problem, allocation.cells)
        assert all(isinstance(value, Fraction) for value in allocation.cells.values())

    def test_cells_alone_in_a_row_are_peeled_before_any_lp(self) -> None:
        doc = {"year": 2027, "base": 100, "weights": {"A": 1, "B": 3}}
        problem = build_problem(parse_scenario(doc))
        margins = peel_forced_cells(problem, {"A": Fraction(2500), "B": Fraction(7500)})
        assert margins.cells == ()
        assert margins.fixed == {Cell("A", "base"): 2500, Cell("B", "base"): 7500}

    def test_cbc_finds_the_same_exact_cells(self) -> None:
        document = tiny_ceiling_document(2, ministries=12, channels=2)
        document["constraints"]["max_share"] = "0.2"
        problem = build_problem(parse_scenario(document))
        highs = constrained(problem, solver="highs").cells
        assert constrained(problem, solver="cbc").cells == highs


class TestLargeParts:
    """Parts above FLOW_CELLS go through the elastic LP, with batches of lone ministries."""

    @pytest.mark.parametrize("seed", [1, 2])
    def test_the_split_passes_the_independent_check(self, seed: int) -> None:
        from bench.engine import scenario

        problem = build_problem(scenario(50, 20, seed))
        allocation = constrained(problem, solver="highs")
        check_allocation(problem, allocation.cells)
        check_cells_leximin(problem, allocation.cells)

    def test_without_the_lp_the_exact_flows_find_the_same_cells(self) -> None:
        from bench.engine import scenario

        problem = build_problem(scenario(12, 20, 3))
        allocation = constrained(problem, solver="highs")
        margins = peel_forced_cells(problem, dict(allocation.totals))
        exact = leximin_cells(problem, margins, solver=None, attempt=ATTEMPTS[0])
        assert all(allocation.cells[cell] == value for cell, value in exact.items())


class TestMaxFlow:
    def test_a_graph_without_sources_carries_nothing(self) -> None:
        from allocation.budget import UNLIMITED
        from allocation.flows import MaxFlow

        assert MaxFlow({0: {1: 5}}, noise=0, budget=UNLIMITED).run() == 0

    def test_short_paths_then_searches_reach_the_maximum(self) -> None:
        from allocation.budget import UNLIMITED
        from allocation.flows import SINK, SOURCE, MaxFlow

        # Pools 0 and 1 (3 each), ministries 2 and 3 (4 and 2); pool 0 reaches both, pool 1
        # only ministry 2. Pushing pool 0 to ministry 2 first leaves pool 1 stuck until the
        # search reroutes through ministry 3.
        arcs = {SOURCE: {0: 3, 1: 3}, 0: {2: 3, 3: 3}, 1: {2: 3}, 2: {SINK: 4}, 3: {SINK: 2}}
        assert MaxFlow(arcs, noise=0, budget=UNLIMITED).run() == 6
