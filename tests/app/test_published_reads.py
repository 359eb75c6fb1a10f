"""Published figures are served from what publishing prepared, yet never stale: a new
publication, a renamed ministry and a revoked key each take effect on the next request."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.schemas import SCENARIO_EXAMPLE
from app.services import keys as key_service
from tests.conftest import Seeded, auth

ACK = {"acknowledge_unadopted_weights": True}


def _publish(client: TestClient, key: str, body: dict[str, Any]) -> dict[str, Any]:
    report = client.post("/v1/allocations", headers=auth(key), json=body).json()
    path = f"/v1/allocations/{report['id']}"
    etag = client.get(path, headers=auth(key)).headers["etag"]
    answer = client.post(f"{path}/publish", headers={**auth(key), "If-Match": etag}, json=ACK)
    assert answer.status_code == 200, answer.text
    return report


def _share(client: TestClient, key: str) -> Any:
    return client.get("/v1/ministries/JenV/share", headers=auth(key), params={"year": 2027})


class TestPreparedAnswers:
    def test_a_new_publication_replaces_the_prepared_share_and_table(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        first = _publish(client, keys["negotiator"], {"scenario_id": seeded.scenario_id})
        assert _share(client, keys["reader"]).json()["report"]["id"] == first["id"]
        table = client.get(
            "/v1/budget-table", headers=auth(keys["reader"]), params={"from": 2027, "to": 2027}
        ).json()
        second = _publish(client, keys["negotiator"], {"scenario": SCENARIO_EXAMPLE})
        again = _share(client, keys["reader"]).json()
        assert again["report"]["id"] == second["id"]
        line = next(ln for ln in second["lines"] if ln["ministry"] == "JenV")
        assert again["total"] == line["total"]
        fresh = client.get(
            "/v1/budget-table", headers=auth(keys["reader"]), params={"from": 2027, "to": 2027}
        ).json()
        assert fresh["reports"]["2027"] == second["id"] != table["reports"]["2027"]

    def test_a_renamed_ministry_shows_at_once(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        _publish(client, keys["negotiator"], {"scenario_id": seeded.scenario_id})
        assert _share(client, keys["reader"]).json()["name"] == "Justitie en Veiligheid"
        etag = client.get("/v1/ministries/JenV", headers=auth(keys["admin"])).headers["etag"]
        renamed = client.patch(
            "/v1/ministries/JenV",
            headers={**auth(keys["admin"]), "If-Match": etag},
            json={"name": "Justitie en Veiligheid (JenV)"},
        )
        assert renamed.status_code == 200
        assert _share(client, keys["reader"]).json()["name"] == "Justitie en Veiligheid (JenV)"

    def test_a_revoked_key_is_refused_at_once_even_for_a_prepared_answer(
        self, client: TestClient, db: Session, keys: dict[str, str], seeded: Seeded
    ):
        _publish(client, keys["negotiator"], {"scenario_id": seeded.scenario_id})
        issued = key_service.create(db, role="reader", ministry_code=None)
        db.commit()
        assert _share(client, issued.plaintext).status_code == 200
        assert _share(client, issued.plaintext).status_code == 200
        key_service.revoke(db, issued.prefix)
        db.commit()
        refused = _share(client, issued.plaintext)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"

    def test_a_finance_key_is_refused_another_ministrys_prepared_share(
        self, client: TestClient, keys: dict[str, str], seeded: Seeded
    ):
        _publish(client, keys["negotiator"], {"scenario_id": seeded.scenario_id})
        assert _share(client, keys["finance_jenv"]).status_code == 200
        assert _share(client, keys["finance_bzk"]).status_code == 403
