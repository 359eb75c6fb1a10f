"""Multi-year plans: every projected year allocated in one act, published in one transaction,
read by the budget table and the finance share like any published report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.services.figures import round_column
from tests.conftest import Seeded, auth

ACK = {"acknowledge_unadopted_weights": True}
YEARS = [2027, 2028, 2029, 2030, 2031]


def _cents(amount: str) -> int:
    return int(Decimal(amount).scaleb(2))


class Plans:
    def __init__(self, client: TestClient, keys: dict[str, str], seeded: Seeded) -> None:
        self.client, self.keys, self.seeded = client, keys, seeded

    def create(self, body: dict[str, Any] | None = None, holder: str = "negotiator") -> Any:
        return self.client.post(
            "/v1/plans",
            headers=auth(self.keys[holder]),
            json=body or {"scenario_id": self.seeded.plan_scenario_id},
        )

    def publish(self, plan_id: int, body: dict[str, Any] | None = ACK) -> Any:
        headers = auth(self.keys["negotiator"])
        etag = self.client.get(f"/v1/plans/{plan_id}", headers=headers).headers["etag"]
        return self.client.post(
            f"/v1/plans/{plan_id}/publish", headers={**headers, "If-Match": etag}, json=body
        )

    def get(self, path: str, holder: str = "reader", **params: Any) -> Any:
        return self.client.get(path, headers=auth(self.keys[holder]), params=params)


@pytest.fixture
def plans(client: TestClient, keys: dict[str, str], seeded: Seeded) -> Plans:
    return Plans(client, keys, seeded)


@pytest.fixture
def published(plans: Plans) -> dict[str, Any]:
    created = plans.create()
    assert created.status_code == 201, created.text
    answer = plans.publish(created.json()["id"])
    assert answer.status_code == 200, answer.text
    return answer.json()


class TestCreating:
    def test_the_seeded_plan_gives_one_chained_report_per_year(self, plans: Plans):
        created = plans.create()
        assert created.status_code == 201, created.text
        plan = created.json()
        assert [year["year"] for year in plan["years"]] == YEARS
        ids = [year["report_id"] for year in plan["years"]]
        assert ids == list(range(ids[0], ids[0] + 5))
        assert plan["state"] == "unpublished"
        assert created.headers["location"] == f"/v1/plans/{plan['id']}"
        for year in plan["years"]:
            report = plans.get(year["href"], holder="negotiator").json()
            assert report["plan"] == {"id": plan["id"], "years": YEARS}
            assert report["report_hash"] == year["report_hash"]
            assert report["request"]["year"] == year["year"]

    def test_each_year_shows_need_gap_and_who_pays_what_versus_today(self, plans: Plans):
        plan = plans.create().json()
        first = plan["years"][0]
        assert first["need"] == "5101917.57"
        assert first["current"] == "4150000.00"
        assert first["gap"] == "951917.57"
        jenv = next(line for line in first["lines"] if line["ministry"] == "JenV")
        assert jenv["today"] == "3650000.00"
        assert _cents(jenv["change"]) == _cents(jenv["total"]) - _cents(jenv["today"])
        for year in plan["years"]:
            assert sum(_cents(line["total"]) for line in year["lines"]) == _cents(year["total"])

    def test_bzks_fixed_contribution_holds_in_2027_and_not_in_2028(self, plans: Plans):
        plan = plans.create().json()
        bzk = {
            year["year"]: next(ln for ln in year["lines"] if ln["ministry"] == "BZK")
            for year in plan["years"]
        }
        assert bzk[2027]["total"] == "500000.00"
        assert bzk[2028]["total"] != "500000.00"
        assert bzk[2028]["today"] == "0.00"
        report_2027 = plans.get(plan["years"][0]["href"], holder="negotiator").json()
        line = next(ln for ln in report_2027["lines"] if ln["ministry"] == "BZK")
        assert "fixed" in line["binding"]

    def test_a_scenario_without_projection_is_a_one_year_plan(self, plans: Plans):
        created = plans.create({"scenario_id": plans.seeded.scenario_id})
        assert created.status_code == 201
        assert [year["year"] for year in created.json()["years"]] == [2027]

    def test_readers_cannot_make_plans_nor_see_unpublished_ones(self, plans: Plans):
        assert plans.create(holder="reader").status_code == 403
        plan = plans.create().json()
        assert plans.get(f"/v1/plans/{plan['id']}").status_code == 403
        assert plans.get("/v1/plans").json()["items"] == []


class TestPublishing:
    def test_publishing_the_plan_fills_the_budget_table_for_every_year(
        self, plans: Plans, published: dict[str, Any]
    ):
        assert published["state"] == "published"
        table = plans.get("/v1/budget-table", **{"from": 2027, "to": 2031}).json()
        assert table["missing_years"] == []
        assert len(table["rows"]) == 6
        for year in published["years"]:
            column = {line["ministry"]: _cents(line["total"]) for line in year["lines"]}
            rounded, total = round_column(column, unit=100_000)
            key = str(year["year"])
            assert table["totals"][key] == total
            assert sum(row["amounts"][key] for row in table["rows"]) == total
            assert {row["ministry"]: row["amounts"][key] for row in table["rows"]} == rounded

    def test_the_finance_share_of_each_year_equals_its_report_to_the_cent(
        self, plans: Plans, published: dict[str, Any]
    ):
        for year in published["years"]:
            share = plans.get(
                "/v1/ministries/JenV/share", holder="finance_jenv", year=year["year"]
            ).json()
            report = plans.get(year["href"], holder="finance_jenv").json()
            line = next(ln for ln in report["lines"] if ln["ministry"] == "JenV")
            assert share["total"] == line["total"]
            assert share["pools"] == line["pools"]
            assert share["report"]["id"] == year["report_id"]
            assert share["publication"]["plan_id"] == published["id"]
            assert share["today"]["pays_today"] == "3650000.00"

    def test_a_second_plan_supersedes_the_first_year_by_year_with_history(
        self, plans: Plans, published: dict[str, Any]
    ):
        second = plans.create({"scenario_id": plans.seeded.plan_scenario_id, "rule": "equal"})
        assert plans.publish(second.json()["id"]).status_code == 200
        first = plans.get(f"/v1/plans/{published['id']}").json()
        assert first["state"] == "superseded"
        history = plans.get("/v1/publications", year=2029).json()["items"]
        assert [(p["report_id"], p["supersedes_report_id"]) for p in history] == [
            (published["years"][2]["report_id"], None),
            (second.json()["years"][2]["report_id"], published["years"][2]["report_id"]),
        ]

    def test_publishing_without_acknowledging_unadopted_weights_is_refused(self, plans: Plans):
        plan = plans.create().json()
        refused = plans.publish(plan["id"], body=None)
        assert refused.status_code == 409
        assert "acknowledge_unadopted_weights" in refused.json()["detail"]
        assert plans.get("/v1/publications", holder="negotiator").json()["items"] == []

    def test_a_plan_with_an_infeasible_year_is_not_published_at_all(self, plans: Plans):
        document = {
            "year": 2027,
            "base": "1000000.00",
            "weights": {"JenV": 1, "BZK": 1},
            "constraints": {"ceilings": {"JenV": "600000.00", "BZK": "600000.00"}},
            "projection": {"years": 3, "base_indexation": "0.10"},
        }
        plan = plans.create({"scenario": document}).json()
        assert [y["status"] for y in plan["years"]] == ["optimal", "optimal", "infeasible"]
        refused = plans.publish(plan["id"])
        assert refused.status_code == 409
        assert "2029" in refused.json()["detail"]
        assert plans.get("/v1/publications", holder="negotiator").json()["items"] == []

    def test_publishing_with_a_stale_etag_is_refused(self, plans: Plans):
        plan = plans.create().json()
        headers = {**auth(plans.keys["negotiator"]), "If-Match": 'W/"plan0.0"'}
        stale = plans.client.post(f"/v1/plans/{plan['id']}/publish", headers=headers, json=ACK)
        assert stale.status_code == 412

    def test_the_plan_hash_ties_the_years_together(self, plans: Plans, published: dict[str, Any]):
        from allocation.report import sha256_of

        body = {
            key: published[key]
            for key in ("id", "rule", "first_year", "last_year", "input_hash", "scenario_ref")
        }
        body["created_at"] = published["created_at"]
        body["created_by"] = published["created_by"]
        body["years"] = [
            {k: year[k] for k in ("year", "report_id", "report_hash", "status")}
            for year in published["years"]
        ]
        assert sha256_of(body) == published["plan_hash"]
