"""Ministries: the six of the proposal, extensible with e.g. SZW."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import auth


class TestMinistries:
    def test_the_six_ministries_of_the_proposal_with_their_budget_chapters(
        self, client: TestClient, keys: dict[str, str]
    ):
        listed = client.get("/v1/ministries", headers=auth(keys["reader"])).json()
        chapters = {m["code"]: m["chapter"] for m in listed["items"]}
        assert chapters == {
            "JenV": "VI",
            "BZK": "VII",
            "EZ": "XIII",
            "VWS": "XVI",
            "BZ": "V",
            "OCW": "VIII",
        }
        assert listed["total"] == 6
        assert all(m["mandate"] for m in listed["items"])

    def test_an_admin_adds_szw_and_it_can_then_carry_weight(
        self, client: TestClient, keys: dict[str, str]
    ):
        admin = auth(keys["admin"])
        szw = {"code": "SZW", "name": "Sociale Zaken en Werkgelegenheid", "chapter": "XV"}
        created = client.post("/v1/ministries", headers=admin, json=szw)
        assert created.status_code == 201
        assert created.headers["location"] == "/v1/ministries/SZW"
        weights = {"name": "with SZW", "weights": {"BZK": 1, "SZW": 1}}
        assert client.post("/v1/weight-sets", headers=admin, json=weights).status_code == 201

    def test_an_inactive_ministry_cannot_be_given_a_weight(
        self, client: TestClient, keys: dict[str, str]
    ):
        admin = auth(keys["admin"])
        etag = client.get("/v1/ministries/OCW", headers=admin).headers["etag"]
        patched = client.patch(
            "/v1/ministries/OCW", headers={**admin, "If-Match": etag}, json={"active": False}
        )
        assert patched.json()["active"] is False
        assert patched.headers["etag"] != etag
        refused = client.post(
            "/v1/weight-sets", headers=admin, json={"name": "x", "weights": {"OCW": 1}}
        )
        assert refused.status_code == 422
        assert refused.json()["errors"] == [
            {"field": "weights.OCW", "message": "ministry 'OCW' is inactive"}
        ]

    def test_an_unknown_ministry_is_a_404_problem(self, client: TestClient, keys: dict[str, str]):
        response = client.get("/v1/ministries/XYZ", headers=auth(keys["reader"]))
        assert response.status_code == 404
        assert response.json()["detail"] == "unknown ministry 'XYZ'"

    def test_a_duplicate_code_is_refused(self, client: TestClient, keys: dict[str, str]):
        body = {"code": "jenv", "name": "Duplicate", "chapter": "VI"}
        response = client.post("/v1/ministries", headers=auth(keys["admin"]), json=body)
        assert response.status_code == 409

    def test_the_code_cannot_be_changed(self, client: TestClient, keys: dict[str, str]):
        response = client.patch(
            "/v1/ministries/JenV",
            headers={**auth(keys["admin"]), "If-Match": "*"},
            json={"code": "JV"},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "code"
