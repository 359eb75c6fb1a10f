"""The evidence document: its shape, its round trip, and refusals when building it wrongly."""

from __future__ import annotations

import pytest

from app.ledger import entries
from app.ledger.errors import MalformedDocument, ProofRequestError
from app.ledger.evidence import (
    Evidence,
    SignedEntry,
    attach_evidence,
    build_evidence,
    report_body,
)
from app.ledger.merkle import verify_inclusion
from app.ledger.signing import SigningKey
from tests.app.ledger.builders import Log


@pytest.fixture
def log() -> Log:
    log = Log(SigningKey.generate())
    for report_id in range(1, 6):
        log.append(
            entries.report_entry(report_id=report_id, report_hash=f"sha256:{report_id:064x}")
        )
    return log


class TestShape:
    def test_the_document_has_the_documented_members(self, log: Log):
        evidence = build_evidence(tree=log.tree(), signed_head=log.head(), report=log.signed(2))
        document = evidence.to_document()
        assert set(document) == {
            "leaf_index",
            "leaf_hash",
            "entry_signature",
            "inclusion_proof",
            "signed_head",
        }
        assert document["leaf_index"] == 2
        assert document["leaf_hash"] == entries.entry_leaf_hash(log.entries[2]).hex()
        assert Evidence.from_document(document) == evidence

    def test_the_proof_is_for_the_heads_size_and_verifies(self, log: Log):
        head = log.head(4)
        evidence = build_evidence(tree=log.tree(), signed_head=head, report=log.signed(1))
        verify_inclusion(
            leaf=evidence.report.leaf_hash,
            index=1,
            tree_size=4,
            proof=evidence.report.inclusion_proof,
            root=head.root_hash,
        )

    def test_publication_evidence_round_trips(self, log: Log):
        index = log.append(
            entries.publication_entry(
                report_id=2,
                report_hash=log.entries[1]["report_hash"],
                year=2027,
                published_at="2027-02-01T00:00:00+00:00",
                published_by="admin:cs_00000000",
                supersedes_report_id=None,
            )
        )
        evidence = build_evidence(
            tree=log.tree(),
            signed_head=log.head(),
            report=log.signed(1),
            publication=log.signed(index),
        )
        document = evidence.to_document()
        assert document["publication"]["entry"]["kind"] == "publication"
        assert document["publication"]["leaf_index"] == 5
        assert Evidence.from_document(document) == evidence

    def test_the_body_is_the_export_without_hash_publication_and_evidence(self):
        export = {"id": 1, "total": "1.00", "report_hash": "h", "publication": {}, "evidence": {}}
        assert report_body(export) == {"id": 1, "total": "1.00"}
        assert attach_evidence({"id": 1}, _evidence_of_one())["evidence"]["leaf_index"] == 0


def _evidence_of_one() -> Evidence:
    log = Log(SigningKey.generate())
    log.append(entries.report_entry(report_id=1, report_hash="sha256:" + "1" * 64))
    return build_evidence(tree=log.tree(), signed_head=log.head(), report=log.signed(0))


class TestBuildingWrongly:
    def test_a_head_of_another_log_is_refused(self, log: Log):
        other = Log(log.key)
        other.append(entries.report_entry(report_id=9, report_hash="sha256:" + "9" * 64))
        with pytest.raises(ProofRequestError, match="not the root of this log's first 1"):
            build_evidence(tree=log.tree(), signed_head=other.head(), report=log.signed(0))

    def test_an_entry_that_is_not_the_leaf_is_refused(self, log: Log):
        wrong = SignedEntry(log.entries[3], 2, log.signatures[3])
        with pytest.raises(ProofRequestError, match="leaf 2 of the log is not this entry"):
            build_evidence(tree=log.tree(), signed_head=log.head(), report=wrong)

    def test_a_leaf_beyond_the_head_is_refused(self, log: Log):
        with pytest.raises(ProofRequestError, match="leaf index 4 is not in a tree of 3"):
            build_evidence(tree=log.tree(), signed_head=log.head(3), report=log.signed(4))


class TestParsing:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"leaf_index": "0"}, "evidence.leaf_index: must be an integer"),
            ({"inclusion_proof": "ab"}, "evidence.inclusion_proof: must be a list"),
            ({"note": 1}, "evidence: unknown note"),
            ({"signed_head": None}, "evidence.signed_head: must be a JSON object"),
            ({"publication": {"entry": {}}}, "evidence.publication: missing"),
        ],
    )
    def test_malformed_evidence_names_the_field(
        self, log: Log, change: dict[str, object], message: str
    ):
        document = build_evidence(
            tree=log.tree(), signed_head=log.head(), report=log.signed(0)
        ).to_document()
        with pytest.raises(MalformedDocument, match=message):
            Evidence.from_document({**document, **change})

    def test_a_report_entry_offered_as_the_publication_is_refused(self, log: Log):
        document = build_evidence(
            tree=log.tree(), signed_head=log.head(), report=log.signed(0)
        ).to_document()
        leaf = {
            k: document[k]
            for k in ("leaf_index", "leaf_hash", "entry_signature", "inclusion_proof")
        }
        document["publication"] = {"entry": log.entries[0], **leaf}
        with pytest.raises(MalformedDocument, match="publication.entry.kind: must be publication"):
            Evidence.from_document(document)
