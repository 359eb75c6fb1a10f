"""Bad input gets a problem+json answer that names the field and the reason, and loses nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth


def _post(client: TestClient, key: str, **kwargs):
    return client.post("/v1/weight-sets", headers=auth(key), **kwargs)


@pytest.mark.parametrize(
    ("weights", "field", "message"),
    [
        ({"BZK": -1}, "weights.BZK", "must be ≥ 0, got -1"),
        (
            {"BZK": "NaN"},
            "weights.BZK",
            "must be a finite decimal number such as \"1.5\", got 'NaN'",
        ),
        (
            {"BZK": "1e3"},
            "weights.BZK",
            "exponent notation is not allowed, write the number out: got '1e3'",
        ),
        ({"BZK": True}, "weights.BZK", "must be a number, not a boolean"),
        ({"BZK": "1.1234567"}, "weights.BZK", "at most 6 decimals allowed, got 1.1234567"),
        ({"BZK": 10**12}, "weights.BZK", "must be at most 1000000000, got 1000000000000"),
        ({"XYZ": 1}, "weights.XYZ", "unknown ministry 'XYZ'"),
    ],
)
def test_a_bad_weight_is_named_with_its_reason(
    client: TestClient, keys: dict[str, str], weights, field: str, message: str
):
    response = _post(client, keys["admin"], json={"name": "bad", "weights": weights})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {"field": field, "message": message} in problem["errors"]
    assert f"{field}: {message}" in problem["detail"]
    assert problem["status"] == 422


def test_malformed_json_is_named_as_the_body(client: TestClient, keys: dict[str, str]):
    response = client.post(
        "/v1/weight-sets",
        content=b'{"name": "x", "weights": {',
        headers={**auth(keys["admin"]), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "body"
    assert error["message"].startswith("malformed JSON")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": 5, "weights": {"JenV": 1}}, "name"),
        ({"name": "x", "weights": ["JenV", 1]}, "weights"),
        ({"name": "x"}, "weights"),
        ({"name": "x", "weights": {"JenV": 1}, "status": "adopted"}, "status"),
        ({"name": "x", "weights": {"JenV": 1}, "version": 7}, "version"),
    ],
)
def test_wrong_types_missing_and_forbidden_fields_are_named(
    client: TestClient, keys: dict[str, str], body, field: str
):
    response = _post(client, keys["admin"], json=body)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_a_refused_request_stores_nothing(client: TestClient, keys: dict[str, str]):
    admin = keys["admin"]
    before = client.get("/v1/weight-sets", headers=auth(admin)).json()["total"]
    _post(client, admin, json={"name": "bad", "weights": {"JenV": 1, "XYZ": 1}})
    assert client.get("/v1/weight-sets", headers=auth(admin)).json()["total"] == before


def test_an_unknown_route_is_a_problem_too(client: TestClient, keys: dict[str, str]):
    response = client.get("/v1/nothing-here", headers=auth(keys["admin"]))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
