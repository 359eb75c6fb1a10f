"""What the service takes, the same on SQLite and PostgreSQL: no control characters or bidi
overrides in any string, path or query parameter; media types matched as RFC 9110 says;
Idempotency-Key fingerprints the normalised request; security headers on every answer."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.schemas import SCENARIO_EXAMPLE
from tests.conftest import auth

FORBIDDEN = {
    "NUL": "\u0000",
    "bell": "\u0007",
    "escape": "\u001b",
    "carriage return": "\r",
    "delete": "\u007f",
    "C1 control": "\u0085",
    "right-to-left override": "\u202e",
    "first strong isolate": "\u2068",
}
NUMBER_WEIGHTS = {**SCENARIO_EXAMPLE, "weights": {"JenV": 1.5, "BZK": 1}, "variable": []}
NUMBER_WEIGHTS["constraints"] = {}


def _problem(response, status: int, field: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == field
    return str(error["message"])


class TestControlCharacters:
    @pytest.mark.parametrize("char", FORBIDDEN.values(), ids=FORBIDDEN.keys())
    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            ("/v1/ministries", {"code": "SZW", "name": "S{}ZW", "chapter": "XV"}, "name"),
            (
                "/v1/ministries",
                {"code": "SZW", "name": "SZW", "chapter": "XV", "mandate": "a{}b"},
                "mandate",
            ),
            ("/v1/weight-sets", {"name": "w", "description": "{}", "weights": {"JenV": 1}}, None),
            (
                "/v1/weight-sets",
                {"name": "w", "weights": {"JenV": 1}, "rationale": {"JenV": "x{}"}},
                "rationale.JenV",
            ),
        ],
    )
    def test_in_a_body_text_is_refused_naming_the_field(
        self, client: TestClient, keys: dict[str, str], char: str, path, body, field
    ):
        filled = {k: (v.format(char) if isinstance(v, str) else v) for k, v in body.items()} | {
            k: {kk: vv.format(char) for kk, vv in v.items()}
            for k, v in body.items()
            if k == "rationale"
        }
        response = client.post(path, headers=auth(keys["admin"]), json=filled)
        message = _problem(response, 422, field or "description")
        assert f"U+{ord(char):04X}" in message
        listed = client.get(path, headers=auth(keys["admin"])).json()
        assert all("SZW" != item.get("code") for item in listed["items"])

    def test_tab_and_newline_are_allowed_in_free_text_but_not_in_names(
        self, client: TestClient, keys: dict[str, str]
    ):
        admin = auth(keys["admin"])
        kept = client.post(
            "/v1/ministries",
            headers=admin,
            json={"code": "SZW", "name": "Sociale Zaken", "chapter": "XV", "mandate": "a\n\tb"},
        )
        assert kept.status_code == 201
        assert kept.json()["mandate"] == "a\n\tb"
        refused = client.post(
            "/v1/ministries", headers=admin, json={"code": "SZX", "name": "a\tb", "chapter": "XV"}
        )
        _problem(refused, 422, "name")

    def test_in_a_scenario_document_the_path_inside_the_document_is_named(
        self, client: TestClient, keys: dict[str, str]
    ):
        document = {**SCENARIO_EXAMPLE, "variable": [{**SCENARIO_EXAMPLE["variable"][0]}]}
        document["variable"][0]["channel"] = "hulp\u0000lijn"
        response = client.post(
            "/v1/allocations", headers=auth(keys["negotiator"]), json={"scenario": document}
        )
        _problem(response, 422, "scenario.variable[0].channel")

    def test_in_an_object_key_is_refused(self, client: TestClient, keys: dict[str, str]):
        response = client.post(
            "/v1/weight-sets",
            headers=auth(keys["admin"]),
            json={"name": "w", "weights": {"Jen\u202eV": 1}},
        )
        assert "key" in _problem(response, 422, "weights")

    @pytest.mark.parametrize("char", ["%00", "%1B", "%E2%80%AE", "%C2%85"])
    def test_in_a_path_parameter_is_refused_even_for_a_reader(
        self, client: TestClient, keys: dict[str, str], char: str
    ):
        for path in (f"/v1/ministries/JenV{char}", f"/v1/ministries/JenV{char}/share?year=2027"):
            response = client.get(path, headers=auth(keys["reader"]))
            _problem(response, 422, "code")

    def test_a_path_parameter_has_the_length_and_pattern_of_a_code(
        self, client: TestClient, keys: dict[str, str]
    ):
        response = client.get(f"/v1/ministries/{'J' * 17}", headers=auth(keys["reader"]))
        _problem(response, 422, "code")
        response = client.get("/v1/ministries/Jen%20V", headers=auth(keys["reader"]))
        _problem(response, 422, "code")

    @pytest.mark.parametrize("value", ["a%00b", "%1B", "%E2%81%A6x", "%FF"])
    def test_in_a_query_parameter_is_refused_naming_it(
        self, client: TestClient, keys: dict[str, str], value: str
    ):
        response = client.get(f"/v1/weight-sets?name={value}", headers=auth(keys["reader"]))
        _problem(response, 422, "name" if value != "%FF" else "query")

    def test_in_an_idempotency_key_is_refused(self, client: TestClient, keys: dict[str, str]):
        response = client.post(
            "/v1/allocations",
            headers={**auth(keys["negotiator"]), "Idempotency-Key": "run\tone"},
            json={"scenario": SCENARIO_EXAMPLE},
        )
        _problem(response, 422, "idempotency-key")


class TestMediaTypes:
    def test_the_body_guard_matches_media_types_case_insensitively(
        self, client: TestClient, keys: dict[str, str]
    ):
        for content_type in ("Application/JSON", "APPLICATION/json; Charset=UTF-8"):
            headers = {**auth(keys["admin"]), "Content-Type": content_type}
            duplicate = b'{"name": "x", "name": "y", "weights": {"JenV": 1}}'
            response = client.post("/v1/weight-sets", content=duplicate, headers=headers)
            assert "duplicate key" in _problem(response, 422, "name")
            huge = b'{"name": "x", "weights": {"JenV": 1' + b"0" * 5000 + b"}}"
            response = client.post("/v1/weight-sets", content=huge, headers=headers)
            assert "too large" in _problem(response, 422, "body")

    def test_a_body_without_content_type_is_told_what_to_send(
        self, client: TestClient, keys: dict[str, str]
    ):
        response = client.post(
            "/v1/weight-sets",
            content=b'{"name": "x", "weights": {"JenV": 1}}',
            headers=auth(keys["admin"]),
        )
        assert "Content-Type: application/json" in _problem(response, 415, "Content-Type")

    def test_a_body_of_another_media_type_is_refused(
        self, client: TestClient, keys: dict[str, str]
    ):
        response = client.post(
            "/v1/weight-sets",
            content=b"name=x",
            headers={**auth(keys["admin"]), "Content-Type": "text/plain"},
        )
        assert "'text/plain'" in _problem(response, 415, "Content-Type")


class TestIdempotencyWithJsonNumbers:
    def test_a_run_with_number_weights_and_a_key_is_created_then_replayed(
        self, client: TestClient, keys: dict[str, str]
    ):
        headers = {**auth(keys["negotiator"]), "Idempotency-Key": "numbers-1"}
        first = client.post("/v1/allocations", headers=headers, json={"scenario": NUMBER_WEIGHTS})
        assert first.status_code == 201, first.text
        again = client.post("/v1/allocations", headers=headers, json={"scenario": NUMBER_WEIGHTS})
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]

    def test_the_same_weight_written_as_a_string_is_the_same_request(
        self, client: TestClient, keys: dict[str, str]
    ):
        headers = {**auth(keys["negotiator"]), "Idempotency-Key": "numbers-2"}
        first = client.post("/v1/allocations", headers=headers, json={"scenario": NUMBER_WEIGHTS})
        spelled = {**NUMBER_WEIGHTS, "weights": {"BZK": "1", "JenV": "1.50"}}
        again = client.post("/v1/allocations", headers=headers, json={"scenario": spelled})
        assert again.status_code == 200
        assert again.json()["report_hash"] == first.json()["report_hash"]

    def test_another_body_with_the_same_key_is_a_conflict_not_a_server_error(
        self, client: TestClient, keys: dict[str, str]
    ):
        headers = {**auth(keys["negotiator"]), "Idempotency-Key": "numbers-3"}
        client.post("/v1/allocations", headers=headers, json={"scenario": NUMBER_WEIGHTS})
        other = {**NUMBER_WEIGHTS, "weights": {"JenV": 2.25, "BZK": 1}}
        clash = client.post("/v1/allocations", headers=headers, json={"scenario": other})
        assert clash.status_code == 409
        assert clash.headers["content-type"] == "application/problem+json"

    def test_an_invalid_body_with_floats_and_a_key_gets_its_field_named(
        self, client: TestClient, keys: dict[str, str]
    ):
        headers = {**auth(keys["negotiator"]), "Idempotency-Key": "numbers-4"}
        bad = {**NUMBER_WEIGHTS, "base": 5000000.5}
        response = client.post("/v1/allocations", headers=headers, json={"scenario": bad})
        _problem(response, 422, "scenario.base")


class TestSecurityHeaders:
    def test_every_answer_has_nosniff_and_a_referrer_policy(self, client: TestClient):
        for response in (client.get("/health"), client.get("/v1/ministries")):
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"

    def test_authenticated_answers_are_never_cached(self, client: TestClient, keys: dict[str, str]):
        response = client.get("/v1/ministries", headers=auth(keys["reader"]))
        assert response.headers["cache-control"] == "no-store"
        assert client.get("/v1/ministries").headers["cache-control"] == "no-store"


class TestLengths:
    """The longest text the API accepts fits its column: PostgreSQL refuses what does not fit,
    SQLite would store it, so a longer text is a 422 on both, never a 500."""

    @pytest.mark.parametrize(
        ("path", "body", "limit"),
        [
            ("/v1/weight-sets", {"weights": {"JenV": 1}}, 120),
            ("/v1/scenarios", {"document": SCENARIO_EXAMPLE}, 120),
            ("/v1/ministries", {"code": "SZW", "chapter": "XV"}, 200),
        ],
    )
    def test_a_name_at_its_limit_is_stored_and_one_longer_is_refused(
        self, client: TestClient, keys: dict[str, str], path, body, limit
    ):
        longer = client.post(
            path, headers=auth(keys["admin"]), json=body | {"name": "n" * (limit + 1)}
        )
        _problem(longer, 422, "name")
        stored = client.post(path, headers=auth(keys["admin"]), json=body | {"name": "n" * limit})
        assert stored.status_code == 201, stored.text
        assert stored.json()["name"] == "n" * limit

    def test_a_chapter_fits_its_column(self, client: TestClient, keys: dict[str, str]):
        body = {"code": "SZW", "name": "SZW"}
        longer = client.post(
            "/v1/ministries", headers=auth(keys["admin"]), json=body | {"chapter": "XXXVIIIIA"}
        )
        _problem(longer, 422, "chapter")
        stored = client.post(
            "/v1/ministries", headers=auth(keys["admin"]), json=body | {"chapter": "XXXVIIIA"}
        )
        assert stored.status_code == 201, stored.text

    def test_a_key_label_longer_than_its_column_is_refused(self, db):
        from app.errors import InvalidInput
        from app.services import keys as key_service

        with pytest.raises(InvalidInput, match="label"):
            key_service.create(db, role="reader", ministry_code=None, label="l" * 121)
