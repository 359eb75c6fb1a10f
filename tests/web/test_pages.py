"""The pages answer people with pages: their errors in HTML, API clients still problem+json;
each role sees what it may, and nothing more."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.web.formatting import euro
from tests.conftest import Seeded, auth
from tests.web.conftest import HTML, form_token, sign_in


def _publish(client: TestClient, keys: dict[str, str], seeded: Seeded) -> dict:  # type: ignore[type-arg]
    made = client.post(
        "/v1/allocations",
        headers=auth(keys["negotiator"]),
        json={"scenario_id": seeded.scenario_id},
    ).json()
    etag = client.get(f"/v1/allocations/{made['id']}", headers=auth(keys["negotiator"])).headers[
        "etag"
    ]
    published = client.post(
        f"/v1/allocations/{made['id']}/publish",
        headers={**auth(keys["negotiator"]), "If-Match": etag},
        json={"acknowledge_unadopted_weights": True},
    )
    assert published.status_code == 200, published.text
    return dict(published.json())


class TestErrorAnswers:
    def test_a_browser_gets_a_page_for_an_unknown_address(self, client: TestClient):
        response = client.get("/bestaat-niet", headers=HTML)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Pagina niet gevonden" in response.text

    def test_an_api_client_still_gets_problem_json(self, client: TestClient):
        response = client.get("/bestaat-niet")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert (
            client.get("/v1/nope", headers=HTML).headers["content-type"]
            == "application/problem+json"
        )

    def test_a_page_with_a_bad_query_value_names_it(self, client: TestClient, keys: dict[str, str]):
        sign_in(client, keys["reader"])
        response = client.get("/aandeel?jaar=tweeduizend", headers=HTML)
        assert response.status_code == 422
        assert "jaar" in response.text and response.headers["content-type"].startswith("text/html")

    def test_signed_out_a_page_sends_the_browser_to_sign_in(self, client: TestClient):
        response = client.get("/aandeel?jaar=2027", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/aanmelden?next=%2Faandeel%3Fjaar%3D2027"

    def test_every_page_has_the_strict_content_security_policy(self, client: TestClient):
        for path in ("/", "/aanmelden", "/uitleg", "/docs"):
            policy = client.get(path).headers["content-security-policy"]
            assert "script-src 'self';" in policy and "unsafe" not in policy, path


class TestRoles:
    def test_a_finance_key_sees_its_own_share(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        report = _publish(client, keys, seeded)
        sign_in(client, keys["finance_jenv"])
        page = client.get("/aandeel?jaar=2027", headers=HTML)
        jenv = next(line for line in report["lines"] if line["ministry"] == "JenV")
        assert page.status_code == 200
        assert f'data-cents="{jenv["total"].replace(".", "")}"' in page.text
        assert "Voor 2027 betaalt Justitie en Veiligheid" in page.text

    def test_a_finance_key_is_refused_another_ministrys_share(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        report = _publish(client, keys, seeded)
        sign_in(client, keys["finance_jenv"])
        page = client.get("/aandeel?jaar=2027&ministerie=BZK", headers=HTML)
        bzk = next(line for line in report["lines"] if line["ministry"] == "BZK")
        assert page.status_code == 403
        assert bzk["total"].replace(".", ",") not in page.text

    def test_finance_and_readers_may_not_compare(self, client: TestClient, keys: dict[str, str]):
        for holder in ("finance_jenv", "reader"):
            client.cookies.clear()
            sign_in(client, keys[holder])
            assert client.get("/vergelijken", headers=HTML).status_code == 403

    def test_readers_do_not_see_unpublished_reports_in_the_list(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        draft = client.post(
            "/v1/allocations",
            headers=auth(keys["negotiator"]),
            json={"scenario_id": seeded.scenario_id},
        ).json()
        sign_in(client, keys["reader"])
        listing = client.get("/rapporten", headers=HTML).text
        assert f'href="/rapporten/{draft["id"]}"' not in listing
        assert client.get(f"/rapporten/{draft['id']}/download/xlsx").status_code == 403

    def test_the_chain_state_is_shown_to_editors_only(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        _publish(client, keys, seeded)
        sign_in(client, keys["reader"])
        assert "data-chain" not in client.get("/controle", headers=HTML).text
        client.cookies.clear()
        sign_in(client, keys["negotiator"])
        assert 'data-chain="valid"' in client.get("/controle", headers=HTML).text

    def test_the_audit_page_shows_the_signed_head_the_api_serves(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        _publish(client, keys, seeded)
        head = client.get("/v1/audit/head", headers=auth(keys["reader"])).json()
        published_keys = client.get("/v1/audit/keys").json()["keys"]
        sign_in(client, keys["reader"])
        page = client.get("/controle", headers=HTML).text
        shown = page.split('id="signed-head"', 1)[1].split("</dl>", 1)[0]
        assert f'<dd class="govuk-summary-list__value">{head["tree_size"]}</dd>' in shown
        assert head["root_hash"] in shown and head["key_id"] in shown
        assert all(key["key_id"] in page for key in published_keys)
        assert "Ondertekend met de sleutel van de dienst" in page


class TestShareOverTheYears:
    def test_a_published_plan_shows_finance_its_share_for_every_year(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        editor = auth(keys["negotiator"])
        plan = client.post(
            "/v1/plans", headers=editor, json={"scenario_id": seeded.plan_scenario_id}
        ).json()
        etag = client.get(f"/v1/plans/{plan['id']}", headers=editor).headers["etag"]
        published = client.post(
            f"/v1/plans/{plan['id']}/publish",
            headers={**editor, "If-Match": etag},
            json={"acknowledge_unadopted_weights": True},
        )
        assert published.status_code == 200, published.text
        sign_in(client, keys["finance_jenv"])
        page = client.get("/aandeel?jaar=2029", headers=HTML).text
        table = page.split('id="share-by-year"', 1)[1].split("</table>", 1)[0]
        for year in range(2027, 2032):
            share = client.get(
                "/v1/ministries/JenV/share",
                headers=auth(keys["finance_jenv"]),
                params={"year": year},
            ).json()
            assert f'data-year="{year}">{euro(share["total"])}</td>' in table


class TestDownloads:
    def test_the_printable_page_is_standalone_with_its_style_allowed_by_hash(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        report = _publish(client, keys, seeded)
        sign_in(client, keys["reader"])
        response = client.get(f"/rapporten/{report['id']}/download/html", headers=HTML)
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert "style-src 'sha256-" in policy and "script-src" not in policy
        assert "<script" not in response.text and 'lang="nl"' in response.text

    def test_both_csv_dialects_are_offered(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        report = _publish(client, keys, seeded)
        sign_in(client, keys["reader"])
        plain = client.get(f"/rapporten/{report['id']}/download/csv")
        dutch = client.get(f"/rapporten/{report['id']}/download/csv-excel-nl")
        assert plain.text.splitlines()[-1].split(",")[5] == report["total"]
        assert dutch.content.startswith("\ufeff".encode())
        assert dutch.text.splitlines()[-1].split(";")[5] == report["total"].replace(".", ",")


class TestNegotiatorForm:
    def _compare_plan_scenario(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded, year: int
    ) -> tuple[str, dict]:  # type: ignore[type-arg]
        page = client.get(f"/vergelijken?scenario={seeded.plan_scenario_id}", headers=HTML).text
        values = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
        values["year"] = str(year)
        response = client.post("/vergelijken", data=values)
        assert response.status_code == 200, response.text
        api = client.post(
            "/v1/comparisons",
            headers=auth(keys["negotiator"]),
            json={"scenario_id": seeded.plan_scenario_id, "year": year},
        )
        assert api.status_code == 200, api.text
        return response.text, api.json()

    def test_a_scenario_with_todays_streams_is_compared_with_what_each_ministry_pays_today(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        sign_in(client, keys["negotiator"])
        page, api = self._compare_plan_scenario(client, keys, seeded, 2027)
        assert api["baseline"] == "status_quo"
        assert 'data-series="status_quo"' in page
        assert "betaalt nu" in page
        jenv = next(row for row in api["rows"] if row["ministry"] == "JenV")
        today = euro(jenv["amounts"]["status_quo"])
        constrained = euro(jenv["amounts"]["constrained"])
        row = page.split('data-ministry="JenV"', 1)[1].split("</tr>", 1)[0]
        assert today in row and constrained in row

    def test_a_contribution_limited_to_2027_holds_in_the_page_as_in_the_api(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        sign_in(client, keys["negotiator"])
        for year in (2027, 2028):
            page, api = self._compare_plan_scenario(client, keys, seeded, year)
            bzk = next(row for row in api["rows"] if row["ministry"] == "BZK")
            row = page.split('data-ministry="BZK"', 1)[1].split("</tr>", 1)[0]
            assert euro(bzk["amounts"]["constrained"]) in row, year

    def test_a_comparison_stores_nothing(self, client: TestClient, keys: dict[str, str]):
        sign_in(client, keys["negotiator"])
        before = client.get("/v1/allocations", headers=auth(keys["negotiator"])).json()["total"]
        page = client.get("/vergelijken", headers=HTML).text
        values = {
            "csrf_token": form_token(page),
            "year": "2028",
            "growth": "30",
            "base": "5.000.000,00",
            "max_share": "40",
            **{f"weight-{c}": "1" for c in ("BZ", "BZK", "EZ", "JenV", "OCW", "VWS")},
        }
        response = client.post("/vergelijken", data=values)
        assert response.status_code == 200, response.text
        assert 'id="comparison"' in response.text and "2028" in response.text
        assert (
            client.get("/v1/allocations", headers=auth(keys["negotiator"])).json()["total"]
            == before
        )

    def test_running_the_unchanged_scenario_keeps_its_reference(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        sign_in(client, keys["negotiator"])
        page = client.get("/vergelijken", headers=HTML).text
        values = {
            "csrf_token": form_token(page),
            "scenario": str(seeded.scenario_id),
            "year": "2027",
            "growth": "30",
            "base": "5.000.000,00",
            "max_share": "40",
            "rule": "constrained",
            **{f"weight-{c}": "1" for c in ("BZ", "BZK", "EZ", "JenV", "OCW", "VWS")},
        }
        response = client.post("/vergelijken/uitvoeren", data=values, follow_redirects=False)
        assert response.status_code == 303
        report_id = int(response.headers["location"].split("/")[2].split("?")[0])
        report = client.get(f"/v1/allocations/{report_id}", headers=auth(keys["negotiator"])).json()
        assert report["scenario_ref"]["id"] == seeded.scenario_id
        assert report["weights_source"]["kind"] == "weight_set"

    def test_changed_weights_are_run_inline_for_the_chosen_year(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        sign_in(client, keys["negotiator"])
        page = client.get("/vergelijken", headers=HTML).text
        values = {
            "csrf_token": form_token(page),
            "scenario": str(seeded.scenario_id),
            "year": "2029",
            "growth": "30",
            "base": "5.000.000,00",
            "max_share": "",
            "rule": "proportional",
            **{f"weight-{c}": "1" for c in ("BZ", "BZK", "EZ", "OCW", "VWS")},
            "weight-JenV": "2,5",
        }
        response = client.post("/vergelijken/uitvoeren", data=values, follow_redirects=False)
        assert response.status_code == 303, response.text
        report_id = int(response.headers["location"].split("/")[2].split("?")[0])
        report = client.get(f"/v1/allocations/{report_id}", headers=auth(keys["negotiator"])).json()
        assert report["year"] == 2029 and report["rule"] == "proportional"
        assert report["weights_source"]["kind"] == "inline"
        assert report["weights_source"]["adopted"] is False
        assert report["snapshot"]["scenario"]["weights"]["JenV"] == "2.5"

    def test_an_engine_refusal_is_linked_to_its_field(
        self, client: TestClient, keys: dict[str, str]
    ):
        sign_in(client, keys["negotiator"])
        page = client.get("/vergelijken", headers=HTML).text
        values = {
            "csrf_token": form_token(page),
            "year": "2027",
            "growth": "30",
            "base": "100,00",
            "max_share": "",
            **{f"weight-{c}": "1" for c in ("BZ", "BZK", "EZ", "JenV", "OCW", "VWS")},
            "floor-JenV": "50,00",
            "ceiling-JenV": "40,00",
        }
        response = client.post("/vergelijken", data=values)
        assert response.status_code == 422
        assert 'href="#floor-JenV"' in response.text
        assert 'value="50,00"' in response.text


class TestSolvesAreRateLimitedLikeTheApi:
    def _values(self, page: str) -> dict[str, str]:
        return {
            "csrf_token": form_token(page),
            "year": "2027",
            "growth": "30",
            "base": "5.000.000,00",
            "max_share": "40",
            **{f"weight-{c}": "1" for c in ("BZ", "BZK", "EZ", "JenV", "OCW", "VWS")},
        }

    def test_a_second_comparison_beyond_the_burst_waits_with_a_page(
        self, app, client: TestClient, keys: dict[str, str]
    ):  # type: ignore[no-untyped-def]
        from app.concurrency import RateLimiter

        app.state.solve_rate = RateLimiter(per_minute=1, burst=1)
        sign_in(client, keys["negotiator"])
        values = self._values(client.get("/vergelijken", headers=HTML).text)
        assert client.post("/vergelijken", data=values).status_code == 200
        refused = client.post("/vergelijken", data=values)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "Een ogenblik geduld" in refused.text

    def test_a_report_page_beyond_the_burst_shows_its_figures_without_verifying(
        self, app, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):  # type: ignore[no-untyped-def]
        from app.concurrency import RateLimiter

        report = _publish(client, keys, seeded)
        app.state.solve_rate = RateLimiter(per_minute=1, burst=1)
        sign_in(client, keys["reader"])
        first = client.get(f"/rapporten/{report['id']}", headers=HTML).text
        second = client.get(f"/rapporten/{report['id']}", headers=HTML).text
        assert 'data-verification="valid"' in first
        assert "De controle is nu niet uitgevoerd" in second
        assert report["report_hash"] in second


class TestPublishingAReport:
    def _unpublished(self, client: TestClient, keys: dict[str, str], seeded: Seeded) -> int:
        made = client.post(
            "/v1/allocations",
            headers=auth(keys["negotiator"]),
            json={"scenario_id": seeded.scenario_id},
        )
        assert made.status_code == 201, made.text
        return int(made.json()["id"])

    def _confirm(self, client: TestClient, report_id: int, **fields: str):  # type: ignore[no-untyped-def]
        confirmation = client.get(f"/rapporten/{report_id}/publiceren", headers=HTML).text
        revision = re.search(r'name="revision" value="([^"]+)"', confirmation)
        assert revision
        data = {"csrf_token": form_token(confirmation), "revision": revision.group(1), **fields}
        return client.post(
            f"/rapporten/{report_id}/publiceren", data=data, headers=HTML, follow_redirects=False
        )

    def test_without_the_acknowledgement_the_box_is_named_and_nothing_is_published(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        sign_in(client, keys["negotiator"])
        refused = self._confirm(client, self._unpublished(client, keys, seeded))
        assert refused.status_code == 409
        assert 'href="#acknowledge"' in refused.text
        published = client.get("/v1/publications", headers=auth(keys["negotiator"])).json()
        assert published["items"] == []

    def test_a_publication_in_the_meantime_is_refused_with_the_changes_shown_anew(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        sign_in(client, keys["negotiator"])
        first, second = (self._unpublished(client, keys, seeded) for _ in range(2))
        confirmation = client.get(f"/rapporten/{second}/publiceren", headers=HTML).text
        revision = re.search(r'name="revision" value="([^"]+)"', confirmation)
        assert revision
        assert self._confirm(client, first, acknowledge="yes").status_code == 303
        refused = client.post(
            f"/rapporten/{second}/publiceren",
            data={
                "csrf_token": form_token(confirmation),
                "revision": revision.group(1),
                "acknowledge": "yes",
            },
            headers=HTML,
        )
        assert refused.status_code == 412
        assert 'href="#publish-summary"' in refused.text
        assert f"Rapport {first} (nu)" in refused.text
        share = client.get(
            "/v1/ministries/JenV/share", headers=auth(keys["negotiator"]), params={"year": 2027}
        ).json()
        assert share["report"]["id"] == first

    def test_confirmed_it_becomes_the_official_report(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        sign_in(client, keys["negotiator"])
        report_id = self._unpublished(client, keys, seeded)
        done = self._confirm(client, report_id, acknowledge="yes")
        assert done.status_code == 303
        assert done.headers["location"] == f"/rapporten/{report_id}?gepubliceerd=1"
        share = client.get(
            "/v1/ministries/JenV/share", headers=auth(keys["negotiator"]), params={"year": 2027}
        ).json()
        assert share["report"]["id"] == report_id
