"""Several years: contacts grow, the reference volume stays, the base is indexed."""

from __future__ import annotations

from typing import Any

import pytest

from allocation import InvalidScenario, allocate_years, parse_scenario
from allocation.projection import project
from tests.allocation.conftest import offlimits_document


def projected(**projection: Any) -> dict[str, Any]:
    document = offlimits_document()
    document["projection"] = projection
    return document


class TestProject:
    def test_contacts_grow_and_the_reference_stays(self) -> None:
        years = project(parse_scenario(projected(years=3, contact_growth="0.30")))
        assert [(s.year, s.variable[0].contacts) for s in years] == [
            (2027, 15685),
            (2028, 20391),
            (2029, 26508),
        ]
        assert {s.variable[0].reference_contacts for s in years} == {12065}

    def test_contacts_round_half_up(self) -> None:
        document = projected(years=2, contact_growth="0.5")
        document["variable"][0]["contacts"] = 15685
        assert project(parse_scenario(document))[1].variable[0].contacts == 23528

    def test_the_base_is_indexed_to_the_cent(self) -> None:
        years = project(parse_scenario(projected(years=3, base_indexation="0.021")))
        assert [s.base for s in years] == [500_000_000, 510_500_000, 521_220_500]

    def test_bounds_and_weights_stay(self) -> None:
        first, last = project(parse_scenario(projected(years=4, contact_growth="0.3")))[::3]
        assert (first.weights, first.constraints) == (last.weights, last.constraints)

    def test_refuses_a_projection_past_2100(self) -> None:
        document = projected(years=5)
        document["year"] = 2098
        with pytest.raises(InvalidScenario) as caught:
            project(parse_scenario(document))
        assert caught.value.field == "projection.years"


class TestAllocateYears:
    def test_gives_one_report_and_one_column_per_year(self) -> None:
        years = allocate_years(parse_scenario(projected(years=5, contact_growth="0.30")))
        table = years.to_dict()["table"]
        assert table["years"] == ["2027", "2028", "2029", "2030", "2031"]  # type: ignore[index,call-overload]
        assert len(years.reports) == 5
        row = next(line for line in table["lines"] if line["ministry"] == "OCW")  # type: ignore[index,union-attr,call-overload]
        assert set(row["amounts"].values()) == {"300000.00"}

    def test_a_year_whose_bounds_no_longer_fit_is_infeasible(self) -> None:
        document = projected(years=4, contact_growth="1.0")
        document["constraints"]["ceilings"] = dict.fromkeys(
            ["JenV", "BZK", "EZ", "VWS", "BZ", "OCW"], "950000.00"
        )
        document["constraints"].pop("fixed")
        document["constraints"].pop("floors")
        years = allocate_years(parse_scenario(document))
        assert [r.status for r in years.reports] == [
            "optimal",
            "optimal",
            "infeasible",
            "infeasible",
        ]
        assert years.status == "infeasible"
        assert years.table()["lines"][0]["amounts"]["2030"] is None  # type: ignore[index,call-overload]

    def test_without_projection_allocates_the_one_year(self) -> None:
        years = allocate_years(parse_scenario(offlimits_document()))
        assert [report.year for report in years.reports] == [2027]

    def test_input_hash_covers_the_projection(self) -> None:
        short = allocate_years(parse_scenario(projected(years=2)))
        long = allocate_years(parse_scenario(projected(years=3)))
        assert short.input_hash != long.input_hash
