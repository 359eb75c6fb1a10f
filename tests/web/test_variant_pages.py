"""Named variants on the comparison page: added from the form, carried by the page, compared
under one rule with the same figures as ``POST /v1/comparisons`` with ``variants``; nothing is
stored, and every refusal names its field and keeps the list."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from app.web.formatting import euro
from tests.conftest import Seeded, auth
from tests.web.conftest import HTML, sign_in

CODES = ("BZ", "BZK", "EZ", "JenV", "OCW", "VWS")


def _fields(page: str) -> dict[str, str]:
    """Every named input of the page's comparison form with its value, as a browser sends it."""
    form = page.split('id="compare-form"', 1)[1].split("</form>", 1)[0]
    values = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
    selected = re.search(r'<option value="(\d+)" selected>', form.split('name="year"', 1)[1])
    assert selected is not None
    values["year"] = selected[1]
    values.pop("variant_rule", None)
    if not re.search(r'name="through"[^>]*checked', form):
        values.pop("through", None)
    return {name: html.unescape(value) for name, value in values.items()}


def _add(client: TestClient, page: str, name: str, **changes: str):  # type: ignore[no-untyped-def]
    values = {**_fields(page), **changes, "variant_name": name, "action": "add"}
    return client.post("/vergelijken/varianten", data=values)


def _row(page: str, table: str, code: str) -> str:
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return body.split(f'data-ministry="{code}"', 1)[1].split("</tr>", 1)[0]


