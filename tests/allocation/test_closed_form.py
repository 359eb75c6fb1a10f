"""The constrained rule against its closed form, clip(λ·t_i, lo_i, hi_i), in exact fractions."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings

from allocation import parse_scenario
from allocation.closed_form import clipped_totals, has_closed_form
from allocation.model import build_problem
from allocation.rules import constrained
from tests.allocation.conftest import base_only_document, bounded_documents


def problem_of(document: dict[str, Any]):  # type: ignore[no-untyped-def]
    return build_problem(parse_scenario(document))


class TestClippedTotals:
    def test_a_ceiling_sends_the_rest_to_the_others_in_proportion(self) -> None:
        document = base_only_document(weights={"A": 1, "B": 1, "C": 2}, base="100.00")
        document["constraints"] = {"ceilings": {"C": "40.00"}}
        assert clipped_totals(problem_of(document)) == {
            "A": Fraction(3000),
            "B": Fraction(3000),
            "C": Fraction(4000),
        }

    def test_a_floor_takes_from_everyone_else_alike(self) -> None:
        document = base_only_document(weights={"A": 1, "B": 1, "C": 2}, base="100.00")
        document["constraints"] = {"floors": {"A": "50.00"}}
        totals = clipped_totals(problem_of(document))
        assert totals["A"] == 5000
        assert totals["B"] * 2 == totals["C"]

    def test_without_bounds_everyone_pays_the_target(self) -> None:
        problem = problem_of(base_only_document(weights={"A": 1, "B": 3}))
        assert clipped_totals(problem) == dict(problem.targets)

    def test_applies_when_every_ministry_shares_every_pool(self) -> None:
        document = base_only_document()
        assert has_closed_form(problem_of(document))


class TestConstrainedMatchesClosedForm:
    def test_the_worked_example_matches(self) -> None:
        document = base_only_document(weights={"A": 1, "B": 1, "C": 2}, base="100.00")
        document["constraints"] = {"ceilings": {"C": "40.00"}, "floors": {"A": "31.00"}}
        problem = problem_of(document)
        allocation = constrained(problem, solver="highs")
        assert {m: allocation.total(m) for m in problem.ministries} == clipped_totals(problem)

    @pytest.mark.slow
    @settings(max_examples=2000)
    @given(bounded_documents(max_ministries=8, max_channels=0))
    def test_one_pool_thousands_of_cases(self, document: dict[str, Any]) -> None:
        problem = problem_of(document)
        allocation = constrained(problem, solver="highs")
        assert {m: allocation.total(m) for m in problem.ministries} == clipped_totals(problem)

    @pytest.mark.slow
    @settings(max_examples=300)
    @given(
        bounded_documents(max_ministries=6, max_channels=3, full_support=True, min_amount=100_000)
    )
    def test_pools_everyone_shares_behave_like_one_pool(self, document: dict[str, Any]) -> None:
        problem = problem_of(document)
        assert has_closed_form(problem)
        allocation = constrained(problem, solver="highs")
        assert {m: allocation.total(m) for m in problem.ministries} == clipped_totals(problem)
