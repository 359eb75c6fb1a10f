"""Comparisons with today's payers and named variants, sweeps over the API, and the budget
table in the layout of the central government's open-data budget tables."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Seeded, auth

SAMPLE = Path(__file__).parent / "data" / "rijksbegroting-layout.csv"


@pytest.fixture
def call(client: TestClient, keys: dict[str, str]):
    def request(
        method: str,
        path: str,
        body: Any = None,
        holder: str = "negotiator",
        headers: dict[str, str] | None = None,
        **kw: Any,
    ):
        sent = {**auth(keys[holder]), **(headers or {})}
        return client.request(method, path, headers=sent, json=body, **kw)

    return request


def _cents(amount: str) -> int:
    return int(Decimal(amount).scaleb(2))


class TestComparisons:
    def test_the_status_quo_is_the_first_column_and_the_baseline(self, call, seeded: Seeded):
        answer = call("POST", "/v1/comparisons", {"scenario_id": seeded.plan_scenario_id})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [c["key"] for c in body["columns"]] == [
            "status_quo",
            "proportional",
            "equal",
            "constrained",
        ]
        assert body["baseline"] == "status_quo"
        jenv = next(r for r in body["rows"] if r["ministry"] == "JenV")
        assert jenv["amounts"]["status_quo"] == "3650000.00"
        change = _cents(jenv["amounts"]["constrained"]) - _cents("3650000.00")
        assert _cents(jenv["differences"]["constrained"]["eur"]) == change

    def test_a_later_year_of_the_projection_can_be_compared(self, call, seeded: Seeded):
        answer = call(
            "POST", "/v1/comparisons", {"scenario_id": seeded.plan_scenario_id, "year": 2028}
        )
        body = answer.json()
        bzk = next(r for r in body["rows"] if r["ministry"] == "BZK")
        assert bzk["amounts"]["status_quo"] == "0.00"
        assert bzk["amounts"]["constrained"] != "500000.00"

    def test_named_variants_side_by_side(self, call, seeded: Seeded):
        stops = {
            "year": 2027,
            "base": "5000000.00",
            "weights": {"JenV": 1, "BZK": 0, "EZ": 1},
        }
        stays = {**stops, "weights": {"JenV": 1, "BZK": 1, "EZ": 1}}
        answer = call(
            "POST",
            "/v1/comparisons",
            {
                "variants": [
                    {"name": "BZK stays", "scenario": stays},
                    {"name": "BZK stops", "scenario": stops},
                ]
            },
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [c["key"] for c in body["columns"]] == ["BZK stays", "BZK stops"]
        bzk = next(r for r in body["rows"] if r["ministry"] == "BZK")
        assert bzk["amounts"]["BZK stops"] == "0.00"
        assert bzk["differences"]["BZK stops"]["eur"] == f"-{bzk['amounts']['BZK stays']}"

    def test_a_bad_variant_is_named(self, call):
        bad = {"year": 2027, "base": "1.00", "weights": {"XYZ": 1}}
        good = {"year": 2027, "base": "1.00", "weights": {"JenV": 1}}
        answer = call(
            "POST",
            "/v1/comparisons",
            {"variants": [{"name": "a", "scenario": good}, {"name": "b", "scenario": bad}]},
        )
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "variants[1].scenario.weights.XYZ"


class TestSweeps:
    def test_growth_at_20_30_and_40_percent_with_ranges(self, call, seeded: Seeded):
        answer = call(
            "POST",
            "/v1/sweeps",
            {
                "scenario_id": seeded.plan_scenario_id,
                "vary": [
                    {
                        "parameter": "channel_growth",
                        "channel": "hulplijn",
                        "values": ["0.20", "0.30", "0.40"],
                    },
                ],
            },
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [p["values"]["channel_growth hulplijn"] for p in body["points"]] == [
            "0.2",
            "0.3",
            "0.4",
        ]
        gaps = [Decimal(p["years"][-1]["gap"]) for p in body["points"]]
        assert gaps == sorted(gaps) and gaps[0] < gaps[-1]
        plan = call("POST", "/v1/plans", {"scenario_id": seeded.plan_scenario_id}).json()
        at_30 = body["points"][1]["years"]
        for year, planned in zip(at_30, plan["years"], strict=True):
            assert year["ministries"] == {ln["ministry"]: ln["total"] for ln in planned["lines"]}
        jenv_2031 = [Decimal(p["years"][-1]["ministries"]["JenV"]) for p in body["points"]]
        assert body["ranges"]["JenV"]["2031"] == {
            "min": f"{min(jenv_2031):.2f}",
            "max": f"{max(jenv_2031):.2f}",
        }

    def test_nothing_is_stored(self, call, seeded: Seeded):
        before = call("GET", "/v1/allocations").json()["total"]
        body = {
            "scenario_id": seeded.scenario_id,
            "vary": [{"parameter": "weight", "ministry": "EZ", "values": [1, 2]}],
        }
        assert call("POST", "/v1/sweeps", body).status_code == 200
        assert call("GET", "/v1/allocations").json()["total"] == before

    def test_a_grid_past_the_limit_gets_422_naming_it(self, call, seeded: Seeded):
        body = {
            "scenario_id": seeded.plan_scenario_id,
            "vary": [
                {"parameter": "weight", "ministry": "EZ", "values": list(range(1, 10))},
                {"parameter": "weight", "ministry": "BZ", "values": list(range(1, 10))},
            ],
        }
        answer = call("POST", "/v1/sweeps", body)
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "vary"
        assert "at most 100" in answer.json()["detail"]

    def test_readers_cannot_sweep(self, call, seeded: Seeded):
        body = {
            "scenario_id": seeded.scenario_id,
            "vary": [{"parameter": "weight", "ministry": "EZ", "values": [1]}],
        }
        assert call("POST", "/v1/sweeps", body, holder="reader").status_code == 403


class TestRijksbegrotingLayout:
    @pytest.fixture
    def published_plan(self, call, seeded: Seeded) -> dict[str, Any]:
        plan = call("POST", "/v1/plans", {"scenario_id": seeded.plan_scenario_id}).json()
        etag = call("GET", f"/v1/plans/{plan['id']}").headers["etag"]
        answer = call(
            "POST",
            f"/v1/plans/{plan['id']}/publish",
            {"acknowledge_unadopted_weights": True},
            headers={"If-Match": etag},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def _layout(self, call, **params: str) -> Any:
        query = {"from": "2027", "to": "2031", "format": "csv", "layout": "rijksbegroting"}
        return call("GET", "/v1/budget-table", holder="reader", params={**query, **params})

    def test_the_columns_are_those_of_the_open_data_budget_tables(self, call, published_plan):
        ours = list(csv.reader(io.StringIO(self._layout(call).text)))
        sample = list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8"))))
        assert ours[0] == sample[0]
        assert {len(row) for row in ours} == {len(sample[0])}

    def test_a_reader_of_that_layout_finds_each_chapters_amounts_for_t_to_t4(
        self, call, published_plan
    ):
        table = call(
            "GET", "/v1/budget-table", holder="reader", params={"from": "2027", "to": "2031"}
        ).json()
        expected = {row["chapter"]: row["amounts"] for row in table["rows"]}

        def read(text: str) -> dict[str, list[str]]:
            rows = csv.DictReader(io.StringIO(text))
            return {
                row["Begroting"]: [row[f"Bedrag t{k}"] for k in ("", "+1", "+2", "+3", "+4")]
                for row in rows
                if row["V/U/O (Verplichtingen/Uitgaven/Ontvangsten)"] == "U"
            }

        ours = read(self._layout(call).text)
        assert ours == {
            chapter: [str(amounts[str(year)]) for year in range(2027, 2032)]
            for chapter, amounts in expected.items()
        }
        assert read(SAMPLE.read_text(encoding="utf-8"))["XVI"] == ["100"] * 5

    def test_the_layout_needs_the_years_t_to_t_plus_4(self, call, published_plan):
        answer = self._layout(call, to="2029")
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "to"
