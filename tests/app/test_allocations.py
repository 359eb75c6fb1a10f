"""Allocation runs over the API: chained immutable reports, idempotency, publication, exports,
verification and tampering, and the three kinds of user end to end."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from app.schemas import SCENARIO_EXAMPLE
from tests.conftest import Seeded, assert_append_only, auth

INLINE = {**SCENARIO_EXAMPLE, "constraints": {"max_share": "0.30"}}


class Api:
    """A test client speaking as one key holder."""

    def __init__(self, client: TestClient, key: str, seeded: Seeded) -> None:
        self.client = client
        self.headers = auth(key)
        self.seeded = seeded
        self.seeded_run = {"scenario_id": seeded.scenario_id}

    def get(self, path: str, **params: Any):
        return self.client.get(path, headers=self.headers, params=params)

    def post(self, path: str, body: Any = None, **headers: str):
        return self.client.post(path, headers={**self.headers, **headers}, json=body)

    def publish(self, report_id: int, *, acknowledge: bool = True):
        """Publish as a careful client does: with the ETag of a fresh GET. The seeded weights
        are an unadopted placeholder, so publishing them needs the acknowledgement."""
        etag = self.get(f"/v1/allocations/{report_id}").headers.get("etag", "")
        body = {"acknowledge_unadopted_weights": True} if acknowledge else None
        return self.post(f"/v1/allocations/{report_id}/publish", body, **{"If-Match": etag})


@pytest.fixture
def as_(client: TestClient, keys: dict[str, str], seeded: Seeded):
    return lambda holder: Api(client, keys[holder], seeded)


def _run(api: Api, body: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
    response = api.post("/v1/allocations", body or api.seeded_run, **headers)
    assert response.status_code == 201, response.text
    return response.json()


def _cents(amount: str) -> int:
    return int(Decimal(amount).scaleb(2))


class TestRunning:
    def test_the_seeded_2027_scenario_runs_exactly_to_the_cent(self, as_):
        report = _run(as_("negotiator"))
        assert report["status"] == "optimal"
        assert report["year"] == 2027
        assert report["pools"] == {
            "base": "5000000.00",
            "hulplijn": "90500.00",
            "preventielijn": "7800.00",
            "meldpunt": "3617.57",
        }
        assert report["total"] == "5101917.57"
        assert sum(_cents(line["total"]) for line in report["lines"]) == _cents(report["total"])
        for pool, amount in report["pools"].items():
            assert sum(_cents(line["pools"][pool]) for line in report["lines"]) == _cents(amount)

    def test_the_report_holds_the_resolved_snapshot(self, as_):
        api = as_("negotiator")
        report = _run(api)
        snapshot = report["snapshot"]
        assert snapshot["weight_set"]["id"] == api.seeded.weight_set_id
        assert snapshot["weight_set"]["version"] == 1
        assert snapshot["weight_set"]["weights"]["JenV"] == "1"
        assert snapshot["ministries"]["JenV"] == {"name": "Justitie en Veiligheid", "chapter": "VI"}
        assert snapshot["scenario"]["weights"]["OCW"] == "1"
        assert report["scenario_ref"]["id"] == api.seeded.scenario_id
        assert report["engine"]["name"] and report["solver"]["name"] == "highs"
        assert report["created_by"].endswith("(negotiator)")

    def test_reports_form_one_chain(self, as_):
        api = as_("negotiator")
        first, second = _run(api), _run(api, {"scenario": INLINE})
        assert second["id"] == first["id"] + 1
        assert second["prev_hash"] == first["report_hash"]
        assert first["report_hash"] != second["report_hash"]

    def test_an_infeasible_input_is_stored_as_an_answer(self, as_):
        infeasible = {**INLINE, "constraints": {"max_share": "0.10"}}
        report = _run(as_("negotiator"), {"scenario": infeasible})
        assert report["status"] == "infeasible"
        assert any("max_share" in problem for problem in report["problems"])

    def test_a_bad_inline_scenario_names_the_field(self, as_):
        bad = {**INLINE, "weights": {**INLINE["weights"], "BZK": -1}}
        response = as_("negotiator").post("/v1/allocations", {"scenario": bad})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "scenario.weights.BZK"

    def test_an_unknown_ministry_in_an_inline_scenario_is_named(self, as_):
        bad = {**INLINE, "weights": {"JenV": 1, "XYZ": 1}, "variable": []}
        response = as_("negotiator").post("/v1/allocations", {"scenario": bad})
        assert response.status_code == 422
        assert response.json()["errors"][0] == {
            "field": "scenario.weights.XYZ",
            "message": "unknown ministry 'XYZ'",
        }

    def test_readers_and_finance_cannot_run_allocations(self, as_):
        for holder in ("reader", "finance_jenv"):
            assert as_(holder).post("/v1/allocations", as_(holder).seeded_run).status_code == 403


class TestIdempotency:
    def test_a_retry_with_the_same_key_returns_the_same_report_and_creates_none(self, as_):
        api = as_("negotiator")
        first = _run(api, **{"Idempotency-Key": "run-2027-a"})
        retry = api.post("/v1/allocations", api.seeded_run, **{"Idempotency-Key": "run-2027-a"})
        assert retry.status_code == 200
        assert retry.json()["id"] == first["id"]
        assert retry.json()["report_hash"] == first["report_hash"]
        assert _run(api)["id"] == first["id"] + 1

    def test_the_same_key_with_another_body_is_refused(self, as_):
        api = as_("negotiator")
        _run(api, **{"Idempotency-Key": "run-2027-b"})
        clash = api.post(
            "/v1/allocations",
            {**api.seeded_run, "rule": "equal"},
            **{"Idempotency-Key": "run-2027-b"},
        )
        assert clash.status_code == 409
        assert "Idempotency-Key" in clash.json()["detail"]


class TestPublishing:
    def test_finance_sees_a_report_only_once_it_is_published(self, as_):
        report = _run(as_("negotiator"))
        path = f"/v1/allocations/{report['id']}"
        assert as_("finance_jenv").get(path).status_code == 403
        assert as_("reader").get(path).status_code == 403
        assert as_("negotiator").publish(report["id"]).status_code == 200
        assert as_("finance_jenv").get(path).status_code == 200
        assert as_("reader").get(path).json()["publication"]["state"] == "published"

    def test_publishing_another_report_for_the_year_supersedes_the_first(self, as_):
        api = as_("negotiator")
        first, second = _run(api), _run(api, {"scenario": INLINE})
        api.publish(first["id"])
        api.publish(second["id"])
        old = api.get(f"/v1/allocations/{first['id']}").json()["publication"]
        assert old["state"] == "superseded" and old["superseded_by"] == second["id"]
        history = api.get("/v1/publications", year=2027).json()["items"]
        assert [(p["report_id"], p["supersedes_report_id"]) for p in history] == [
            (first["id"], None),
            (second["id"], first["id"]),
        ]

    def test_of_two_publishers_racing_for_one_year_the_later_is_told(self, as_):
        api = as_("negotiator")
        first, second = _run(api), _run(api, {"scenario": INLINE})
        etag = api.get(f"/v1/allocations/{first['id']}").headers["etag"]
        ack = {"acknowledge_unadopted_weights": True}
        won = api.post(f"/v1/allocations/{first['id']}/publish", ack, **{"If-Match": etag})
        lost = api.post(f"/v1/allocations/{second['id']}/publish", ack, **{"If-Match": etag})
        assert (won.status_code, lost.status_code) == (200, 412)
        assert api.get(f"/v1/allocations/{second['id']}").json()["publication"]["state"] == (
            "unpublished"
        )

    def test_publishing_without_if_match_is_refused_with_428(self, as_):
        report = _run(as_("negotiator"))
        response = as_("negotiator").post(f"/v1/allocations/{report['id']}/publish")
        assert response.status_code == 428

    def test_an_infeasible_report_cannot_be_published(self, as_):
        report = _run(
            as_("negotiator"), {"scenario": {**INLINE, "constraints": {"max_share": "0.1"}}}
        )
        refused = as_("negotiator").publish(report["id"])
        assert refused.status_code == 409

    def test_publishing_needs_a_negotiator_or_admin(self, as_):
        report = _run(as_("admin"))
        for holder in ("reader", "finance_jenv"):
            assert as_(holder).post(f"/v1/allocations/{report['id']}/publish").status_code == 403


class TestUnadoptedWeights:
    """A report on weights nobody adopted says so, and is never published silently."""

    def test_every_report_says_where_its_weights_come_from(self, as_):
        api = as_("negotiator")
        seeded = _run(api)
        assert seeded["weights_source"] == {
            "kind": "weight_set",
            "adopted": False,
            "id": api.seeded.weight_set_id,
            "name": "Illustrative equal weights (placeholder)",
            "version": 1,
            "status": "draft",
        }
        assert any("which is draft, not adopted" in w for w in seeded["warnings"])
        inline = _run(api, {"scenario": INLINE})
        assert (inline["weights_source"]["kind"], inline["weights_source"]["adopted"]) == (
            "inline",
            False,
        )
        assert any("given with the request itself" in w for w in inline["warnings"])

    def test_publishing_a_draft_based_report_is_refused_naming_the_weight_set(self, as_):
        api = as_("negotiator")
        report = _run(api)
        refused = api.publish(report["id"], acknowledge=False)
        assert refused.status_code == 409
        assert "'Illustrative equal weights (placeholder)' version 1" in refused.json()["detail"]
        assert "acknowledge_unadopted_weights" in refused.json()["detail"]
        assert api.get("/v1/publications").json()["items"] == []

    def test_an_acknowledged_publication_is_stored_and_shown_in_the_share(self, as_):
        api = as_("negotiator")
        report = _run(api)
        assert api.publish(report["id"]).status_code == 200
        [publication] = api.get("/v1/publications").json()["items"]
        assert publication["acknowledged_unadopted_weights"] is True
        share = as_("finance_jenv").get("/v1/ministries/JenV/share", year=2027).json()
        assert share["weights_source"]["adopted"] is False
        assert share["publication"]["acknowledged_unadopted_weights"] is True
        assert any("not adopted" in warning for warning in share["warnings"])

    def test_a_report_on_an_adopted_set_is_published_without_acknowledgement(self, as_):
        api = as_("negotiator")
        created = api.post(
            "/v1/weight-sets", {"name": "Mandaat 2027", "weights": INLINE["weights"]}
        ).json()
        etag = api.get(f"/v1/weight-sets/{created['id']}").headers["etag"]
        adopted = api.post(f"/v1/weight-sets/{created['id']}/adopt", **{"If-Match": etag})
        assert adopted.status_code == 200
        document = {k: v for k, v in INLINE.items() if k != "weights"}
        document["weight_set"] = {"id": created["id"]}
        report = _run(api, {"scenario": document})
        assert report["weights_source"]["adopted"] is True
        assert not any("not adopted" in warning for warning in report["warnings"])
        assert api.publish(report["id"], acknowledge=False).status_code == 200
        [publication] = api.get("/v1/publications").json()["items"]
        assert publication["acknowledged_unadopted_weights"] is False

    def test_a_draft_adopted_after_the_run_counts_only_if_its_weights_are_unchanged(self, as_):
        api = as_("negotiator")
        created = api.post("/v1/weight-sets", {"name": "Later", "weights": {"JenV": 1}}).json()
        document = {"year": 2027, "base": "100.00", "weight_set": {"id": created["id"]}}
        report = _run(api, {"scenario": document})
        set_path = f"/v1/weight-sets/{created['id']}"
        etag = api.get(set_path).headers["etag"]
        patched = api.client.patch(
            set_path,
            headers={**api.headers, "If-Match": etag},
            json={"weights": {"JenV": 2}},
        )
        assert patched.status_code == 200
        etag = api.get(set_path).headers["etag"]
        assert api.post(f"{set_path}/adopt", **{"If-Match": etag}).status_code == 200
        refused = api.publish(report["id"], acknowledge=False)
        assert refused.status_code == 409
        assert "differ from the adopted" in refused.json()["detail"]


class TestOneProjectedYear:
    def test_a_run_of_one_projected_year_solves_that_year_only(self, as_, monkeypatch):
        import allocation.projection

        solved: list[int] = []
        real = allocation.projection.allocate

        def counting(scenario, **kwargs):  # type: ignore[no-untyped-def]
            solved.append(scenario.year)
            return real(scenario, **kwargs)

        monkeypatch.setattr(allocation.projection, "allocate", counting)
        document = {**INLINE, "projection": {"years": 5, "contact_growth": "0.30"}}
        report = _run(as_("negotiator"), {"scenario": document, "year": 2030})
        assert report["year"] == 2030
        assert solved == [2030]

    def test_the_one_year_report_equals_that_year_of_the_whole_projection(self):
        import allocation

        document = {**INLINE, "projection": {"years": 5, "contact_growth": "0.30"}}
        scenario = allocation.parse_scenario(document)
        whole = allocation.allocate_years(scenario).reports[3].to_dict()
        alone = allocation.allocate_year(scenario, 2030).to_dict()
        assert alone == whole

    def test_a_year_outside_the_projection_is_named(self, as_):
        response = as_("negotiator").post("/v1/allocations", {"scenario": INLINE, "year": 2031})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "year"


class TestShare:
    def test_finance_reads_its_own_share_with_breakdown_and_link(self, as_):
        report = _run(as_("negotiator"))
        as_("negotiator").publish(report["id"])
        share = as_("finance_jenv").get("/v1/ministries/JenV/share", year=2027)
        assert share.status_code == 200
        body = share.json()
        line = next(ln for ln in report["lines"] if ln["ministry"] == "JenV")
        assert body["total"] == line["total"]
        assert body["pools"] == line["pools"]
        assert body["target"] == line["target"] and body["deviation"] == line["deviation"]
        assert body["report"]["href"] == f"/v1/allocations/{report['id']}"
        assert body["chapter"] == "VI"

    def test_another_ministrys_finance_key_gets_403(self, as_):
        report = _run(as_("negotiator"))
        as_("negotiator").publish(report["id"])
        assert as_("finance_bzk").get("/v1/ministries/JenV/share", year=2027).status_code == 403
        assert as_("reader").get("/v1/ministries/JenV/share", year=2027).status_code == 200

    def test_a_year_without_publication_is_a_404_that_says_so(self, as_):
        response = as_("finance_jenv").get("/v1/ministries/JenV/share", year=2030)
        assert response.status_code == 404
        assert response.json()["detail"] == "no allocation is published for 2030"


class TestComparisons:
    def test_three_rules_side_by_side_with_differences(self, as_):
        response = as_("negotiator").post("/v1/comparisons", {"scenario": INLINE})
        assert response.status_code == 200
        body = response.json()
        assert [c["key"] for c in body["columns"]] == ["proportional", "equal", "constrained"]
        jenv = next(r for r in body["rows"] if r["ministry"] == "JenV")
        diff = _cents(jenv["amounts"]["equal"]) - _cents(jenv["amounts"]["proportional"])
        assert _cents(jenv["differences"]["equal"]["eur"]) == diff
        for column in ("proportional", "equal", "constrained"):
            assert sum(_cents(r["amounts"][column]) for r in body["rows"]) == _cents(
                body["columns"][0]["total"]
            )

    def test_a_comparison_stores_and_publishes_nothing(self, as_):
        api = as_("negotiator")
        before = api.get("/v1/allocations").json()["total"]
        assert api.post("/v1/comparisons", api.seeded_run).status_code == 200
        assert api.get("/v1/allocations").json()["total"] == before

    def test_two_stored_reports_can_be_compared(self, as_):
        api = as_("negotiator")
        first, second = _run(api), _run(api, {"scenario": INLINE})
        body = api.post("/v1/comparisons", {"report_ids": [first["id"], second["id"]]}).json()
        assert body["baseline"] == f"report {first['id']}"
        assert len(body["rows"]) == 6

    def test_finance_and_readers_cannot_compare(self, as_):
        for holder in ("reader", "finance_jenv"):
            assert as_(holder).post("/v1/comparisons", as_(holder).seeded_run).status_code == 403


class TestExports:
    def test_csv_rows_and_totals_row_sum_exactly_to_the_report_total(self, as_):
        report = _run(as_("negotiator"))
        response = as_("negotiator").get(f"/v1/allocations/{report['id']}/export", format="csv")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        amount_key = next(k for k in rows[0] if k.startswith("amount"))
        *parts, totals = rows
        assert sum(_cents(r[amount_key]) for r in parts) == _cents(report["total"])
        assert _cents(totals[amount_key]) == _cents(report["total"])
        assert all("." in r[amount_key] and len(r[amount_key].split(".")[1]) == 2 for r in rows)

    def test_xlsx_totals_equal_the_report_total_to_the_cent(self, as_):
        report = _run(as_("negotiator"))
        as_("negotiator").publish(report["id"])
        response = as_("finance_jenv").get(f"/v1/allocations/{report['id']}/export", format="xlsx")
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.content))
        assert {"Inputs", "Results", "Explanation"} <= set(book.sheetnames)
        numbers = [
            Decimal(str(cell.value)).quantize(Decimal("0.01"))
            for row in book["Results"].iter_rows()
            for cell in row
            if isinstance(cell.value, int | float) and "€" in cell.number_format
        ]
        assert Decimal(report["total"]) in numbers

    def test_html_is_a_printable_page_with_a_chart(self, as_):
        report = _run(as_("negotiator"))
        response = as_("negotiator").get(f"/v1/allocations/{report['id']}/export", format="html")
        assert response.headers["content-type"].startswith("text/html")
        assert 'class="bar bar-0"' in response.text and "@media print" in response.text

    def test_json_export_is_the_report(self, as_):
        report = _run(as_("negotiator"))
        exported = as_("negotiator").get(f"/v1/allocations/{report['id']}/export").json()
        assert exported["report_hash"] == report["report_hash"]


class TestBudgetTable:
    def test_published_years_in_thousands_columns_sum_and_missing_years_named(self, as_):
        report = _run(as_("negotiator"))
        as_("negotiator").publish(report["id"])
        table = as_("reader").get("/v1/budget-table", **{"from": 2027, "to": 2031}).json()
        assert table["unit"] == "x € 1.000"
        assert table["missing_years"] == [2028, 2029, 2030, 2031]
        assert table["totals"]["2027"] == 5102
        assert sum(row["amounts"]["2027"] for row in table["rows"]) == 5102
        assert all(row["amounts"]["2028"] is None for row in table["rows"])
        assert [row["chapter"] for row in table["rows"]] == [
            "V",
            "VI",
            "VII",
            "VIII",
            "XIII",
            "XVI",
        ]
        assert "rounded" in table["rounding"]

    def test_csv_leaves_missing_years_empty(self, as_):
        report = _run(as_("negotiator"))
        as_("negotiator").publish(report["id"])
        response = as_("reader").get(
            "/v1/budget-table", **{"from": 2027, "to": 2028, "format": "csv"}
        )
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0][-2:] == ["2027", "2028"]
        assert all(row[-1] == "" for row in rows[1:])

    def test_a_reversed_range_names_the_field(self, as_):
        response = as_("reader").get("/v1/budget-table", **{"from": 2031, "to": 2027})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "to"


class TestVerification:
    def test_an_untouched_report_and_the_log_verify(self, as_):
        api = as_("negotiator")
        report = _run(api)
        _run(api, {"scenario": INLINE})
        api.publish(report["id"])
        check = api.get(f"/v1/allocations/{report['id']}/verify").json()
        assert check["valid"] is True, check["problems"]
        assert set(check["checks"]) == {
            "report_hash",
            "prev_hash",
            "entry_signature",
            "inclusion",
            "publications",
            "weight_set_history",
            "scenario_weights",
            "input_hash",
            "result",
        }
        log = api.get("/v1/audit/verify").json()
        assert log["valid"] is True, log["findings"]
        assert (log["tree_size"], log["reports"], log["publications"]) == (3, 2, 1)
        assert log["checked"] == 3 and log["complete"] is True
        assert log["signed_head"]["tree_size"] == 3

    def test_reports_cannot_be_changed_or_deleted_in_the_database(self, db: Session, as_):
        report = _run(as_("negotiator"))
        as_("negotiator").publish(report["id"])
        for table, update in [
            ("allocation_report", "year = 1999"),
            ("publication", "year = 1999"),
            ("log_entry", "kind = 'report'"),
            ("tree_head", "root_hash = ''"),
        ]:
            assert_append_only(db, table, update=update)


class TestTheThreeUsersOfTheReadme:
    def test_negotiator_compares_and_publishes_finance_reads_and_downloads_tooling_reads(self, as_):
        negotiator, finance, tooling = as_("negotiator"), as_("finance_jenv"), as_("reader")
        compared = negotiator.post("/v1/comparisons", negotiator.seeded_run).json()
        assert [c["key"] for c in compared["columns"]] == ["proportional", "equal", "constrained"]
        report = _run(negotiator, {**negotiator.seeded_run, "rule": "constrained"})
        assert negotiator.publish(report["id"]).status_code == 200

        share = finance.get("/v1/ministries/JenV/share", year=2027).json()
        assert share["report"]["id"] == report["id"]
        workbook = finance.get(share["report"]["href"] + "/export", format="xlsx")
        assert workbook.status_code == 200
        assert workbook.content[:2] == b"PK"

        table = tooling.get("/v1/budget-table", **{"from": 2027, "to": 2031}).json()
        jenv = next(row for row in table["rows"] if row["ministry"] == "JenV")
        assert jenv["amounts"]["2027"] == round(Decimal(share["total"]) / 1000)
        assert table["missing_years"] == [2028, 2029, 2030, 2031]
