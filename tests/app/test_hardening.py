"""Bad input of every kind gets a problem+json naming the field; limits refuse clearly; every
response carries a request id; logs never hold a key or a figure; CORS is closed by default."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import get_settings
from tests.conftest import auth


def _raw_post(client: TestClient, key: str, raw: bytes, path: str = "/v1/weight-sets"):
    headers = {**auth(key), "Content-Type": "application/json"}
    return client.post(path, content=raw, headers=headers)


class TestJsonThatParsersAcceptSilently:
    @pytest.mark.parametrize(
        ("raw", "field", "fragment"),
        [
            (b'{"name": "x", "name": "y", "weights": {"JenV": 1}}', "name", "duplicate key 'name'"),
            (b'{"name": "x", "weights": {"JenV": 1, "JenV": 2}}', "JenV", "duplicate key"),
            (b'{"name": "x", "weights": {"JenV": NaN}}', "body", "NaN is not a number"),
            (b'{"name": "x", "weights": {"JenV": Infinity}}', "body", "Infinity is not a number"),
            (b'{"name": "x", "weights": {"JenV": -Infinity}}', "body", "Infinity"),
            (b'{"name": "x", "weights": {"JenV": 1' + b"0" * 40 + b"}}", "body", "too large"),
        ],
    )
    def test_is_refused_with_the_field_named(
        self, client: TestClient, keys: dict[str, str], raw: bytes, field: str, fragment: str
    ):
        response = _raw_post(client, keys["admin"], raw)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        [error] = response.json()["errors"]
        assert error["field"] == field
        assert fragment in error["message"]


class TestAwkwardValues:
    @pytest.mark.parametrize(
        ("weights", "field"),
        [
            ({"JenV": "1e3"}, "weights.JenV"),
            ({"JenV": "-0.5"}, "weights.JenV"),
            ({"JenV": "１"}, "weights.JenV"),
            ({"JenV": ""}, "weights.JenV"),
            ({"Jén": 1}, "weights.Jén"),
        ],
    )
    def test_are_named(self, client: TestClient, keys: dict[str, str], weights, field: str):
        response = client.post(
            "/v1/weight-sets", headers=auth(keys["admin"]), json={"name": "x", "weights": weights}
        )
        assert response.status_code == 422
        assert field in [e["field"] for e in response.json()["errors"]]

    def test_negative_zero_is_zero(self, client: TestClient, keys: dict[str, str]):
        body = {"name": "negative zero", "weights": {"JenV": "-0", "BZK": 1}}
        response = client.post("/v1/weight-sets", headers=auth(keys["admin"]), json=body)
        assert response.status_code == 201
        assert response.json()["weights"]["JenV"] == "0"

    def test_unicode_text_is_kept_exactly(self, client: TestClient, keys: dict[str, str]):
        body = {"name": "Mandaat ‘2027’ — één", "weights": {"JenV": 1}, "rationale": {"JenV": "✓"}}
        response = client.post("/v1/weight-sets", headers=auth(keys["admin"]), json=body)
        assert response.json()["name"] == "Mandaat ‘2027’ — één"


class TestLimits:
    def test_a_body_over_the_limit_is_413(self, client: TestClient, keys: dict[str, str]):
        limit = get_settings().max_body_bytes
        raw = json.dumps({"name": "x" * (limit + 10), "weights": {"JenV": 1}}).encode()
        response = _raw_post(client, keys["admin"], raw)
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"

    def test_a_page_size_over_100_is_refused(self, client: TestClient, keys: dict[str, str]):
        response = client.get("/v1/weight-sets?limit=101", headers=auth(keys["reader"]))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "limit"

    def test_a_name_over_200_characters_is_refused(self, client: TestClient, keys: dict[str, str]):
        body = {"name": "n" * 201, "weights": {"JenV": 1}}
        response = client.post("/v1/weight-sets", headers=auth(keys["admin"]), json=body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "name"

    def test_more_than_200_ministries_are_refused(self, client: TestClient, keys: dict[str, str]):
        weights = {f"M{i}": 1 for i in range(201)}
        response = client.post(
            "/v1/weight-sets", headers=auth(keys["admin"]), json={"name": "x", "weights": weights}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "weights"


class TestRequestIds:
    def test_every_response_carries_a_request_id_and_problems_repeat_it(self, client: TestClient):
        response = client.get("/v1/ministries")
        request_id = response.headers["x-request-id"]
        assert len(request_id) >= 16
        assert response.json()["request_id"] == request_id

    def test_a_sane_incoming_request_id_is_kept(self, client: TestClient):
        response = client.get("/health", headers={"X-Request-ID": "trace-42"})
        assert response.headers["x-request-id"] == "trace-42"

    def test_logs_are_json_and_hold_neither_key_nor_figures(
        self, client: TestClient, keys: dict[str, str], caplog: pytest.LogCaptureFixture
    ):
        logging.getLogger("costshare").propagate = True
        try:
            with caplog.at_level(logging.INFO, logger="costshare"):
                body = {"name": "secret figures", "weights": {"JenV": "123456.789"}}
                client.post("/v1/weight-sets", headers=auth(keys["admin"]), json=body)
        finally:
            logging.getLogger("costshare").propagate = False
        text = caplog.text + "".join(str(getattr(r, "fields", "")) for r in caplog.records)
        assert "request_id" in text
        assert keys["admin"] not in text
        assert keys["admin"].split("_", 2)[2] not in text
        assert "123456.789" not in text and "secret figures" not in text


class TestCors:
    def test_closed_by_default(self, client: TestClient):
        response = client.options(
            "/v1/ministries",
            headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
        )
        assert "access-control-allow-origin" not in response.headers

    def test_opened_for_configured_origins_only(self, monkeypatch: pytest.MonkeyPatch, app):
        monkeypatch.setenv("COSTSHARE_CORS_ORIGINS", '["https://begroting.example"]')
        get_settings.cache_clear()
        try:
            configured = create_app()
            configured.dependency_overrides = app.dependency_overrides
            with TestClient(configured) as client:
                allowed = client.get("/health", headers={"Origin": "https://begroting.example"})
                other = client.get("/health", headers={"Origin": "https://evil.example"})
        finally:
            get_settings.cache_clear()
        assert allowed.headers["access-control-allow-origin"] == "https://begroting.example"
        assert "access-control-allow-origin" not in other.headers


class TestMassAssignment:
    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            (
                "/v1/weight-sets",
                {"name": "x", "weights": {"JenV": 1}, "created_by": "me"},
                "created_by",
            ),
            ("/v1/weight-sets", {"name": "x", "weights": {"JenV": 1}, "revision": 9}, "revision"),
            (
                "/v1/ministries",
                {"code": "SZW", "name": "SZW", "chapter": "XV", "revision": 3},
                "revision",
            ),
            ("/v1/allocations", {"scenario_id": 1, "report_hash": "sha256:00"}, "report_hash"),
            ("/v1/allocations", {"scenario_id": 1, "status": "optimal"}, "status"),
            ("/v1/scenarios", {"name": "s", "document": {}, "version": 4}, "version"),
        ],
    )
    def test_fields_no_client_may_set_are_refused_and_nothing_is_stored(
        self, client: TestClient, keys: dict[str, str], path: str, body, field: str
    ):
        response = client.post(path, headers=auth(keys["admin"]), json=body)
        assert response.status_code == 422
        assert field in [e["field"] for e in response.json()["errors"]]
