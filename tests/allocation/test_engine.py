"""allocate(): the rules side by side, warnings for broken bounds, infeasible answers."""

from __future__ import annotations

import pytest

from allocation import InvalidScenario, allocate, canonical_json, parse_scenario
from tests.allocation.conftest import base_only_document, offlimits_document


class TestRules:
    def test_proportional_pays_the_targets_and_lists_broken_bounds(self) -> None:
        report = allocate(parse_scenario(offlimits_document()), rule="proportional")
        lines = {line.ministry: line for line in report.lines}
        assert report.status == "optimal"
        assert lines["OCW"].total == 50_000_000
        assert lines["OCW"].broken == ("ceiling",)
        assert (
            "OCW pays €500,000.00, €200,000.00 above its ceiling of €300,000.00 (ceiling__OCW)"
            in report.warnings
        )
        assert any("fixed__BZK" in warning for warning in report.warnings)

    def test_equal_splits_every_pool_over_all_ministries(self) -> None:
        report = allocate(parse_scenario(offlimits_document()), rule="equal")
        hulplijn = {line.ministry: dict(line.pools)["hulplijn"] for line in report.lines}
        assert set(hulplijn.values()) <= {1_508_333, 1_508_334}
        assert sum(hulplijn.values()) == 9_050_000

    def test_the_rule_can_come_from_the_document(self) -> None:
        document = offlimits_document()
        document["rule"] = "equal"
        assert allocate(parse_scenario(document)).rule.value == "equal"

    def test_an_unknown_rule_override_names_the_rule_field(self) -> None:
        with pytest.raises(InvalidScenario) as caught:
            allocate(parse_scenario(offlimits_document()), rule="fair")
        assert caught.value.field == "rule"


class TestWorkedExample:
    def test_base_only_five_million_over_six_equal_weights(self) -> None:
        report = allocate(parse_scenario(base_only_document()))
        totals = {line["ministry"]: line["total"] for line in report.to_dict()["lines"]}  # type: ignore[index,union-attr]
        assert totals == {
            "BZ": "833333.34",
            "BZK": "833333.34",
            "EZ": "833333.33",
            "JenV": "833333.33",
            "OCW": "833333.33",
            "VWS": "833333.33",
        }


class TestInfeasibleReport:
    def test_keeps_pools_and_total_and_explains(self) -> None:
        document = base_only_document()
        document["constraints"] = {"max_share": "0.15"}
        report = allocate(parse_scenario(document)).to_dict()
        assert report["status"] == "infeasible"
        assert report["total"] == "5000000.00"
        assert report["lines"] == []
        assert report["explanation"][0].startswith("No split honours every bound")  # type: ignore[index,union-attr]

    def test_proportional_ignores_bounds_that_constrained_cannot_meet(self) -> None:
        document = base_only_document()
        document["constraints"] = {"max_share": "0.15"}
        assert allocate(parse_scenario(document), rule="proportional").status == "optimal"

    def test_an_empty_year_allocates_zero(self) -> None:
        report = allocate(parse_scenario(base_only_document(base="0.00")))
        assert [line.total for line in report.lines] == [0] * 6


class TestSharedHiGHS:
    def test_allocates_after_something_else_started_highs_with_its_own_threads(self) -> None:
        """HiGHS keeps one thread pool per process; the engine must not depend on owning it.

        Another user of HiGHS runs first, with HiGHS's default threads; the report (duals
        and all) must be the one this process gets.
        """
        import subprocess
        import sys
        from pathlib import Path

        script = (
            "import highspy\n"
            "other = highspy.Highs()\n"
            "other.setOptionValue('output_flag', False)\n"
            "other.addVars(1, [0.0], [1.0])\n"
            "other.changeColsCost(1, [0], [1.0])\n"
            "other.run()\n"
            "from allocation import allocate, canonical_json, parse_scenario\n"
            "from tests.allocation.conftest import offlimits_document\n"
            "print(canonical_json(allocate(parse_scenario(offlimits_document())).to_dict()))\n"
        )
        root = Path(__file__).resolve().parents[2]
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            cwd=root,
            timeout=120,
            check=False,
        )
        here = canonical_json(allocate(parse_scenario(offlimits_document())).to_dict())
        assert done.stdout.strip().splitlines()[-1:] == [here], done.stderr


class TestReusedHiGHSModels:
    """A thread reuses the HiGHS models its solves released, emptied; reports do not change."""

    @staticmethod
    def capped() -> dict[str, object]:
        document = offlimits_document()
        document["constraints"] = {"max_share": "0.200000"}
        return document

    @staticmethod
    def idle() -> set[int]:
        from allocation import solve

        return {id(model) for models in solve._idle.models.values() for model in models}

    def test_a_released_model_comes_back_empty(self) -> None:
        from allocation.solve import new_highs, release_highs

        model = new_highs(tight=False)
        model.addVars(2, [0.0, 0.0], [1.0, 1.0])
        release_highs(model, tight=False)
        again = new_highs(tight=False)
        assert again is model
        assert (again.getNumCol(), again.getNumRow()) == (0, 0)
        assert new_highs(tight=True) is not model
        release_highs(again, tight=False)

    def test_releasing_twice_or_nothing_keeps_the_pool_sound(self) -> None:
        from allocation import solve
        from allocation.leximin import ATTEMPTS
        from allocation.model import build_problem
        from allocation.rules import totals_family
        from allocation.solve import WarmRounds

        problem = build_problem(parse_scenario(self.capped()))
        round_lp = totals_family(problem).build(list(problem.ministries[:2]), {})
        warm = WarmRounds(round_lp, tight=ATTEMPTS[0].tight)
        warm.close()
        warm.close()
        solve.release_highs(None, tight=True)
        idle = solve._idle.models[True]
        assert None not in idle
        assert len({id(model) for model in idle}) == len(idle)
        assert allocate(parse_scenario(self.capped())).status == "optimal"

    def test_an_allocation_leaves_its_models_idle_for_the_next(self) -> None:
        first = allocate(parse_scenario(self.capped())).to_dict()
        idle = self.idle()
        assert idle
        second = allocate(parse_scenario(self.capped())).to_dict()
        assert second == first
        assert self.idle() == idle

    def test_another_thread_has_models_of_its_own(self) -> None:
        import threading

        allocate(parse_scenario(self.capped()))
        mine = self.idle()
        seen: list[set[int]] = []

        def other() -> None:
            allocate(parse_scenario(self.capped()))
            seen.append(self.idle())

        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
        assert mine
        assert seen and seen[0] and not seen[0] & mine
