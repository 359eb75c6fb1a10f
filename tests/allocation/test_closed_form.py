"""The constrained rule against its closed form, clip(λ·t_i, lo_i, hi_i), in exact fractions."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation import allocate, parse_scenario
from allocation.closed_form import clipped_totals, has_closed_form, has_one_profile
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


@st.composite
def one_profile_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Shared pools whose weights are a multiple of the base weights: one weight profile."""
    document = draw(bounded_documents(max_channels=3, full_support=True, min_amount=100_000))
    for channel in document["variable"]:
        factor = draw(st.integers(1, 5))
        channel["weights"] = {m: w * factor for m, w in document["weights"].items() if w}
    return document


class TestClosedFormPath:
    def test_one_profile_needs_proportional_weights(self) -> None:
        document = base_only_document(weights={"A": 1, "B": 3})
        document["variable"] = [
            {
                "channel": "c",
                "rate_per_contact": "1.00",
                "contacts": 10,
                "weights": {"A": 2, "B": 6},
            }
        ]
        assert has_one_profile(problem_of(document))
        document["variable"][0]["weights"] = {"A": 2, "B": 5}
        assert has_closed_form(problem_of(document))
        assert not has_one_profile(problem_of(document))

    def test_a_missing_carrier_means_no_closed_form(self) -> None:
        document = base_only_document(weights={"A": 1, "B": 3})
        document["variable"] = [
            {"channel": "c", "rate_per_contact": "1.00", "contacts": 10, "weights": {"A": 1}}
        ]
        assert not has_closed_form(problem_of(document))

    @settings(max_examples=120)
    @given(one_profile_documents())
    def test_one_profile_gives_what_the_lp_rounds_give(self, document: dict[str, Any]) -> None:
        problem = problem_of(document)
        assert has_one_profile(problem)
        fast = constrained(problem, solver="highs")
        rounds = constrained(problem, solver="highs", closed_form_first=False)
        assert fast.cells == rounds.cells
        assert fast.totals == rounds.totals
        assert fast.marginals == rounds.marginals

    @settings(max_examples=80)
    @given(bounded_documents(max_channels=3, full_support=True, min_amount=100_000))
    def test_shared_pools_give_what_the_lp_rounds_give(self, document: dict[str, Any]) -> None:
        problem = problem_of(document)
        fast = constrained(problem, solver="highs")
        rounds = constrained(problem, solver="highs", closed_form_first=False)
        assert fast.cells == rounds.cells
        assert fast.marginals == rounds.marginals

    def test_the_report_of_a_closed_form_explains_like_any_other(self) -> None:
        document = base_only_document(weights={"A": 1, "B": 1, "C": 2}, base="100.00")
        document["constraints"] = {"ceilings": {"C": "40.00"}}
        report = allocate(parse_scenario(document))
        assert report.status == "optimal"
        assert [m.constraint for m in report.marginals] == ["ceiling__C"]
        assert any("ceiling__C" in sentence for sentence in report.explanation)