class TestVariants:
    def test_two_variants_show_the_apis_figures_side_by_side_and_store_nothing(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        sign_in(client, keys["negotiator"])
        before = client.get("/v1/allocations", headers=auth(keys["negotiator"])).json()["total"]
        first = _add(client, client.get("/vergelijken", headers=HTML).text, "Zoals opgeslagen")
        assert first.status_code == 200, first.text
        assert 'id="variant-comparison"' in first.text
        second = _add(client, first.text, "Plafond 30%", max_share="30", year="2028")
        assert second.status_code == 200, second.text
        stored = client.get(
            f"/v1/scenarios/{seeded.scenario_id}", headers=auth(keys["negotiator"])
        ).json()["document"]
        two_years = {**stored, "projection": {"years": 2, "contact_growth": "0.3"}}
        api = client.post(
            "/v1/comparisons",
            headers=auth(keys["negotiator"]),
            json={
                "year": 2028,
                "rules": ["constrained"],
                "variants": [
                    {"name": "Zoals opgeslagen", "scenario": two_years},
                    {
                        "name": "Plafond 30%",
                        "scenario": {**two_years, "constraints": {"max_share": "0.30"}},
                    },
                ],
            },
        )
        assert api.status_code == 200, api.text
        assert [c["key"] for c in api.json()["columns"]][-2:] == ["Zoals opgeslagen", "Plafond 30%"]
        for row in api.json()["rows"]:
            shown = _row(second.text, "variant-comparison", row["ministry"])
            for name in ("Zoals opgeslagen", "Plafond 30%"):
                assert euro(row["amounts"][name]) in shown, (row["ministry"], name)
        assert "De varianten naast elkaar, 2028" in second.text
        assert (
            client.get("/v1/allocations", headers=auth(keys["negotiator"])).json()["total"]
            == before
        )

    def test_the_rules_comparison_keeps_the_variants(
        self, client: TestClient, keys: dict[str, str]
    ):
        sign_in(client, keys["negotiator"])
        added = _add(client, client.get("/vergelijken", headers=HTML).text, "Basis")
        rules = client.post("/vergelijken", data=_fields(added.text))
        assert rules.status_code == 200, rules.text
        assert 'id="comparison"' in rules.text
        assert _fields(rules.text)["variant-0-name"] == "Basis"

    def test_a_removed_variant_leaves_the_others(self, client: TestClient, keys: dict[str, str]):
        sign_in(client, keys["negotiator"])
        page = _add(client, client.get("/vergelijken", headers=HTML).text, "Een").text
        page = _add(client, page, "Twee", growth="20").text
        removed = client.post(
            "/vergelijken/varianten", data={**_fields(page), "action": "remove-0"}
        )
        assert removed.status_code == 200, removed.text
        kept = _fields(removed.text)
        assert kept["variant-0-name"] == "Twee" and kept["variant-0-growth"] == "20"
        assert "variant-1-name" not in kept

    def test_a_name_used_twice_is_refused_naming_the_field_and_keeping_the_list(
        self, client: TestClient, keys: dict[str, str]
    ):
        sign_in(client, keys["negotiator"])
        page = _add(client, client.get("/vergelijken", headers=HTML).text, "Een").text
        refused = _add(client, page, "een")
        assert refused.status_code == 422
        assert 'href="#variant_name"' in refused.text
        assert _fields(refused.text)["variant-0-name"] == "Een"
        assert "variant-1-name" not in _fields(refused.text)

    def test_a_wrong_field_is_refused_and_nothing_is_added(
        self, client: TestClient, keys: dict[str, str]
    ):
        sign_in(client, keys["negotiator"])
        refused = _add(client, client.get("/vergelijken", headers=HTML).text, "Fout", growth="x")
        assert refused.status_code == 422
        assert 'href="#growth"' in refused.text and 'value="x"' in refused.text
        assert _fields(refused.text)["variant_name"] == "Fout"
        assert "variant-0-name" not in _fields(refused.text)

    def test_a_variant_altered_in_transit_is_read_again_and_refused_by_name(
        self, client: TestClient, keys: dict[str, str]
    ):
        sign_in(client, keys["negotiator"])
        page = _add(client, client.get("/vergelijken", headers=HTML).text, "Een").text
        altered = {**_fields(page), "variant-0-weight-JenV": "veel", "action": "compare"}
        refused = client.post("/vergelijken/varianten", data=altered)
        assert refused.status_code == 422
        assert "Variant &#39;Een&#39; is niet te lezen" in refused.text
        assert 'href="#variants"' in refused.text

    def test_a_variant_without_a_possible_split_is_named_with_its_reasons(
        self, client: TestClient, keys: dict[str, str]
    ):
        sign_in(client, keys["negotiator"])
        page = client.get("/vergelijken", headers=HTML).text
        floors = {f"floor-{c}": "2.000.000,00" for c in CODES}
        shown = _add(client, page, "Te krap", **floors)
        assert shown.status_code == 200, shown.text
        assert "Variant Te krap: geen verdeling mogelijk" in shown.text
        row = _row(shown.text, "variant-comparison", "JenV")
        assert "—" in row

    def test_a_reader_may_not_compare_variants(self, client: TestClient, keys: dict[str, str]):
        sign_in(client, keys["reader"])
        response = client.post("/vergelijken/varianten", data={"action": "add"}, headers=HTML)
        assert response.status_code == 403


class TestThePlanYearsAddedUp:
    def _api(self, client: TestClient, keys: dict[str, str], document: dict, year: int) -> dict:  # type: ignore[type-arg]
        answer = client.post(
            "/v1/comparisons",
            headers=auth(keys["negotiator"]),
            json={"scenario": document, "year": year},
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def test_the_rules_add_up_to_the_cent_over_the_years_with_each_year_shown(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        sign_in(client, keys["negotiator"])
        page = client.get(f"/vergelijken?scenario={seeded.plan_scenario_id}", headers=HTML).text
        values = {**_fields(page), "year": "2029", "through": "1"}
        shown = client.post("/vergelijken", data=values)
        assert shown.status_code == 200, shown.text
        assert "De regels naast elkaar, 2027–2029 opgeteld" in shown.text
        stored = client.get(
            f"/v1/scenarios/{seeded.plan_scenario_id}", headers=auth(keys["negotiator"])
        ).json()["document"]
        document = {**stored, "projection": {**stored["projection"], "years": 3}}
        years = {year: self._api(client, keys, document, year) for year in (2027, 2028, 2029)}
        for code in CODES:
            row = _row(shown.text, "comparison", code)
            for key in ("status_quo", "proportional", "constrained"):
                added = sum(
                    int(
                        next(r for r in years[y]["rows"] if r["ministry"] == code)["amounts"][
                            key
                        ].replace(".", "")
                    )
                    for y in years
                )
                assert euro(f"{added // 100}.{added % 100:02d}") in row, (code, key)
            for year, answer in years.items():
                api_row = next(r for r in answer["rows"] if r["ministry"] == code)
                one = _row(shown.text, f"comparison-{year}", code)
                assert euro(api_row["amounts"]["constrained"]) in one, (code, year)

    def test_the_variants_add_up_over_the_years_too(self, client: TestClient, keys: dict[str, str]):
        sign_in(client, keys["negotiator"])
        page = _add(client, client.get("/vergelijken", headers=HTML).text, "Een").text
        added = client.post(
            "/vergelijken/varianten",
            data={**_fields(page), "year": "2028", "through": "1", "action": "compare"},
        )
        assert added.status_code == 200, added.text
        assert "De varianten naast elkaar, 2027–2028 opgeteld" in added.text
        for year in (2027, 2028):
            assert f'id="variant-comparison-{year}"' in added.text
        assert _fields(added.text)["through"] == "1"

    def test_one_year_is_compared_alone_without_the_box(
        self, client: TestClient, keys: dict[str, str]
    ):
        sign_in(client, keys["negotiator"])
        values = {**_fields(client.get("/vergelijken", headers=HTML).text), "year": "2028"}
        assert "through" not in values
        shown = client.post("/vergelijken", data=values)
        assert "De regels naast elkaar, 2028" in shown.text and "opgeteld" not in shown.text
        assert 'id="comparison-2027"' not in shown.text


class TestWhatTheBrowserSendsBack:
    """The variants and the choices travel in the page; whatever comes back is read again."""

    def test_odd_numbers_in_the_action_the_year_and_the_scenario_get_a_page(
        self, client: TestClient, keys: dict[str, str]
    ):
        sign_in(client, keys["negotiator"])
        page = _add(client, client.get("/vergelijken", headers=HTML).text, "Een").text
        for changes in (
            {"action": "remove-²"},
            {"action": "remove-" + "1" * 5000},
            {"year": "²", "action": "compare"},
            {"year": "2" * 5000, "action": "compare"},
            {"scenario": "²", "action": "compare"},
            {"scenario": "9" * 5000, "action": "compare"},
        ):
            answer = client.post("/vergelijken/varianten", data={**_fields(page), **changes})
            assert answer.status_code in (200, 422), (changes, answer.status_code)
            assert 'name="variant-0-name" value="Een"' in answer.text, changes

    def test_a_name_sent_back_as_status_quo_or_twice_is_refused_by_name(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        sign_in(client, keys["negotiator"])
        page = client.get(f"/vergelijken?scenario={seeded.plan_scenario_id}", headers=HTML).text
        page = _add(client, page, "Een").text
        page = _add(client, page, "Twee").text
        for names, word in (
            ({"variant-0-name": "status_quo"}, "status_quo"),
            ({"variant-1-name": "EEN"}, "EEN"),
        ):
            answer = client.post(
                "/vergelijken/varianten", data={**_fields(page), **names, "action": "compare"}
            )
            assert answer.status_code == 422, names
            assert 'href="#variants"' in answer.text
            assert f"Er is al een variant met de naam &#39;{word}&#39;" in answer.text

    def test_the_api_refuses_a_variant_named_status_quo(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        answer = client.post(
            "/v1/comparisons",
            headers=auth(keys["negotiator"]),
            json={
                "variants": [
                    {"name": "status_quo", "scenario_id": seeded.plan_scenario_id},
                    {"name": "b", "scenario_id": seeded.plan_scenario_id},
                ]
            },
        )
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "variants[0].name"

    def test_a_refused_run_keeps_the_variants_and_the_box(
        self, client: TestClient, keys: dict[str, str]
    ):
        sign_in(client, keys["negotiator"])
        page = _add(client, client.get("/vergelijken", headers=HTML).text, "Een").text
        shown = client.post("/vergelijken", data={**_fields(page), "year": "2028", "through": "1"})
        run_form = shown.text.split('action="/vergelijken/uitvoeren"', 1)[1].split("</form>", 1)[0]
        sent = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', run_form))
        assert sent["variant-0-name"] == "Een" and sent["through"] == "1"
        refused = client.post("/vergelijken/uitvoeren", data={**sent, "rule": "bogus"})
        assert refused.status_code == 422
        kept = _fields(refused.text)
        assert kept["variant-0-name"] == "Een" and kept["through"] == "1"

    def test_many_years_of_variants_count_as_many_requests(
        self, app, client: TestClient, keys: dict[str, str]
    ):  # type: ignore[no-untyped-def]
        from app.concurrency import RateLimiter

        sign_in(client, keys["negotiator"])
        page = _add(client, client.get("/vergelijken", headers=HTML).text, "Een").text
        page = _add(client, page, "Twee").text
        app.state.solve_rate = RateLimiter(per_minute=1, burst=3)
        over = {**_fields(page), "year": "2036", "through": "1", "action": "compare"}
        # Two variants over ten years are twenty solves: four requests' worth, beyond the burst.
        refused = client.post("/vergelijken/varianten", data=over)
        assert refused.status_code == 429
        app.state.solve_rate = RateLimiter(per_minute=1, burst=4)
        assert client.post("/vergelijken/varianten", data=over).status_code == 200
