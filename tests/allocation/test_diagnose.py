"""Infeasible bounds are an answer: status "infeasible", the conflict named in euros."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from allocation import allocate, parse_scenario
from allocation.diagnose import diagnose
from allocation.model import build_problem
from tests.allocation.conftest import (
    SIX,
    base_only_document,
    cents,
    offlimits_document,
    pooled_documents,
)


def problems(document: dict[str, Any]) -> tuple[str, ...]:
    report = allocate(parse_scenario(document))
    assert report.status == "infeasible"
    assert report.lines == ()
    return report.problems


def with_constraints(constraints: dict[str, Any], **changes: Any) -> dict[str, Any]:
    document = {**offlimits_document(), **changes}
    document["constraints"] = constraints
    return document


class TestSingleMinistryConflicts:
    def test_floor_above_the_max_share(self) -> None:
        document = with_constraints({"max_share": "0.40", "floors": {"JenV": "3000000.00"}})
        document["variable"][0]["contacts"] = 12065 + 4000
        assert problems(document) == (
            "floor of JenV (€3,000,000.00) exceeds max_share 0.40 × €5,100,000.00 = €2,040,000.00",
        )

    def test_fixed_amount_above_the_ceiling(self) -> None:
        document = with_constraints(
            {"fixed": {"BZK": "500000.00"}, "ceilings": {"BZK": "300000.00"}}
        )
        assert problems(document) == (
            "fixed amount of BZK (€500,000.00) exceeds its ceiling (€300,000.00)",
        )

    def test_floor_above_the_fixed_amount(self) -> None:
        document = with_constraints({"fixed": {"BZK": "500000.00"}, "floors": {"BZK": "600000.00"}})
        assert problems(document) == (
            "floor of BZK (€600,000.00) exceeds its fixed amount (€500,000.00)",
        )

    def test_floor_of_a_ministry_without_weight(self) -> None:
        document = base_only_document(weights={"A": 1, "B": 0})
        document["constraints"] = {"floors": {"B": "1.00"}}
        assert problems(document) == (
            "floor of B (€1.00) cannot be met: B has zero weight in every pool",
        )


class TestSumConflicts:
    def test_ceilings_below_the_total(self) -> None:
        document = base_only_document(weights={"A": 1, "B": 1}, base="5100000.00")
        document["constraints"] = {"ceilings": {"A": "2100000.00", "B": "2100000.00"}}
        assert problems(document) == (
            "ceilings sum to €4,200,000.00 but €5,100,000.00 must be allocated",
        )

    def test_max_share_that_cannot_cover_everything(self) -> None:
        document = base_only_document()
        document["constraints"] = {"max_share": "0.15"}
        assert problems(document) == (
            "max_share 0.15 × 6 ministries covers only 90% of €5,000,000.00",
        )

    def test_max_share_short_by_the_cents_rounded_away(self) -> None:
        document = base_only_document(weights=dict.fromkeys(SIX[:4], 1), base="5000000.01")
        document["constraints"] = {"max_share": "0.25"}
        (problem,) = problems(document)
        assert "rounded down to whole cents" in problem

    def test_floors_above_the_total(self) -> None:
        document = base_only_document(weights={"A": 1, "B": 1}, base="100.00")
        document["constraints"] = {"floors": {"A": "60.00", "B": "50.00"}}
        assert problems(document) == ("floors sum to €110.00 but only €100.00 is to be allocated",)


class TestReachConflicts:
    def test_a_pool_whose_carriers_are_capped(self) -> None:
        document = with_constraints(
            {"ceilings": {"JenV": "10000.00", "BZK": "10000.00", "VWS": "10000.00"}}
        )
        (problem,) = problems(document)
        assert problem == (
            "pool hulplijn (€90,500.00) can only be carried by BZK, JenV, VWS, "
            "whose upper bounds sum to €30,000.00"
        )

    def test_a_floor_larger_than_the_pools_it_has_weight_in(self) -> None:
        document = base_only_document(weights={"A": 1, "B": 0}, base="100.00")
        document["variable"] = [
            {"channel": "small", "rate_per_contact": "1.00", "contacts": 10, "weights": {"B": 1}}
        ]
        document["constraints"] = {"floors": {"B": "20.00"}}
        assert problems(document) == (
            "floor of B (€20.00) exceeds pool small (€10.00), the only pool it has weight in",
        )

    def test_many_pools_are_checked_by_a_minimum_cut(self) -> None:
        document = base_only_document(weights={"A": 1, "B": 1}, base="100.00")
        document["variable"] = [
            {
                "channel": f"c{i:02d}",
                "rate_per_contact": "1.00",
                "contacts": 10,
                "weights": {"B": 1},
            }
            for i in range(14)
        ]
        document["constraints"] = {"ceilings": {"B": "50.00"}}
        (problem,) = problems(document)
        assert problem.startswith("pools c00, c01")
        assert "can only be carried by B, whose upper bounds sum to €50.00" in problem


class TestDiagnosisIsComplete:
    @given(pooled_documents(max_ministries=5, max_channels=3), st.data())
    def test_infeasible_bounds_are_reported_naming_a_culprit(
        self, document: dict[str, Any], data: st.DataObject
    ) -> None:
        problem = build_problem(parse_scenario(document))
        carriers = [m for m in problem.ministries if problem.target(m) > 0]
        assume(carriers)
        victim = data.draw(st.sampled_from(carriers))
        kind = data.draw(st.sampled_from(["floor", "ceilings", "pair", "pool"]))
        total = problem.total
        if kind == "floor":
            document["constraints"] = {"floors": {victim: cents(total + 1)}}
        elif kind == "ceilings":
            cap = total // (2 * len(problem.ministries))
            document["constraints"] = {"ceilings": dict.fromkeys(problem.ministries, cents(cap))}
        elif kind == "pair":
            document["constraints"] = {"floors": {victim: "2.00"}, "ceilings": {victim: "1.00"}}
        else:
            pools = [p for p in problem.pools if p.amount > 1]
            if not pools:
                return
            pool = pools[0]
            capped = {c.ministry for c in problem.allowed if c.pool == pool.name}
            document["constraints"] = {
                "ceilings": dict.fromkeys(sorted(capped), cents(pool.amount // (2 * len(capped))))
            }
        report = allocate(parse_scenario(document))
        assert report.status == "infeasible"
        named = [code for code in problem.ministries if any(code in p for p in report.problems)]
        pools = [p.name for p in problem.pools if any(p.name in text for text in report.problems)]
        assert named or pools or any("sum to" in p or "covers only" in p for p in report.problems)

    def test_feasible_bounds_have_no_problems(self) -> None:
        assert diagnose(build_problem(parse_scenario(offlimits_document()))) == ()
