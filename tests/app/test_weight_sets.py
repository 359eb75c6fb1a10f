"""Weight sets: drafts are editable, adopted versions are frozen, every change is in history."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.conftest import assert_append_only, auth

WEIGHTS = {"JenV": 3, "BZK": 2, "EZ": "1.5", "VWS": "1.5", "BZ": 1, "OCW": 1}


@pytest.fixture
def negotiator(client: TestClient, keys: dict[str, str]):
    headers = auth(keys["negotiator"])

    def call(method: str, path: str, body: Any = None, **extra: str):
        """Edits carry the ETag of a fresh GET unless the test gives its own If-Match."""
        if method == "PATCH" or path.endswith("/adopt"):
            if "If-Match" not in extra:
                target = path.removesuffix("/adopt")
                extra["If-Match"] = client.get(target, headers=headers).headers.get("etag", "")
        return client.request(method, path, headers={**headers, **extra}, json=body)

    return call


def _create(negotiator, name: str = "Mandaat 2027", **fields: Any) -> dict[str, Any]:
    response = negotiator("POST", "/v1/weight-sets", {"name": name, "weights": WEIGHTS, **fields})
    assert response.status_code == 201, response.text
    return response.json()


class TestCreating:
    def test_a_new_set_is_draft_version_one_with_weights_as_decimal_strings(self, negotiator):
        created = _create(negotiator, rationale={"JenV": "Removal of criminal content."})
        assert created["status"] == "draft"
        assert created["version"] == 1
        assert created["weights"] == {
            "JenV": "3",
            "BZK": "2",
            "EZ": "1.5",
            "VWS": "1.5",
            "BZ": "1",
            "OCW": "1",
        }
        assert created["rationale"] == {"JenV": "Removal of criminal content."}
        assert created["created_by"].endswith("(negotiator)")

    def test_weights_are_stored_exactly(self, negotiator):
        created = _create(negotiator, weights={"JenV": "0.000001", "BZK": "999999999.999999"})
        fetched = negotiator("GET", f"/v1/weight-sets/{created['id']}").json()
        assert fetched["weights"] == {"JenV": "0.000001", "BZK": "999999999.999999"}

    def test_pool_weights_override_the_default_for_their_pool(self, negotiator):
        pools = {"hulplijn": {"JenV": 2, "BZK": 1, "VWS": 1}}
        created = _create(negotiator, pool_weights=pools)
        assert created["pool_weights"] == {"hulplijn": {"BZK": "1", "JenV": "2", "VWS": "1"}}

    def test_a_second_set_with_the_same_name_is_refused_with_the_way_forward(self, negotiator):
        first = _create(negotiator)
        again = negotiator("POST", "/v1/weight-sets", {"name": "Mandaat 2027", "weights": WEIGHTS})
        assert again.status_code == 409
        assert f"/v1/weight-sets/{first['id']}/revisions" in again.json()["detail"]


class TestEditingDrafts:
    def test_a_merge_patch_changes_one_weight_and_removes_another(self, negotiator):
        created = _create(negotiator)
        patched = negotiator(
            "PATCH", f"/v1/weight-sets/{created['id']}", {"weights": {"BZK": "2.5", "OCW": None}}
        )
        assert patched.status_code == 200
        assert patched.json()["weights"]["BZK"] == "2.5"
        assert "OCW" not in patched.json()["weights"]
        assert patched.json()["revision"] == created["revision"] + 1

    def test_a_stale_if_match_is_refused_and_changes_nothing(self, negotiator):
        created = _create(negotiator)
        path = f"/v1/weight-sets/{created['id']}"
        first = negotiator("PATCH", path, {"weights": {"BZK": 5}}, **{"If-Match": 'W/"1"'})
        assert first.status_code == 200
        assert first.headers["etag"] == 'W/"2"'
        second = negotiator("PATCH", path, {"weights": {"BZK": 7}}, **{"If-Match": 'W/"1"'})
        assert second.status_code == 412
        assert "revision 2" in second.json()["detail"]
        assert negotiator("GET", path).json()["weights"]["BZK"] == "5"


class TestConcurrentEditors:
    def test_an_edit_without_if_match_is_refused_with_428(
        self, client: TestClient, keys, negotiator
    ):
        created = _create(negotiator)
        response = client.patch(
            f"/v1/weight-sets/{created['id']}",
            headers=auth(keys["negotiator"]),
            json={"weights": {"BZK": 5}},
        )
        assert response.status_code == 428
        assert "If-Match" in response.json()["detail"]

    def test_of_two_editors_from_the_same_revision_exactly_one_wins(self, negotiator):
        created = _create(negotiator)
        path = f"/v1/weight-sets/{created['id']}"
        etag = negotiator("GET", path).headers["etag"]
        first = negotiator("PATCH", path, {"weights": {"BZK": 5}}, **{"If-Match": etag})
        second = negotiator("PATCH", path, {"weights": {"EZ": 9}}, **{"If-Match": etag})
        assert sorted([first.status_code, second.status_code]) == [200, 412]
        assert "fetch it again" in second.json()["detail"]
        final = negotiator("GET", path).json()["weights"]
        assert (final["BZK"], final["EZ"]) == ("5", "1.5")


class TestAdopting:
    def test_an_adopted_set_is_immutable(self, negotiator):
        created = _create(negotiator)
        path = f"/v1/weight-sets/{created['id']}"
        assert negotiator("POST", f"{path}/adopt").status_code == 200
        refused = negotiator("PATCH", path, {"weights": {"BZK": 9}})
        assert refused.status_code == 409
        assert "immutable" in refused.json()["detail"]
        assert negotiator("POST", f"{path}/adopt").status_code == 409
        assert negotiator("GET", path).json()["weights"]["BZK"] == "2"

    def test_changing_an_adopted_set_makes_a_new_draft_version(self, negotiator):
        created = _create(negotiator)
        negotiator("POST", f"/v1/weight-sets/{created['id']}/adopt")
        revised = negotiator(
            "POST", f"/v1/weight-sets/{created['id']}/revisions", {"weights": {"BZK": 4}}
        )
        assert revised.status_code == 201
        body = revised.json()
        assert (body["version"], body["status"], body["based_on_id"]) == (2, "draft", created["id"])
        assert body["weights"]["BZK"] == "4"
        assert body["weights"]["JenV"] == "3"
        original = negotiator("GET", f"/v1/weight-sets/{created['id']}").json()
        assert original["weights"]["BZK"] == "2"

    def test_adopting_a_new_version_retires_the_old_one(self, negotiator):
        created = _create(negotiator)
        negotiator("POST", f"/v1/weight-sets/{created['id']}/adopt")
        second = negotiator("POST", f"/v1/weight-sets/{created['id']}/revisions", {}).json()
        assert negotiator("POST", f"/v1/weight-sets/{second['id']}/adopt").status_code == 200
        first_now = negotiator("GET", f"/v1/weight-sets/{created['id']}").json()
        assert first_now["status"] == "retired"

    def test_a_set_whose_weights_are_all_zero_is_refused_when_created(self, negotiator):
        body = {"name": "zeros", "weights": {"JenV": 0, "BZK": "0.0"}}
        refused = negotiator("POST", "/v1/weight-sets", body)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "weights"
        listed = negotiator("GET", "/v1/weight-sets?name=zeros").json()
        assert listed["total"] == 0

    def test_a_pool_whose_weights_are_all_zero_is_refused_when_created(self, negotiator):
        body = {
            "name": "Mandaat 2027",
            "weights": WEIGHTS,
            "pool_weights": {"meldpunt": {"JenV": 0}},
        }
        refused = negotiator("POST", "/v1/weight-sets", body)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "pool_weights.meldpunt"

    def test_an_edit_that_makes_every_weight_zero_is_refused_and_changes_nothing(self, negotiator):
        created = _create(negotiator, name="becomes zero", weights={"JenV": 1, "BZK": 2})
        zeroed = {"weights": {"JenV": 0, "BZK": 0}}
        refused = negotiator("PATCH", f"/v1/weight-sets/{created['id']}", zeroed)
        assert refused.status_code == 422
        again = negotiator("GET", f"/v1/weight-sets/{created['id']}").json()
        assert again["weights"] == {"BZK": "2", "JenV": "1"}
        assert again["revision"] == created["revision"]


class TestHistory:
    def test_history_records_every_change_with_who_when_before_and_after(self, negotiator):
        created = _create(negotiator)
        set_id = created["id"]
        negotiator("PATCH", f"/v1/weight-sets/{set_id}", {"weights": {"BZK": 4}})
        negotiator("POST", f"/v1/weight-sets/{set_id}/adopt")
        second = negotiator("POST", f"/v1/weight-sets/{set_id}/revisions", {}).json()
        negotiator("POST", f"/v1/weight-sets/{second['id']}/adopt")
        history = negotiator("GET", f"/v1/weight-sets/{set_id}/history").json()
        actions = [(e["version"], e["action"]) for e in history["events"]]
        assert actions == [
            (1, "created"),
            (1, "updated"),
            (1, "adopted"),
            (2, "revised"),
            (1, "retired"),
            (2, "adopted"),
        ]
        update = history["events"][1]
        assert update["before"]["weights"]["BZK"] == "2"
        assert update["after"]["weights"]["BZK"] == "4"
        assert all(e["actor"].endswith("(negotiator)") and e["at"] for e in history["events"])
        assert history["events"][0]["before"] is None

    def test_history_cannot_be_rewritten_in_the_database(self, db: Session, negotiator):
        _create(negotiator)
        assert_append_only(db, "weight_set_event", update="actor = 'someone else'")
