"""The exact problem: pools, targets, bounds and the named constraint families."""

from __future__ import annotations

from fractions import Fraction

from allocation import parse_scenario
from allocation.model import (
    Cell,
    Sense,
    all_constraints,
    build_problem,
    model_constraints,
    violations,
)
from tests.allocation.conftest import base_only_document, offlimits_document


def offlimits_problem():  # type: ignore[no-untyped-def]
    return build_problem(parse_scenario(offlimits_document()))


class TestTargets:
    def test_split_each_pool_by_its_weights(self) -> None:
        problem = offlimits_problem()
        assert problem.cell_targets[Cell("JenV", "base")] == Fraction(500_000_000 * 3, 10)
        assert problem.cell_targets[Cell("JenV", "hulplijn")] == Fraction(9_050_000 * 2, 4)

    def test_a_ministry_without_weight_in_a_pool_has_no_target_there(self) -> None:
        assert offlimits_problem().cell_targets[Cell("OCW", "hulplijn")] == 0

    def test_targets_add_up_to_the_total(self) -> None:
        problem = offlimits_problem()
        assert sum(problem.targets.values()) == problem.total

    def test_only_cells_with_weight_can_carry_money(self) -> None:
        assert Cell("OCW", "hulplijn") not in offlimits_problem().allowed


class TestBounds:
    def test_lower_bound_is_the_larger_of_floor_and_fixed(self) -> None:
        problem = offlimits_problem()
        assert (problem.lower("JenV"), problem.lower("BZK"), problem.lower("EZ")) == (
            100_000_000,
            50_000_000,
            0,
        )

    def test_upper_bound_is_the_smallest_of_ceiling_share_and_fixed(self) -> None:
        problem = offlimits_problem()
        assert problem.upper("OCW") == 30_000_000
        assert problem.upper("BZK") == 50_000_000
        assert problem.upper("EZ") == 203_620_000

    def test_max_share_rounds_down_to_whole_cents(self) -> None:
        document = base_only_document(base="0.10")
        document["constraints"] = {"max_share": "0.25"}
        assert build_problem(parse_scenario(document)).max_share_cents == 2

    def test_no_bounds_means_zero_below_and_unbounded_above(self) -> None:
        problem = build_problem(parse_scenario(base_only_document()))
        assert (problem.lower("EZ"), problem.upper("EZ")) == (0, None)


class TestNamedConstraints:
    def test_every_family_yields_names_in_the_house_format(self) -> None:
        names = {c.name for c in all_constraints(offlimits_problem())}
        assert {
            "pool__base",
            "pool__hulplijn",
            "floor__JenV",
            "ceiling__OCW",
            "max_share__BZK",
            "fixed__BZK",
            "zero__OCW__hulplijn",
        } <= names

    def test_pools_are_equalities_and_ceilings_upper_bounds(self) -> None:
        by_name = {c.name: c for c in model_constraints(offlimits_problem())}
        assert by_name["pool__base"].sense is Sense.EQUAL
        assert by_name["ceiling__OCW"].sense is Sense.AT_MOST
        assert by_name["floor__JenV"].sense is Sense.AT_LEAST

    def test_violations_report_the_gap_in_cents(self) -> None:
        problem = offlimits_problem()
        cells = dict(problem.cell_targets)
        broken = {c.name: gap for c, gap in violations(all_constraints(problem), cells)}
        assert broken["ceiling__OCW"] == 50_000_000 - 30_000_000
        assert "pool__base" not in broken
