"""Reading scenario documents: strict, normalising, naming the field on every refusal."""

from __future__ import annotations

import copy
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocation import InvalidScenario, parse_scenario
from allocation.scenario import Rule
from tests.allocation.conftest import base_only_document, bounded_documents, offlimits_document


def refusal(document: dict[str, Any]) -> InvalidScenario:
    with pytest.raises(InvalidScenario) as caught:
        parse_scenario(document)
    return caught.value


def changed(
    path: list[str | int], value: Any, *, document: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A copy of the Offlimits document with one value replaced."""
    result = copy.deepcopy(document or offlimits_document())
    target: Any = result
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return result


class TestParseScenario:
    def test_reads_the_offlimits_example(self) -> None:
        scenario = parse_scenario(offlimits_document())
        assert scenario.ministries == ("BZ", "BZK", "EZ", "JenV", "OCW", "VWS")
        assert scenario.base == 500_000_000
        assert scenario.variable[0].amount == 25_00 * (15685 - 12065)
        assert scenario.total == 509_050_000

    def test_defaults_to_the_constrained_rule(self) -> None:
        document = base_only_document()
        del document["rule"]
        assert parse_scenario(document).rule is Rule.CONSTRAINED

    def test_channel_weights_default_to_the_top_level_weights(self) -> None:
        document = offlimits_document()
        del document["variable"][0]["weights"]
        channel = parse_scenario(document).variable[0]
        assert dict(channel.weights)["OCW"] == Decimal(1)

    def test_a_ministry_missing_from_channel_weights_weighs_zero(self) -> None:
        channel = parse_scenario(offlimits_document()).variable[0]
        assert "OCW" not in dict(channel.weights)

    def test_pays_only_contacts_above_the_reference(self) -> None:
        document = changed(["variable", 0, "contacts"], 100)
        assert parse_scenario(document).variable[0].amount == 0

    def test_reference_zero_pays_every_contact(self) -> None:
        document = changed(["variable", 0, "reference_contacts"], 0)
        assert parse_scenario(document).variable[0].paid_contacts == 15685

    def test_accepts_float_weights_through_their_decimal_text(self) -> None:
        document = changed(["weights", "EZ"], 1.5)
        assert dict(parse_scenario(document).weights)["EZ"] == Decimal("1.5")

    def test_reads_minus_zero_as_zero(self) -> None:
        document = changed(["weights", "EZ"], "-0")
        assert dict(parse_scenario(document).weights)["EZ"] == 0


class TestInvalidScenario:
    @pytest.mark.parametrize(
        ("path", "value", "field", "words"),
        [
            (["weights", "BZK"], -1, "weights.BZK", "must be ≥ 0, got -1"),
            (["weights", "BZK"], float("nan"), "weights.BZK", "finite"),
            (["weights", "BZK"], float("inf"), "weights.BZK", "finite"),
            (["weights", "BZK"], "NaN", "weights.BZK", "finite decimal"),
            (["weights", "BZK"], "Infinity", "weights.BZK", "finite decimal"),
            (["weights", "BZK"], "1e3", "weights.BZK", "exponent"),
            (["weights", "BZK"], "0.0000001", "weights.BZK", "at most 6 decimals"),
            (["weights", "BZK"], True, "weights.BZK", "boolean"),
            (["weights", "BZK"], "", "weights.BZK", "finite decimal"),
            (["weights", "BZK"], 10**9 + 1, "weights.BZK", "at most"),
            (["base"], 5000000.5, "base", "string"),
            (["base"], "5000000.001", "base", "at most 2 decimals"),
            (["base"], "-1", "base", "must be ≥ 0"),
            (["base"], 10**12 + 1, "base", "at most"),
            (["base"], False, "base", "got a boolean"),
            (["year"], 1999, "year", "between 2000 and 2100"),
            (["year"], "2027", "year", "whole number"),
            (["rule"], "fair", "rule", "must be one of"),
            (["variable", 0, "contacts"], -5, "variable[0].contacts", "between 0"),
            (["variable", 0, "contacts"], 10**9 + 1, "variable[0].contacts", "between 0"),
            (["variable", 0, "contacts"], 1.5, "variable[0].contacts", "whole number"),
            (
                ["variable", 0, "rate_per_contact"],
                "1000000.01",
                "variable[0].rate_per_contact",
                "at most",
            ),
            (["variable", 0, "channel"], "base", "variable[0].channel", "reserved"),
            (["variable", 0, "channel"], "9lives", "variable[0].channel", "a letter"),
            (
                ["variable", 0, "weights", "SZW"],
                1,
                "variable[0].weights.SZW",
                "unknown ministry 'SZW'",
            ),
            (["variable", 0, "colour"], "red", "variable[0].colour", "unknown field"),
            (["constraints", "max_share"], "0", "constraints.max_share", "> 0 and ≤ 1"),
            (["constraints", "max_share"], "1.5", "constraints.max_share", "> 0 and ≤ 1"),
            (
                ["constraints", "floors", "XYZ"],
                "1.00",
                "constraints.floors.XYZ",
                "unknown ministry 'XYZ'",
            ),
            (
                ["constraints", "ceilings", "SZW"],
                "1.00",
                "constraints.ceilings.SZW",
                "unknown ministry",
            ),
            (["constraints", "fixed", "BZK"], "-1.00", "constraints.fixed.BZK", "≥ 0"),
            (["constraints", "minimum"], {}, "constraints.minimum", "unknown field"),
            (["colour"], "red", "colour", "unknown field"),
            (["projection"], {"years": 11}, "projection.years", "between 1 and 10"),
            (
                ["projection"],
                {"years": 2, "contact_growth": "-1"},
                "projection.contact_growth",
                "between",
            ),
            (
                ["projection"],
                {"years": 2, "base_indexation": "11"},
                "projection.base_indexation",
                "between",
            ),
        ],
    )
    def test_names_the_field_and_the_reason(
        self, path: list[str | int], value: Any, field: str, words: str
    ) -> None:
        error = refusal(changed(path, value))
        assert error.field == field
        assert words in error.message
        assert str(error) == f"{field}: {error.message}"

    def test_names_a_missing_required_field(self) -> None:
        document = offlimits_document()
        del document["base"]
        assert refusal(document).field == "base"

    def test_refuses_all_zero_weights(self) -> None:
        error = refusal(base_only_document(weights={"A": 0, "B": "0.0"}))
        assert (error.field, error.message) == ("weights", "at least one weight must be positive")

    def test_refuses_a_channel_nobody_can_carry(self) -> None:
        error = refusal(changed(["variable", 0, "weights"], {"JenV": 0}))
        assert error.field == "variable[0].weights"
        assert "nobody can carry the €90,500.00" in error.message

    def test_refuses_duplicate_channels(self) -> None:
        document = offlimits_document()
        document["variable"].append(copy.deepcopy(document["variable"][0]))
        assert refusal(document).field == "variable[1].channel"

    def test_refuses_too_many_ministries(self) -> None:
        weights = {f"M{index}": 1 for index in range(201)}
        assert "at most 200" in refusal(base_only_document(weights=weights)).message

    def test_refuses_too_many_channels(self) -> None:
        channel = offlimits_document()["variable"][0]
        document = changed(
            ["variable"], [{**channel, "channel": f"c{index}"} for index in range(21)]
        )
        assert "at most 20 channels" in refusal(document).message

    def test_refuses_ministry_codes_outside_the_pattern(self) -> None:
        assert refusal(base_only_document(weights={"J en V": 1})).field == "weights.J en V"

    def test_refuses_a_document_that_is_not_an_object(self) -> None:
        assert refusal([]).field == "document"  # type: ignore[arg-type]


class TestNormalisation:
    def test_round_trips_through_to_document(self) -> None:
        scenario = parse_scenario(offlimits_document())
        assert parse_scenario(scenario.to_document()) == scenario

    def test_writes_money_with_two_decimals_and_weights_shortest(self) -> None:
        document = parse_scenario(offlimits_document()).to_document()
        assert document["base"] == "5000000.00"
        assert document["weights"] == {
            "BZ": "1",
            "BZK": "2",
            "EZ": "1.5",
            "JenV": "3",
            "OCW": "1",
            "VWS": "1.5",
        }

    def test_spellings_of_the_same_problem_normalise_alike(self) -> None:
        plain = base_only_document(weights={"A": 1, "B": 2}, base="5000000.00")
        other = {
            "weights": {"B": "2.000000", "A": 1.0},
            "base": 5000000,
            "rule": "constrained",
            "year": 2027,
            "constraints": {},
            "variable": [],
        }
        assert parse_scenario(plain).to_document() == parse_scenario(other).to_document()

    @given(bounded_documents())
    def test_any_valid_document_round_trips(self, document: dict[str, Any]) -> None:
        scenario = parse_scenario(document)
        assert parse_scenario(scenario.to_document()) == scenario

    @given(st.floats(allow_nan=False, allow_infinity=False, min_value=0, max_value=1e9))
    def test_float_weights_become_their_shortest_decimal(self, weight: float) -> None:
        document = base_only_document(weights={"A": weight, "B": 1})
        places = -Decimal(repr(weight)).normalize().as_tuple().exponent
        if places > 6:
            refusal(document)
        else:
            value = dict(parse_scenario(document).weights)["A"]
            assert math.isclose(float(value), weight)
