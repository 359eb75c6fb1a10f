"""Someone with the database owner's rights attacks the figures, as a probe once did, on a
database of its own with real commits: the service connects as its own role, the attacker as
the owner of the schema. Each attack that once verified as *valid* is now found, and says
where and why."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

import allocation
from allocation.report import canonical_json, sha256_of
from app.cli import main
from app.db import dispose_engines, session_for
from app.ledger import entries
from app.ledger.errors import InvalidProof
from app.ledger.merkle import hash_from_hex, leaf_hash, verify_consistency
from app.main import create_app
from app.models import Publication
from app.seed import seed
from app.services import allocations
from app.services import keys as key_service
from app.services import log as ledger_log
from app.services.report_figures import report_figures
from app.settings import get_settings
from tests.app.ledger import reference
from tests.conftest import auth
from tests.databases import backend, fresh_database, migrate, owner_url

SMALL = {"year": 2027, "base": "1000.00", "weights": {"JenV": 1, "BZK": 1}}


class Attacker:
    """The owner of the schema, working behind the service's back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def run(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return list(result) if result.returns_rows else []

    def drop_triggers(self, *tables: str) -> None:
        for table in tables:
            if self.engine.dialect.name == "postgresql":
                self.run(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
                self.run(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            else:
                self.run(f"DROP TRIGGER IF EXISTS {table}_no_update")
                self.run(f"DROP TRIGGER IF EXISTS {table}_no_delete")

    def body(self, report_id: int) -> dict[str, Any]:
        [(body,)] = self.run("SELECT body FROM allocation_report WHERE id = :i", i=report_id)
        return dict(json.loads(body))

    def rewrite_report(self, report_id: int, body: dict[str, Any]) -> str:
        """Store a new body, its hash and chain link: as consistent as the chain can be."""
        report_hash = sha256_of(body)
        self.run(
            "UPDATE allocation_report SET body = :b, report_hash = :h, prev_hash = :p "
            "WHERE id = :i",
            b=canonical_json(body),
            h=report_hash,
            p=body["prev_hash"],
            i=report_id,
        )
        return report_hash

    def rewrite_entry(self, column: str, value: int, entry: dict[str, Any]) -> None:
        """Make a log entry name the new hash, with a matching leaf hash (no key to sign)."""
        data = entries.leaf_data(entry)
        self.run(
            f"UPDATE log_entry SET entry = :e, leaf_hash = :h WHERE {column} = :v",
            e=data.decode(),
            h=leaf_hash(data).hex(),
            v=value,
        )

    def entry(self, column: str, value: int) -> dict[str, Any]:
        [(entry,)] = self.run(f"SELECT entry FROM log_entry WHERE {column} = :v", v=value)
        return dict(json.loads(entry))


@dataclass
class Deployment:
    client: TestClient
    headers: dict[str, str]
    attacker: Attacker
    checkpoint_file: Path

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, headers=self.headers, params=params)

    def run(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.client.post(
            "/v1/allocations", headers=self.headers, json=body or {"scenario_id": 1}
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def publish(self, report_id: int) -> None:
        response = self.client.post(
            f"/v1/allocations/{report_id}/publish",
            headers={**self.headers, "If-Match": "*"},
            json={"acknowledge_unadopted_weights": True},
        )
        assert response.status_code == 200, response.text

    def findings(self) -> set[tuple[str, str, int | None]]:
        answer = self.get("/v1/audit/verify").json()
        assert answer["valid"] is (not answer["findings"])
        return {(f["kind"], f["check"], f["report_id"]) for f in answer["findings"]}


@pytest.fixture
def deployment(tmp_path: Path, database_url: str, checkpoint_file: Path) -> Iterator[Deployment]:
    """A fresh database migrated by its owner, served by the app connected as the service."""
    with fresh_database(tmp_path) as url:
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        owner = create_engine(owner_url(url))
        try:
            migrate(url)
            with session_for(writes=True) as session, session.begin():
                seed(session)
                key = key_service.create(session, role="negotiator", ministry_code=None)
            with TestClient(create_app(), raise_server_exceptions=False) as client:
                yield Deployment(client, auth(key.plaintext), Attacker(owner), checkpoint_file)
        finally:
            owner.dispose()
            dispose_engines()
            os.environ["DATABASE_URL"] = database_url
            get_settings.cache_clear()


def _jenv(body: dict[str, Any]) -> str:
    return str(next(line["total"] for line in body["lines"] if line["ministry"] == "JenV"))


class TestAConsistentRehash:
    """Triggers dropped, report 3's input changed (JenV weight 1 → 0.5), its figures recomputed
    with the engine, reports 3–5 re-hashed and their log entries rewritten to match."""

    def _attack(self, deployment: Deployment) -> dict[str, Any]:
        attacker = deployment.attacker
        attacker.drop_triggers("allocation_report", "log_entry")
        body = attacker.body(3)
        snapshot = body["snapshot"]
        snapshot["weight_set"]["weights"]["JenV"] = "0.5"
        snapshot["scenario"]["weights"]["JenV"] = "0.5"
        scenario = allocation.parse_scenario(snapshot["scenario"])
        result = allocations.engine_result(scenario, solver="highs", year=None).to_dict()
        body.update(report_figures(result, snapshot))
        previous = attacker.body(2)
        prev_hash = sha256_of(previous)
        for report_id in (3, 4, 5):
            rewritten = body if report_id == 3 else attacker.body(report_id)
            rewritten["prev_hash"] = prev_hash
            prev_hash = attacker.rewrite_report(report_id, rewritten)
            attacker.rewrite_entry(
                "report_id",
                report_id,
                entries.report_entry(report_id=report_id, report_hash=prev_hash),
            )
        return body

    def test_is_found_by_the_signatures_and_by_re_performing_the_input(
        self, deployment: Deployment
    ):
        for _ in range(5):
            deployment.run()
        deployment.publish(3)
        share = deployment.get("/v1/ministries/JenV/share", year=2027).json()
        assert share["total"] == "850319.59"
        tampered = self._attack(deployment)
        assert _jenv(tampered) == "471531.72"

        check = deployment.get("/v1/allocations/3/verify").json()
        assert check["valid"] is False
        for fooled in ("report_hash", "prev_hash", "input_hash", "result", "scenario_weights"):
            assert check["checks"][fooled] is True, fooled
        for caught in ("entry_signature", "inclusion", "weight_set_history", "publications"):
            assert check["checks"][caught] is False, caught
        assert any("JenV: snapshot 0.5, history 1" in p for p in check["problems"])

        found = deployment.findings()
        for report_id in (3, 4, 5):
            assert ("report", "signature", report_id) in found
        assert ("report", "weight_set_history", 3) in found
        assert ("publication", "report_hash", 3) in found
        assert ("head", "root", None) in found

        refused = deployment.get("/v1/ministries/JenV/share", year=2027)
        assert refused.status_code == 409
        assert "471531.72" not in refused.text
        assert deployment.get("/v1/allocations/3/export", format="csv").status_code == 409

    def test_is_never_signed_over(self, deployment: Deployment):
        for _ in range(5):
            deployment.run()
        deployment.publish(1)
        kept = deployment.get("/v1/audit/head").json()
        self._attack(deployment)
        # The running service extends the history it signed, not the rewritten rows …
        later = deployment.run()["signed_head"]
        answer = deployment.get("/v1/audit/consistency", first=6, second=7).json()
        verify_consistency(
            old_size=6,
            new_size=7,
            old_root=hash_from_hex(kept["root_hash"]),
            new_root=hash_from_hex(later["root_hash"]),
            proof=[hash_from_hex(h) for h in answer["consistency_proof"]],
        )
        # … and once restarted, it rebuilds the tree from the rows and refuses to append.
        ledger_log.forget_trees()
        refused = deployment.client.post(
            "/v1/allocations", headers=deployment.headers, json={"scenario_id": 1}
        )
        assert refused.status_code == 409
        assert refused.json()["type"] == "/problems/log-contradiction"
        assert "no longer have the root" in refused.json()["detail"]


class TestTruncation:
    """The last report, its entry and its head are deleted: the database agrees with itself."""

    def _truncate(self, deployment: Deployment) -> None:
        attacker = deployment.attacker
        attacker.drop_triggers("allocation_report", "log_entry", "tree_head")
        attacker.run("DELETE FROM log_entry WHERE leaf_index = 4")
        attacker.run("DELETE FROM tree_head WHERE tree_size = 5")
        attacker.run("DELETE FROM allocation_report WHERE id = 5")

    def test_is_found_by_the_checkpoint_file_and_refuses_further_appends(
        self, deployment: Deployment
    ):
        kept = [deployment.run()["signed_head"] for _ in range(5)][-1]
        self._truncate(deployment)
        answer = deployment.get("/v1/audit/verify").json()
        assert answer["tree_size"] == 4 and answer["signed_head"]["tree_size"] == 4
        [finding] = [f for f in answer["findings"] if f["kind"] == "checkpoint"]
        assert finding["check"] == "truncated"
        assert "records 5 entries, the log now has 4" in finding["reason"]
        behind = deployment.get("/v1/audit/consistency", first=kept["tree_size"])
        assert behind.status_code == 409
        assert "this log is not its continuation" in behind.json()["detail"]
        refused = deployment.client.post(
            "/v1/allocations", headers=deployment.headers, json={"scenario_id": 1}
        )
        assert refused.status_code == 409
        assert "records 5 entries, but the log has 4" in refused.json()["detail"]

    def test_and_a_rewritten_continuation_fails_the_consistency_proof_from_a_kept_head(
        self,
        deployment: Deployment,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ):
        kept = [deployment.run()["signed_head"] for _ in range(5)][-1]
        self._truncate(deployment)
        monkeypatch.setenv("COSTSHARE_CHECKPOINT_FILE", str(tmp_path / "elsewhere.jsonl"))
        get_settings.cache_clear()
        replacement = deployment.run({"scenario": {**SMALL, "base": "1.00"}})
        assert replacement["id"] == 5 and replacement["signed_head"]["tree_size"] == 5
        newer = deployment.run()["signed_head"]
        answer = deployment.get("/v1/audit/consistency", first=5, second=6).json()
        proof = [hash_from_hex(h) for h in answer["consistency_proof"]]
        old_root, new_root = hash_from_hex(kept["root_hash"]), hash_from_hex(newer["root_hash"])
        with pytest.raises(InvalidProof, match="the first 5 entries were changed"):
            verify_consistency(
                old_size=5, new_size=6, old_root=old_root, new_root=new_root, proof=proof
            )
        assert reference.roots_from_proof(5, 6, old_root, proof) != (old_root, new_root)
        kept_file, proof_file = tmp_path / "kept.json", tmp_path / "consistency.json"
        kept_file.write_text(json.dumps(kept), encoding="utf-8")
        proof_file.write_text(json.dumps(answer), encoding="utf-8")
        keys_file = tmp_path / "keys.json"
        keys_file.write_text(deployment.client.get("/v1/audit/keys").text, encoding="utf-8")
        code = main(
            ["verify-consistency", str(kept_file), str(proof_file), "--keys", str(keys_file)]
        )
        printed = capsys.readouterr().out
        assert code == 1
        assert "FAILED consistency: the log does not extend the kept head" in printed

        exported = deployment.get("/v1/allocations/5/export", format="json").json()
        export_file, head_file = tmp_path / "report-5.json", tmp_path / "kept-head.json"
        export_file.write_text(json.dumps(exported), encoding="utf-8")
        head_file.write_text(json.dumps(kept), encoding="utf-8")
        code = main(
            ["verify", str(export_file), "--keys", str(keys_file), "--head", str(head_file)]
        )
        printed = capsys.readouterr().out
        assert code == 1
        assert "FAILED inclusion: not in the log under this head" in printed


class TestAnInsertedPublication:
    """Triggers block only UPDATE and DELETE: a publication row is simply inserted."""

    def _insert(self, deployment: Deployment, *, report_id: int) -> int:
        with Session(deployment.attacker.engine) as session, session.begin():
            row = Publication(
                year=2027,
                report_id=report_id,
                supersedes_report_id=1,
                actor="key:cs_3f2a9c1e (negotiator)",
                at=datetime.now(UTC),
            )
            session.add(row)
            session.flush()
            return row.id or 0

    def test_does_not_make_its_report_official_and_is_reported(self, deployment: Deployment):
        deployment.run()
        deployment.run()
        deployment.publish(1)
        inserted = self._insert(deployment, report_id=2)

        share = deployment.get("/v1/ministries/JenV/share", year=2027).json()
        assert share["report"]["id"] == 1
        listed = deployment.get("/v1/publications", year=2027).json()["items"]
        assert [p["report_id"] for p in listed] == [1]
        assert deployment.get("/v1/allocations/2").json()["publication"]["state"] == "unpublished"
        table = deployment.get("/v1/budget-table", **{"from": 2027, "to": 2027}).json()
        assert table["missing_years"] == []

        answer = deployment.get("/v1/audit/verify").json()
        [finding] = answer["findings"]
        assert (finding["kind"], finding["check"]) == ("publication", "logged")
        assert (finding["publication_id"], finding["report_id"]) == (inserted, 2)
        check = deployment.get("/v1/allocations/2/verify").json()
        assert check["checks"]["publications"] is False
        assert check["valid"] is False
        assert deployment.get("/v1/allocations/1/verify").json()["valid"] is True
        proof = deployment.get(f"/v1/publications/{inserted}/proof")
        assert proof.status_code == 409

    def test_with_a_forged_log_entry_it_still_does_not_count(self, deployment: Deployment):
        deployment.run()
        deployment.run()
        deployment.publish(1)
        inserted = self._insert(deployment, report_id=2)
        attacker = deployment.attacker
        genuine = attacker.entry("publication_id", 1)
        [(signature, key_id)] = attacker.run(
            "SELECT signature, key_id FROM log_entry WHERE publication_id = 1"
        )
        [(published_at,)] = attacker.run("SELECT at FROM publication WHERE id = :i", i=inserted)
        report_hash = attacker.run("SELECT report_hash FROM allocation_report WHERE id = 2")[0][0]
        forged = {
            **genuine,
            "report_id": 2,
            "report_hash": report_hash,
            "supersedes_report_id": 1,
            "acknowledged_unadopted_weights": False,
            "published_by": "key:cs_3f2a9c1e (negotiator)",
            "published_at": _as_utc(published_at).isoformat(),
        }
        data = entries.leaf_data(forged)
        attacker.run(
            "INSERT INTO log_entry (leaf_index, kind, publication_id, entry, leaf_hash, key_id, "
            "signature, created_at) VALUES (3, 'publication', :p, :e, :h, :k, :s, :c)",
            p=inserted,
            e=data.decode(),
            h=leaf_hash(data).hex(),
            k=key_id,
            s=signature,
            c=datetime.now(UTC),
        )
        share = deployment.get("/v1/ministries/JenV/share", year=2027).json()
        assert share["report"]["id"] == 1
        found = deployment.findings()
        assert ("publication", "signature", 2) in found
        assert ("log", "signed_head", None) in found


def _as_utc(moment: Any) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class TestTheTriggersStillHoldForTheOwner:
    def test_update_and_delete_of_the_log_tables_are_refused_even_to_the_owner(
        self, deployment: Deployment
    ):
        deployment.run()
        deployment.publish(1)
        for table in ("allocation_report", "publication", "log_entry", "tree_head"):
            for statement in (f"UPDATE {table} SET {_COLUMN[table]}", f"DELETE FROM {table}"):
                with pytest.raises(DBAPIError, match="append-only"):
                    deployment.attacker.run(statement)
        if backend() == "postgresql":
            with pytest.raises(DBAPIError, match="append-only"):
                deployment.attacker.run("TRUNCATE log_entry, tree_head")


_COLUMN = {
    "allocation_report": "year = 1999",
    "publication": "year = 1999",
    "log_entry": "kind = 'report'",
    "tree_head": "root_hash = ''",
}
