"""Reports: figures as strings, canonical JSON, hashes that ignore spelling but not meaning."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocation import allocate, canonical_json, parse_scenario, sha256_of
from allocation.report import report_hash, significant_text
from tests.allocation.conftest import base_only_document, offlimits_document


def report_dict(document: dict[str, Any], **options: Any) -> dict[str, Any]:
    return allocate(parse_scenario(document), **options).to_dict()  # type: ignore[return-value]


class TestCanonicalJson:
    def test_sorts_keys_and_drops_whitespace(self) -> None:
        assert canonical_json({"b": 1, "a": [True, None, "x"]}) == '{"a":[true,null,"x"],"b":1}'

    def test_keeps_unicode_as_is(self) -> None:
        assert canonical_json({"text": "≥ €"}) == '{"text":"≥ €"}'

    def test_refuses_floats(self) -> None:
        with pytest.raises(TypeError):
            canonical_json({"amount": 0.1})

    def test_hash_is_sha256_of_the_utf8_text(self) -> None:
        import hashlib

        expected = hashlib.sha256('{"a":"€"}'.encode()).hexdigest()
        assert sha256_of({"a": "€"}) == f"sha256:{expected}"


class TestInputHash:
    def test_is_stable_under_rewriting(self) -> None:
        original = offlimits_document()
        rewritten = copy.deepcopy(original)
        rewritten["weights"] = {
            "OCW": "1.000000",
            "BZ": 1,
            "VWS": "1.5",
            "EZ": 1.5,
            "BZK": "2",
            "JenV": 3,
        }
        rewritten["base"] = 5000000
        rewritten["constraints"]["floors"]["JenV"] = "1000000"
        rewritten = dict(reversed(list(rewritten.items())))
        assert report_dict(rewritten)["input_hash"] == report_dict(original)["input_hash"]

    def test_changes_when_the_problem_changes(self) -> None:
        changed = offlimits_document()
        changed["weights"]["OCW"] = 2
        assert report_dict(changed)["input_hash"] != report_dict(offlimits_document())["input_hash"]

    def test_covers_the_rule_applied(self) -> None:
        document = offlimits_document()
        assert (
            report_dict(document, rule="equal")["input_hash"] != report_dict(document)["input_hash"]
        )

    def test_ignores_engine_and_solver(self) -> None:
        document = offlimits_document()
        highs, cbc = report_dict(document), report_dict(document, solver="cbc")
        assert highs["solver"]["name"] == "highs" and cbc["solver"]["name"] == "cbc"
        assert highs["input_hash"] == cbc["input_hash"]

    def test_is_the_hash_of_the_reported_input(self) -> None:
        report = report_dict(offlimits_document())
        assert report["input_hash"] == sha256_of(report["input"])

    @given(st.permutations(["JenV", "BZK", "EZ", "VWS", "BZ", "OCW"]))
    def test_ignores_key_order(self, order: list[str]) -> None:
        document = base_only_document(weights=dict.fromkeys(order, 1))
        assert (
            report_dict(document)["input_hash"] == report_dict(base_only_document())["input_hash"]
        )


class TestReportContents:
    def test_has_the_contract_fields(self) -> None:
        report = report_dict(offlimits_document())
        assert {
            "status",
            "rule",
            "year",
            "total",
            "pools",
            "lines",
            "problems",
            "explanation",
            "input_hash",
            "engine",
            "solver",
        } <= set(report)
        assert report["engine"] == {"name": "costshare-allocation", "version": "0.1.0"}
        line = report["lines"][0]
        assert {
            "ministry",
            "total",
            "pools",
            "target",
            "deviation",
            "deviation_pct",
            "share",
            "binding",
        } <= set(line)

    def test_money_is_always_a_two_decimal_string(self) -> None:
        report = report_dict(offlimits_document())
        assert report["total"] == "5090500.00"
        assert report["pools"] == {"base": "5000000.00", "hulplijn": "90500.00"}
        for line in report["lines"]:
            for value in (
                line["total"],
                line["target"],
                line["deviation"],
                *line["pools"].values(),
            ):
                assert Decimal(value).as_tuple().exponent == -2

    def test_deviation_is_total_minus_target(self) -> None:
        for line in report_dict(offlimits_document())["lines"]:
            assert Decimal(line["total"]) - Decimal(line["target"]) == Decimal(line["deviation"])

    def test_displayed_targets_add_up_to_the_total(self) -> None:
        report = report_dict(base_only_document(weights={"A": 1, "B": 1, "C": 1}, base="1.00"))
        assert sum(Decimal(line["target"]) for line in report["lines"]) == Decimal("1.00")

    def test_shares_have_six_decimals(self) -> None:
        shares = [line["share"] for line in report_dict(base_only_document())["lines"]]
        assert shares == ["0.166667"] * 2 + ["0.166667"] * 4

    def test_lines_come_in_code_order(self) -> None:
        codes = [line["ministry"] for line in report_dict(offlimits_document())["lines"]]
        assert codes == sorted(codes)

    def test_is_plain_json(self) -> None:
        report = report_dict(offlimits_document())
        assert json.loads(json.dumps(report)) == report

    def test_whole_report_hash_is_reproducible(self) -> None:
        assert report_hash(report_dict(offlimits_document())) == report_hash(
            report_dict(offlimits_document())
        )


class TestExplanation:
    def test_names_the_marginal_effect_of_a_binding_ceiling(self) -> None:
        explanation = report_dict(offlimits_document())["explanation"]
        assert (
            "Each €1 more room under OCW's ceiling lowers the largest relative deviation by "
            "0.0000020 (dual of ceiling__OCW in the first, min-max round)."
        ) in explanation

    def test_gives_every_ministry_its_sentence(self) -> None:
        explanation = report_dict(offlimits_document())["explanation"]
        assert (
            "OCW: target €500,000.00, pays €300,000.00 (deviation -€200,000.00, -40.0000%); "
            "its ceiling binds."
        ) in explanation

    def test_marginals_are_rounded_to_two_significant_digits(self) -> None:
        assert significant_text(-2.0000000000000008e-06) == "-0.0000020"
