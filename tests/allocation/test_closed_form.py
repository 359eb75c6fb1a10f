"""The constrained rule against its closed form, clip(λ·t_i, lo_i, hi_i), in exact fractions."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation import allocate, parse_scenario
from allocation.closed_form import (
    _clip,
    _ratio_by_bisection,
    _ratio_from_floats,
    can_carry,
    carried_totals,
    clipped_totals,
    has_closed_form,
    has_one_profile,
)
from allocation.diagnose import diagnose
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


class TestTotalsThePoolsCanCarry:
    """Carriers missing from some pool: the clipped totals, when the pools can carry them."""

    @staticmethod
    def partial_document() -> dict[str, Any]:
        document = base_only_document(weights={"A": 1, "B": 1}, base="100.00")
        document["variable"] = [
            {"channel": "c", "rate_per_contact": "1.00", "contacts": 100, "weights": {"A": 1}}
        ]
        return document

    def test_carried_clipped_totals_are_taken_without_lp_rounds(self) -> None:
        problem = problem_of(self.partial_document())
        assert not has_closed_form(problem)
        assert carried_totals(problem) == {"A": Fraction(15000), "B": Fraction(5000)}

    def test_totals_a_pool_cannot_carry_are_left_to_the_lp_rounds(self) -> None:
        # The base goes to A only, channel c to B and C; B is held to nothing. Clipped, A and
        # C would pay 133.33 and 66.67 (their targets 100 and 50, scaled), but C alone must
        # take all of c: the rounds find 100 and 100.
        document = base_only_document(weights={"A": 1, "B": 0, "C": 0}, base="100.00")
        document["variable"] = [
            {
                "channel": "c",
                "rate_per_contact": "1.00",
                "contacts": 100,
                "weights": {"B": 1, "C": 1},
            }
        ]
        document["constraints"] = {"ceilings": {"B": "0.00"}}
        problem = problem_of(document)
        clipped = clipped_totals(problem)
        assert clipped["C"] < 10000
        assert not can_carry(problem, clipped)
        assert carried_totals(problem) is None
        allocation = constrained(problem, solver="highs")
        assert (allocation.total("A"), allocation.total("C")) == (10000, 10000)

    def test_the_max_flow_refuses_totals_that_do_not_add_up(self) -> None:
        problem = problem_of(self.partial_document())
        assert not can_carry(problem, {"A": Fraction(15000), "B": Fraction(4999)})

    @settings(max_examples=150, deadline=None)
    @given(bounded_documents(max_ministries=6, max_channels=3, min_amount=100_000))
    def test_gives_what_the_lp_rounds_give(self, document: dict[str, Any]) -> None:
        problem = problem_of(document)
        if diagnose(problem):
            return
        fast = constrained(problem, solver="highs")
        rounds = constrained(problem, solver="highs", closed_form_first=False)
        assert fast.totals == rounds.totals
        assert fast.cells == rounds.cells
        assert fast.marginals == rounds.marginals
        carried = carried_totals(problem)
        assert carried is None or carried == rounds.totals

    @settings(max_examples=300, deadline=None)
    @given(bounded_documents(max_ministries=8, max_channels=4))
    def test_the_float_ratio_is_the_exact_one_or_nothing(self, document: dict[str, Any]) -> None:
        problem = problem_of(document)
        carriers = [m for m in problem.ministries if problem.target(m) > 0]
        if diagnose(problem) or not carriers:
            return
        proposed = _ratio_from_floats(problem, carriers)
        exact = _ratio_by_bisection(problem, carriers)
        if proposed is not None:
            clip = {m: _clip(problem, m, ratio=proposed) for m in carriers}
            assert clip == {m: _clip(problem, m, ratio=exact) for m in carriers}
            assert sum(clip.values()) == problem.total
