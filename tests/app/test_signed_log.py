"""The signed log over the API, with the documents the API really returns: every report and
publication is a signed entry, each appending answer carries the head that covers it, heads
reach the checkpoint file only once committed, proofs check against an independent RFC 6962
implementation, and a real JSON export passes ``costshare verify`` until a figure is flipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.auth import Principal, Role
from app.cli import main
from app.ledger import entries, keyring
from app.ledger.checkpoints import read_checkpoints
from app.ledger.heads import SignedTreeHead, verify_tree_head
from app.ledger.merkle import hash_from_hex, verify_consistency
from app.ledger.signing import PublicKeyring, Signature
from app.routers import allocations as allocation_router
from app.services import allocations, audit
from app.services import log as ledger_log
from app.settings import get_settings
from tests.app.ledger import reference
from tests.conftest import Seeded, auth

SMALL = {"year": 2027, "base": "1000.00", "weights": {"JenV": 1, "BZK": 1}}


class Api:
    def __init__(self, client: TestClient, key: str) -> None:
        self.client, self.headers = client, auth(key)

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, headers=self.headers, params=params)
        assert response.status_code == 200, response.text
        return response

    def run(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post("/v1/allocations", headers=self.headers, json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def publish(self, report_id: int) -> dict[str, Any]:
        etag = self.get(f"/v1/allocations/{report_id}").headers["etag"]
        response = self.client.post(
            f"/v1/allocations/{report_id}/publish",
            headers={**self.headers, "If-Match": etag},
            json={"acknowledge_unadopted_weights": True},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def api(client: TestClient, keys: dict[str, str]) -> Api:
    return Api(client, keys["negotiator"])


def _keys(api: Api) -> PublicKeyring:
    return PublicKeyring.from_document(api.client.get("/v1/audit/keys").json())


def _head(document: dict[str, Any]) -> SignedTreeHead:
    return SignedTreeHead.from_document(document)


def _history(api: Api, seeded: Seeded) -> list[dict[str, Any]]:
    """Two reports, a publication, a superseding one, and a plan of two years published:
    eight entries."""
    first = api.run({"scenario_id": seeded.scenario_id})
    second = api.run({"scenario": SMALL})
    api.publish(first["id"])
    api.publish(second["id"])
    plan = api.client.post(
        "/v1/plans",
        headers=api.headers,
        json={"scenario": {**SMALL, "year": 2030, "projection": {"years": 2}}},
    ).json()
    published = api.client.post(
        f"/v1/plans/{plan['id']}/publish",
        headers={**api.headers, "If-Match": "*"},
        json={"acknowledge_unadopted_weights": True},
    )
    assert published.status_code == 200, published.text
    assert published.json()["signed_head"]["tree_size"] == 8
    return [first, second, plan]


class TestEntries:
    def test_a_run_answers_with_the_signed_head_that_covers_its_entry(
        self, api: Api, checkpoint_file: Path
    ):
        report = api.run({"scenario": SMALL})
        head = _head(report["signed_head"])
        keys = _keys(api)
        assert verify_tree_head(head, keys).status == "active"
        assert head.tree_size == 1
        proof = api.get(f"/v1/allocations/{report['id']}/proof").json()
        assert proof["entry"] == entries.report_entry(
            report_id=report["id"], report_hash=report["report_hash"]
        )
        entries.verify_entry(
            keys, proof["entry"], Signature.from_document(proof["entry_signature"])
        )
        assert [c.head for c in read_checkpoints(checkpoint_file).checkpoints] == [head]
        assert api.get(f"/v1/allocations/{report['id']}").json()["signed_head"] is None

    def test_publishing_superseding_and_a_plan_are_entries_of_the_same_log(
        self, api: Api, seeded: Seeded
    ):
        first, second, plan = _history(api, seeded)
        listed = api.get("/v1/publications", year=2027).json()["items"]
        assert [(p["report_id"], p["supersedes_report_id"]) for p in listed] == [
            (first["id"], None),
            (second["id"], first["id"]),
        ]
        superseding = api.get(f"/v1/publications/{listed[1]['id']}/proof").json()
        assert superseding["entry"] == {
            "kind": "publication",
            "report_id": second["id"],
            "report_hash": second["report_hash"],
            "year": 2027,
            "published_at": superseding["entry"]["published_at"],
            "published_by": superseding["entry"]["published_by"],
            "supersedes_report_id": first["id"],
            "plan_id": None,
            "acknowledged_unadopted_weights": True,
        }
        assert superseding["leaf_index"] == listed[1]["leaf_index"] == 3
        plan_years = api.get("/v1/publications", year=2031).json()["items"]
        assert [p["plan_id"] for p in plan_years] == [plan["id"]]
        assert plan_years[0]["leaf_index"] == 7

    def test_a_head_whose_transaction_rolled_back_never_reaches_the_checkpoint_file(
        self, api: Api, monkeypatch: pytest.MonkeyPatch, checkpoint_file: Path
    ):
        api.run({"scenario": SMALL})

        def fail(*_args: object) -> None:
            raise RuntimeError("the answer could not be built after the head was signed")

        monkeypatch.setattr(allocation_router, "_out", fail)
        failed = api.client.post("/v1/allocations", headers=api.headers, json={"scenario": SMALL})
        assert failed.status_code == 500
        monkeypatch.undo()
        sizes = [c.head.tree_size for c in read_checkpoints(checkpoint_file).checkpoints]
        assert sizes == [1]
        assert api.get("/v1/audit/head").json()["tree_size"] == 1
        assert api.run({"scenario": SMALL})["signed_head"]["tree_size"] == 2


class TestTheKeptTree:
    def test_a_tree_with_entries_not_yet_committed_is_never_kept(self, api: Api, db: Session):
        api.run({"scenario": SMALL})
        ledger_log.forget_trees()
        assert ledger_log.log_tree(db).size == 1
        editor = Principal(key_prefix="test", role=Role.NEGOTIATOR)
        request = allocations.RunRequest(
            scenario_id=None, scenario=SMALL, rule=None, solver="highs", year=None
        )
        allocations.run(db, editor, request, idempotency_key=None)
        assert ledger_log.log_tree(db).size == 2
        kept = ledger_log.kept_tree(db)
        assert kept is not None and kept.size == 1
        db.rollback()
        assert ledger_log.log_tree(db).size == 1
        assert api.get("/v1/audit/head").json()["tree_size"] == 1


class TestProofsAgainstTheReference:
    def test_every_inclusion_and_consistency_proof_checks_with_the_naive_rfc_6962_code(
        self, api: Api, seeded: Seeded
    ):
        first, second, plan = _history(api, seeded)
        report_ids = [first["id"], second["id"], *(y["report_id"] for y in plan["years"])]
        publication_ids = [p["id"] for p in api.get("/v1/publications").json()["items"]]
        proofs = [api.get(f"/v1/allocations/{i}/proof").json() for i in report_ids]
        proofs += [api.get(f"/v1/publications/{i}/proof").json() for i in publication_ids]
        proofs.sort(key=lambda p: p["leaf_index"])
        assert [p["leaf_index"] for p in proofs] == list(range(8))
        data = [entries.leaf_data(p["entry"]) for p in proofs]
        head = api.get("/v1/audit/head").json()
        assert hash_from_hex(head["root_hash"]) == reference.mth(data)
        for proof in proofs:
            path = [hash_from_hex(h) for h in proof["inclusion_proof"]]
            leaf = reference.sha256(b"\x00" + data[proof["leaf_index"]])
            assert proof["leaf_hash"] == leaf.hex()
            rebuilt = reference.root_from_path(leaf, proof["leaf_index"], 8, path)
            assert rebuilt == reference.mth(data)
        for size in range(1, 9):
            older = api.get(f"/v1/allocations/{first['id']}/proof", tree_size=size).json()
            path = [hash_from_hex(h) for h in older["inclusion_proof"]]
            assert reference.root_from_path(
                reference.sha256(b"\x00" + data[0]), 0, size, path
            ) == reference.mth(data[:size])
        for first_size in range(1, 8):
            for second_size in range(first_size + 1, 9):
                answer = api.get(
                    "/v1/audit/consistency", first=first_size, second=second_size
                ).json()
                path = [hash_from_hex(h) for h in answer["consistency_proof"]]
                assert path == reference.proof(first_size, data[:second_size])
                old_root, new_root = (
                    reference.mth(data[:first_size]),
                    reference.mth(data[:second_size]),
                )
                assert reference.roots_from_proof(first_size, second_size, old_root, path) == (
                    old_root,
                    new_root,
                )
                verify_consistency(
                    old_size=first_size,
                    new_size=second_size,
                    old_root=old_root,
                    new_root=new_root,
                    proof=path,
                )

    def test_a_kept_head_is_extended_by_the_log_as_costshare_verify_consistency_shows(
        self, api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        kept = api.run({"scenario": SMALL})["signed_head"]
        api.run({"scenario": SMALL})
        api.run({"scenario": SMALL})
        kept_file, proof_file = tmp_path / "kept.json", tmp_path / "consistency.json"
        kept_file.write_text(json.dumps(kept), encoding="utf-8")
        proof_file.write_text(api.get("/v1/audit/consistency", first=1).text, encoding="utf-8")
        keys_file = tmp_path / "keys.json"
        keys_file.write_text(api.client.get("/v1/audit/keys").text, encoding="utf-8")
        code = main(
            ["verify-consistency", str(kept_file), str(proof_file), "--keys", str(keys_file)]
        )
        printed = capsys.readouterr().out
        assert code == 0, printed
        assert "ok     consistency: the log of 3 entries extends the kept head of 1" in printed

    def test_sizes_beyond_the_log_are_refused_naming_the_parameter(self, api: Api):
        report = api.run({"scenario": SMALL})
        beyond = api.client.get("/v1/audit/consistency?first=2", headers=api.headers)
        assert beyond.status_code == 409
        assert beyond.json()["detail"].startswith("first: the log's newest signed head has 1")
        reversed_sizes = api.client.get(
            "/v1/audit/consistency?first=1&second=1", headers=api.headers
        )
        assert reversed_sizes.status_code == 200
        too_large = api.client.get(
            f"/v1/allocations/{report['id']}/proof?tree_size=5", headers=api.headers
        )
        assert too_large.status_code == 409
        assert too_large.json()["detail"].startswith("tree_size:")
        negative = api.client.get("/v1/audit/consistency?first=-1", headers=api.headers)
        assert negative.status_code == 422
        assert negative.json()["errors"][0]["field"] == "first"


class TestOfflineVerificationOfRealExports:
    def test_a_real_export_verifies_offline_and_a_flipped_figure_fails(
        self,
        api: Api,
        seeded: Seeded,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ):
        report = api.run({"scenario_id": seeded.scenario_id})
        api.publish(report["id"])
        exported = api.get(f"/v1/allocations/{report['id']}/export", format="json").json()
        assert set(exported["evidence"]) == {
            "leaf_index",
            "leaf_hash",
            "entry_signature",
            "inclusion_proof",
            "signed_head",
            "publication",
        }
        export_file = tmp_path / "report.json"
        export_file.write_text(json.dumps(exported), encoding="utf-8")
        keys_file = tmp_path / "keys.json"
        keys_file.write_text(api.client.get("/v1/audit/keys").text, encoding="utf-8")
        head_file = tmp_path / "head.json"
        head_file.write_text(api.get("/v1/audit/head").text, encoding="utf-8")

        code = main(
            ["verify", str(export_file), "--keys", str(keys_file), "--head", str(head_file)]
        )
        printed = capsys.readouterr().out
        assert code == 0, printed
        assert "ok     publication: published for 2027" in printed
        assert "ok     result: recomputed optimal" in printed

        flipped = json.loads(export_file.read_text())
        jenv = next(line for line in flipped["lines"] if line["ministry"] == "JenV")
        jenv["total"] = "850319.60"
        export_file.write_text(json.dumps(flipped), encoding="utf-8")
        code = main(["verify", str(export_file), "--keys", str(keys_file)])
        printed = capsys.readouterr().out
        assert code == 1
        assert "FAILED report_hash: the body hashes to" in printed
        assert "FAILED result: recomputing gives other figures: JenV total: report 850319.60" in (
            printed
        )


class TestOneVerdict:
    def test_pages_that_show_one_verdict_get_the_first_page_summed_up(
        self, api: Api, seeded: Seeded, db: Session
    ):
        _history(api, seeded)
        summary = audit.verify_chain(db)
        assert (summary.valid, summary.length, summary.checked) == (True, 4, 8)
        assert summary.first_broken is None
        newest = api.get("/v1/allocations", limit=1).json()["items"][0]
        assert summary.head_hash == newest["report_hash"]


class TestKeyRotation:
    def test_after_a_rotation_new_entries_use_the_new_key_and_old_ones_still_verify(
        self, app: FastAPI, keys: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ):
        folder = tmp_path / "keys"
        keyring.create_keyring(folder)
        monkeypatch.setenv("COSTSHARE_SIGNING_KEYS", str(folder))
        get_settings.cache_clear()
        with TestClient(app) as client:
            api = Api(client, keys["negotiator"])
            before = api.run({"scenario": SMALL})
            assert main(["signing-keys", "rotate"]) == 0
            after = api.run({"scenario": SMALL})
            published = _keys(api)
            assert [k.status for k in published.keys] == ["retired", "active"]
            assert before["signed_head"]["key_id"] == published.keys[0].key_id
            assert after["signed_head"]["key_id"] == published.keys[1].key_id
            for head in (before["signed_head"], after["signed_head"]):
                verify_tree_head(_head(head), published)
            log = api.get("/v1/audit/verify").json()
            assert log["valid"] is True, log["findings"]
