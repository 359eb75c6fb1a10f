"""Rounding exact allocations to cents: margins exact, every figure within a cent."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from allocation import parse_scenario
from allocation.model import Cell, build_problem
from allocation.rounding import largest_remainder, round_allocation
from allocation.rules import equal, proportional
from tests.allocation.conftest import SIX, base_only_document, pooled_documents


class TestLargestRemainder:
    def test_gives_the_spare_units_to_the_largest_remainders(self) -> None:
        values = {"a": Fraction(13, 10), "b": Fraction(17, 10), "c": Fraction(3)}
        assert largest_remainder(values, 6, order=lambda k: (k,)) == {"a": 1, "b": 2, "c": 3}

    def test_breaks_ties_by_the_given_order_not_input_order(self) -> None:
        values = {"z": Fraction(1, 2), "a": Fraction(1, 2)}
        assert largest_remainder(values, 1, order=lambda k: (k,)) == {"z": 0, "a": 1}


class TestWorkedExample:
    def test_six_equal_weights_split_five_million_into_33_and_34_cents(self) -> None:
        problem = build_problem(parse_scenario(base_only_document()))
        totals = round_allocation(problem, proportional(problem).cells).totals
        assert totals == {
            "BZ": 83_333_334,
            "BZK": 83_333_334,
            "EZ": 83_333_333,
            "JenV": 83_333_333,
            "OCW": 83_333_333,
            "VWS": 83_333_333,
        }
        assert sum(totals.values()) == 500_000_000

    def test_the_tie_break_does_not_depend_on_input_order(self) -> None:
        reordered = base_only_document(weights=dict.fromkeys(reversed(SIX), 1))
        problem = build_problem(parse_scenario(reordered))
        totals = round_allocation(problem, proportional(problem).cells).totals
        assert [code for code, cents in totals.items() if cents == 83_333_334] == ["BZ", "BZK"]


class TestControlledRounding:
    def test_rounds_totals_so_that_the_cells_can_follow(self) -> None:
        """A and B share a one-cent pool: largest remainder alone would round both up."""
        channel = {"rate_per_contact": "0.01", "contacts": 1}
        document = {
            "year": 2027,
            "base": "0.00",
            "weights": {"A": 1, "B": 1, "C": 1, "D": 1},
            "variable": [
                {**channel, "channel": "p", "weights": {"A": 1, "B": 1}},
                {**channel, "channel": "q", "weights": {"C": 1, "D": 1}},
            ],
        }
        problem = build_problem(parse_scenario(document))
        rounded = round_allocation(problem, proportional(problem).cells)
        assert rounded.totals == {"A": 1, "B": 0, "C": 1, "D": 0}

    @given(pooled_documents(max_ministries=8, max_channels=4), st.sampled_from(["prop", "equal"]))
    def test_margins_are_exact_and_every_figure_moves_less_than_a_cent(
        self, document: dict[str, Any], rule: str
    ) -> None:
        problem = build_problem(parse_scenario(document))
        exact = (proportional if rule == "prop" else equal)(problem).cells
        rounded = round_allocation(problem, exact)
        for pool in problem.pools:
            assert sum(rounded.cells[Cell(m, pool.name)] for m in problem.ministries) == pool.amount
        assert sum(rounded.totals.values()) == problem.total
        for cell, value in exact.items():
            assert math.floor(value) <= rounded.cells[cell] <= math.ceil(value)
        for ministry in problem.ministries:
            total = sum(v for c, v in exact.items() if c.ministry == ministry)
            assert math.floor(total) <= rounded.totals[ministry] <= math.ceil(total)

    @given(pooled_documents(max_ministries=6, max_channels=3))
    def test_is_the_same_whatever_the_input_order(self, document: dict[str, Any]) -> None:
        reordered = dict(document)
        reordered["weights"] = dict(reversed(list(document["weights"].items())))
        reordered["variable"] = list(reversed(document["variable"]))
        results = []
        for version in (document, reordered):
            problem = build_problem(parse_scenario(version))
            results.append(round_allocation(problem, proportional(problem).cells).cells)
        assert results[0] == results[1]
