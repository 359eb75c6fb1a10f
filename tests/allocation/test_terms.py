"""Year-specific terms, growth per channel and funding streams, and sweeps over them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocation import allocate, allocate_years, parse_scenario
from allocation.errors import InvalidScenario
from allocation.projection import project
from allocation.sweep import check_size, parse_axis, sweep

SIX = {"JenV": 1, "BZK": 1, "EZ": 1, "VWS": 1, "BZ": 1, "OCW": 1}


def _plan(**projection: Any) -> dict[str, Any]:
    return {
        "year": 2027,
        "base": "5000000.00",
        "weights": dict(SIX),
        "variable": [
            {
                "channel": "hulplijn",
                "rate_per_contact": "25.00",
                "contacts": 15685,
                "reference_contacts": 12065,
            },
            {
                "channel": "meldpunt",
                "rate_per_contact": "0.01",
                "contacts": 1567612,
                "reference_contacts": 1205855,
            },
        ],
        "constraints": {"max_share": "0.40"},
        "projection": {"years": 5, "contact_growth": "0.30", **projection},
    }


def _line(report: Any, code: str) -> int:
    return next(line.total for line in report.lines if line.ministry == code)


class TestTerms:
    def test_a_fixed_contribution_limited_to_2027_holds_in_2027_and_not_in_2028(self):
        terms = [{"from": 2027, "until": 2027, "fixed": {"BZK": "500000.00"}}]
        years = allocate_years(parse_scenario(_plan(terms=terms))).reports
        assert _line(years[0], "BZK") == 50_000_000
        assert _line(years[1], "BZK") != 50_000_000
        assert _line(years[1], "BZK") == _line(years[1], "EZ")

    def test_a_single_run_of_the_first_year_applies_that_years_terms(self):
        terms = [{"from": 2027, "until": 2027, "fixed": {"BZK": "500000.00"}}]
        alone = allocate(parse_scenario(_plan(terms=terms)))
        assert _line(alone, "BZK") == 50_000_000

    def test_growth_per_channel_is_the_exact_product_of_each_years_rate(self):
        terms = [{"from": 2029, "channel_growth": {"hulplijn": "0.10"}}]
        years = project(parse_scenario(_plan(channel_growth={"hulplijn": "0.28"}, terms=terms)))
        hulplijn = [y.variable[0].contacts for y in years]
        meldpunt = [y.variable[1].contacts for y in years]
        exact = [
            Decimal(15685),
            Decimal(15685) * Decimal("1.28"),
            Decimal(15685) * Decimal("1.28") * Decimal("1.10"),
            Decimal(15685) * Decimal("1.28") * Decimal("1.10") ** 2,
            Decimal(15685) * Decimal("1.28") * Decimal("1.10") ** 3,
        ]
        assert hulplijn == [
            int((x + Decimal("0.5")).to_integral_value(rounding="ROUND_FLOOR")) for x in exact
        ]
        assert meldpunt[1] == round(1567612 * 1.3)

    def test_weights_changed_from_a_year_change_the_pools_that_follow_the_top_weights(self):
        terms = [{"from": 2029, "weights": {"JenV": 3}}]
        years = allocate_years(parse_scenario({**_plan(terms=terms), "constraints": {}})).reports
        assert abs(_line(years[1], "JenV") - _line(years[1], "BZK")) <= 1
        assert _line(years[2], "JenV") > 2 * _line(years[2], "BZK")

    def test_a_term_may_remove_max_share_and_change_a_rate(self):
        terms = [{"from": 2028, "max_share": None, "rates": {"hulplijn": "30.00"}}]
        years = project(parse_scenario(_plan(terms=terms)))
        assert years[0].constraints.max_share == Decimal("0.40")
        assert years[1].constraints.max_share is None
        assert [y.variable[0].rate_per_contact for y in years[:2]] == [2500, 3000]

    @pytest.mark.parametrize(
        ("terms", "field"),
        [
            ([{"from": 2026, "fixed": {"BZK": 1}}], "projection.terms[0].from"),
            ([{"from": 2028, "until": 2027}], "projection.terms[0].until"),
            ([{"from": 2028, "fixed": {"XYZ": 1}}], "projection.terms[0].fixed.XYZ"),
            ([{"from": 2028, "rates": {"nope": 1}}], "projection.terms[0].rates.nope"),
            ([{"from": 2028, "colour": "red"}], "projection.terms[0].colour"),
            ([{"until": 2028}], "projection.terms[0].from"),
        ],
    )
    def test_a_bad_term_names_its_field(self, terms: list[Any], field: str):
        with pytest.raises(InvalidScenario) as refused:
            parse_scenario(_plan(terms=terms))
        assert refused.value.field == field

    def test_the_document_round_trips_with_its_terms(self):
        terms = [{"from": 2028, "until": 2029, "ceilings": {"OCW": "900000"}, "max_share": None}]
        scenario = parse_scenario(_plan(terms=terms, channel_growth={"meldpunt": "0.5"}))
        assert parse_scenario(scenario.to_document()) == scenario


class TestFunding:
    STREAMS = [
        {"name": "EU", "amount": "400000.00", "until": 2025},
        {"name": "Sponsoring", "amount": "100000.00", "from": 2027},
        {"name": "JenV", "ministry": "JenV", "amount": "3650000.00"},
    ]

    def test_external_money_reduces_what_the_ministries_split(self):
        report = allocate(parse_scenario({**_plan(), "funding": self.STREAMS})).to_dict()
        funding = report["funding"]
        assert funding["external"] == "100000.00"
        assert Decimal(funding["to_split"]) == Decimal(funding["need"]) - Decimal("100000.00")
        assert report["total"] == funding["to_split"]
        assert report["pools"]["base"] == "4900000.00"

    def test_the_gap_and_each_ministry_today_versus_the_rule(self):
        report = allocate(parse_scenario({**_plan(), "funding": self.STREAMS})).to_dict()
        funding = report["funding"]
        assert funding["current"] == "3750000.00"
        assert Decimal(funding["gap"]) == Decimal(funding["need"]) - Decimal("3750000.00")
        jenv = next(m for m in funding["ministries"] if m["ministry"] == "JenV")
        paid = next(line["total"] for line in report["lines"] if line["ministry"] == "JenV")
        assert jenv["today"] == "3650000.00"
        assert Decimal(jenv["change"]) == Decimal(paid) - Decimal("3650000.00")
        bzk = next(m for m in funding["ministries"] if m["ministry"] == "BZK")
        assert bzk["today"] == "0.00" and bzk["change_pct"] is None

    def test_a_stream_ending_before_a_year_is_not_counted_in_it(self):
        streams = [{"name": "BZK", "ministry": "BZK", "amount": "500000.00", "until": 2027}]
        years = allocate_years(parse_scenario({**_plan(), "funding": streams})).reports
        assert years[0].to_dict()["funding"]["current"] == "500000.00"
        assert years[1].to_dict()["funding"]["current"] == "0.00"

    def test_external_money_above_the_base_is_refused(self):
        streams = [{"name": "EU", "amount": "6000000.00"}]
        with pytest.raises(InvalidScenario) as refused:
            parse_scenario({**_plan(), "funding": streams})
        assert refused.value.field == "funding"

    def test_without_streams_the_report_has_no_funding_section(self):
        assert "funding" not in allocate(parse_scenario(_plan())).to_dict()


GROWTH = st.lists(
    st.decimals(min_value=Decimal("-0.5"), max_value=Decimal("1.5"), places=2),
    min_size=1,
    max_size=3,
    unique=True,
)
WEIGHTS = st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=3, unique=True)


class TestSweeps:
    @given(growth=GROWTH, weights=WEIGHTS)
    def test_every_point_equals_the_single_run_of_the_same_inputs(
        self, growth: list[Decimal], weights: list[int]
    ):
        document = {**_plan(), "projection": {"years": 3, "contact_growth": "0.30"}}
        scenario = parse_scenario(document)
        axes = [
            parse_axis(
                {
                    "parameter": "channel_growth",
                    "channel": "hulplijn",
                    "values": [str(g) for g in growth],
                },
                "vary[0]",
                ministries=scenario.ministries,
                channels=("hulplijn", "meldpunt"),
            ),
            parse_axis(
                {"parameter": "weight", "ministry": "EZ", "values": weights},
                "vary[1]",
                ministries=scenario.ministries,
                channels=("hulplijn", "meldpunt"),
            ),
        ]
        result = sweep(scenario, axes)
        for point in result["points"]:
            rate = point["values"]["channel_growth hulplijn"]
            weight = point["values"]["weight EZ"]
            single = {
                **document,
                "weights": {**SIX, "EZ": weight},
                "projection": {**document["projection"], "channel_growth": {"hulplijn": rate}},
            }
            expected = allocate_years(parse_scenario(single)).reports
            for row, report in zip(point["years"], expected, strict=True):
                assert row["status"] == report.status
                assert row["ministries"] == {
                    line.ministry: f"{line.total // 100}.{line.total % 100:02d}"
                    for line in report.lines
                }

    def test_ranges_are_the_smallest_and_largest_amount_over_the_grid(self):
        scenario = parse_scenario(_plan())
        axis = parse_axis(
            {"parameter": "channel_growth", "channel": "hulplijn", "values": ["0.2", "0.3", "0.4"]},
            "vary[0]",
            ministries=scenario.ministries,
            channels=("hulplijn", "meldpunt"),
        )
        result = sweep(scenario, [axis])
        amounts = [Decimal(point["years"][4]["ministries"]["JenV"]) for point in result["points"]]
        assert result["ranges"]["JenV"]["2031"] == {
            "min": f"{min(amounts):.2f}",
            "max": f"{max(amounts):.2f}",
        }
        assert amounts == sorted(amounts)

    def test_a_grid_past_the_limit_is_refused_naming_it(self):
        scenario = parse_scenario({**_plan(), "projection": {"years": 10}})
        axes = [
            parse_axis(
                {"parameter": "weight", "ministry": m, "values": list(range(1, 10))},
                f"vary[{i}]",
                ministries=scenario.ministries,
                channels=(),
            )
            for i, m in enumerate(("EZ", "BZ"))
        ]
        with pytest.raises(InvalidScenario) as refused:
            check_size(scenario, axes)
        assert refused.value.field == "vary"
        assert "at most 100" in refused.value.message

    def test_an_axis_must_name_something_the_scenario_has(self):
        with pytest.raises(InvalidScenario) as refused:
            parse_axis(
                {"parameter": "rate", "channel": "preventielijn", "values": [1]},
                "vary[0]",
                ministries=("JenV",),
                channels=("hulplijn",),
            )
        assert refused.value.field == "vary[0].channel"
