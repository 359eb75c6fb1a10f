"""The plan pages: a negotiator makes a plan from a stored scenario, reads its years with the
API's own figures in Dutch notation, and publishes it after a confirmation; the other roles
see what the API lets them see."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from app.web.formatting import euro, percent, signed_euro
from tests.conftest import Seeded, auth
from tests.web.conftest import HTML, form_token, sign_in

YEARS = [2027, 2028, 2029, 2030, 2031]


def _make(client: TestClient, token: str, seeded: Seeded, **extra: str) -> Any:
    return client.post(
        "/plannen",
        data={"csrf_token": token, "scenario": str(seeded.plan_scenario_id), **extra},
        headers=HTML,
        follow_redirects=False,
    )


def _made_plan(client: TestClient, keys: dict[str, str], seeded: Seeded) -> int:
    token = sign_in(client, keys["negotiator"])
    made = _make(client, token, seeded)
    assert made.status_code == 303, made.text
    found = re.fullmatch(r"/plannen/(\d+)\?nieuw=1", made.headers["location"])
    assert found, made.headers["location"]
    return int(found.group(1))


def _published_plan(
    client: TestClient, keys: dict[str, str], seeded: Seeded, **extra: str
) -> dict[str, Any]:
    editor = auth(keys["negotiator"])
    made = client.post(
        "/v1/plans", headers=editor, json={"scenario_id": seeded.plan_scenario_id, **extra}
    ).json()
    etag = client.get(f"/v1/plans/{made['id']}", headers=editor).headers["etag"]
    published = client.post(
        f"/v1/plans/{made['id']}/publish",
        headers={**editor, "If-Match": etag},
        json={"acknowledge_unadopted_weights": True},
    )
    assert published.status_code == 200, published.text
    return dict(published.json())


def _row(page: str, table: str, attribute: str, value: object) -> str:
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    found = re.search(rf'<tr [^>]*{attribute}="{value}"[^>]*>(.*?)</tr>', body, re.S)
    assert found, f"no row {attribute}={value} in #{table}"
    return found.group(1)


class TestMakingAndPublishing:
    def test_a_negotiator_makes_reads_and_publishes_a_plan(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        plan_id = _made_plan(client, keys, seeded)
        page = client.get(f"/plannen/{plan_id}", headers=HTML)
        assert page.status_code == 200
        api = client.get(f"/v1/plans/{plan_id}", headers=auth(keys["negotiator"])).json()
        assert [year["year"] for year in api["years"]] == YEARS
        assert 'data-chart-kind="line"' in page.text and 'role="img"' in page.text
        for year in api["years"]:
            funding = _row(page.text, "funding", "data-year", year["year"])
            for field in ("need", "external", "total", "current", "gap"):
                assert euro(year[field]) in funding, (year["year"], field)
            assert percent(year["gap_pct"]) in funding
            assert f'href="/rapporten/{year["report_id"]}"' in funding
            for line in year["lines"]:
                amounts = _row(page.text, "plan-amounts", "data-ministry", line["ministry"])
                assert f'data-value="{line["total"]}">{euro(line["total"])}<' in amounts
                change = _row(
                    page.text, f"changes-{year['year']}", "data-ministry", line["ministry"]
                )
                assert euro(line["today"]) in change and euro(line["total"]) in change
                assert signed_euro(line["change"]) in change
        assert "€ 951.917,57" in page.text  # the gap of 2027, as in the README

        confirmation = client.get(f"/plannen/{plan_id}/publiceren", headers=HTML)
        assert confirmation.status_code == 200
        for year in api["years"]:
            row = _row(confirmation.text, "changes", "data-year", year["year"])
            assert f"Rapport {year['report_id']}" in row
        assert 'name="acknowledge"' in confirmation.text
        revision = re.search(r'name="revision" value="([^"]+)"', confirmation.text)
        assert revision
        published = client.post(
            f"/plannen/{plan_id}/publiceren",
            data={
                "csrf_token": form_token(confirmation.text),
                "revision": revision.group(1),
                "acknowledge": "yes",
            },
            headers=HTML,
            follow_redirects=False,
        )
        assert published.status_code == 303, published.text
        assert published.headers["location"] == f"/plannen/{plan_id}?gepubliceerd=1"
        after = client.get(published.headers["location"], headers=HTML).text
        assert "is nu officieel" in after

        table = client.get(
            "/v1/budget-table", headers=auth(keys["reader"]), params={"from": 2027, "to": 2031}
        ).json()
        assert table["missing_years"] == []
        for year in api["years"]:
            share = client.get(
                "/v1/ministries/JenV/share",
                headers=auth(keys["finance_jenv"]),
                params={"year": year["year"]},
            ).json()
            jenv = next(line for line in year["lines"] if line["ministry"] == "JenV")
            assert share["report"]["id"] == year["report_id"]
            assert share["total"] == jenv["total"]

    def test_publishing_without_the_acknowledgement_names_the_box(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        plan_id = _made_plan(client, keys, seeded)
        confirmation = client.get(f"/plannen/{plan_id}/publiceren", headers=HTML).text
        revision = re.search(r'name="revision" value="([^"]+)"', confirmation)
        assert revision
        refused = client.post(
            f"/plannen/{plan_id}/publiceren",
            data={"csrf_token": form_token(confirmation), "revision": revision.group(1)},
            headers=HTML,
        )
        assert refused.status_code == 409
        assert 'href="#acknowledge"' in refused.text
        assert (
            client.get("/v1/publications", headers=auth(keys["negotiator"])).json()["items"] == []
        )

    def test_a_stale_revision_is_refused_with_a_page(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        plan_id = _made_plan(client, keys, seeded)
        token = form_token(client.get(f"/plannen/{plan_id}/publiceren", headers=HTML).text)
        refused = client.post(
            f"/plannen/{plan_id}/publiceren",
            data={"csrf_token": token, "revision": "plan0.0", "acknowledge": "yes"},
            headers=HTML,
        )
        assert refused.status_code == 412
        assert 'href="#publish-summary"' in refused.text
        assert "govuk-error-summary" in refused.text

    def test_the_confirmation_shows_what_each_ministry_pays_more_or_less_per_year(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        editor = auth(keys["negotiator"])
        equal = _published_plan(client, keys, seeded, rule="equal")
        plan_id = _made_plan(client, keys, seeded)
        plan = client.get(f"/v1/plans/{plan_id}", headers=editor).json()
        confirmation = client.get(f"/plannen/{plan_id}/publiceren", headers=HTML).text
        for new, old in zip(plan["years"], equal["years"], strict=True):
            row = _row(confirmation, "changes", "data-year", new["year"])
            assert f'href="/rapporten/{old["report_id"]}"' in row
            assert f'href="/rapporten/{new["report_id"]}"' in row
        jenv = _row(confirmation, "moves", "data-ministry", "JenV")
        for new, old in zip(plan["years"], equal["years"], strict=True):
            pays = {line["ministry"]: line["total"] for line in old["lines"]}
            line = next(ln for ln in new["lines"] if ln["ministry"] == "JenV")
            moved = int(Decimal(line["total"]) * 100) - int(Decimal(pays["JenV"]) * 100)
            assert signed_euro(moved) in jenv


class TestRefusals:
    def test_a_finance_key_cannot_make_plans(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        token = sign_in(client, keys["finance_jenv"])
        listing = client.get("/plannen", headers=HTML)
        assert listing.status_code == 200 and 'id="plan-form"' not in listing.text
        refused = _make(client, token, seeded)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert client.get("/v1/plans", headers=auth(keys["admin"])).json()["total"] == 0

    def test_a_form_without_the_token_is_refused(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        sign_in(client, keys["negotiator"])
        refused = _make(client, "", seeded)
        assert refused.status_code == 403
        assert "Dit formulier is niet aangenomen" in refused.text
        assert client.get("/v1/plans", headers=auth(keys["admin"])).json()["total"] == 0

    def test_a_reader_sees_published_plans_only(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        draft = _made_plan(client, keys, seeded)
        published = _published_plan(client, keys, seeded, rule="equal")
        client.cookies.clear()
        sign_in(client, keys["reader"])
        listing = client.get("/plannen", headers=HTML).text
        assert f'href="/plannen/{published["id"]}"' in listing
        assert f'href="/plannen/{draft}"' not in listing
        assert 'id="plan-form"' not in listing
        assert client.get(f"/plannen/{draft}", headers=HTML).status_code == 403
        assert client.get(f"/plannen/{published['id']}", headers=HTML).status_code == 200
        assert client.get(f"/plannen/{published['id']}/publiceren", headers=HTML).status_code == 403
