"""The evidence an exported report carries, so that it can be verified offline.

The JSON export of a report is the report body plus ``report_hash`` and ``publication``
(``app/routers/allocations.py::report_document``); with evidence it gains::

    "evidence": {
      "leaf_index": 0,                          the report entry's position in the log
      "leaf_hash": "<64 hex>",                  Merkle leaf hash of the report entry
      "entry_signature": {"key_id", "algorithm": "Ed25519", "signature"},
      "inclusion_proof": ["<64 hex>", ...],     audit path of the leaf, lowest first
      "signed_head": {"tree_size", "root_hash", "timestamp", "key_id", "signature"},
      "publication": {                          only when the report was published
        "entry": {...the publication entry...},
        "leaf_index", "leaf_hash", "entry_signature", "inclusion_proof"
      }
    }

The report entry is not carried: the verifier rebuilds it from the body's ``id`` and the
stated ``report_hash`` (:func:`app.ledger.entries.report_entry`), so every figure is tied to
the leaf through ``report_hash``, and the leaf to the signed head through the proof.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.ledger import documents, entries
from app.ledger.errors import MalformedDocument, ProofRequestError
from app.ledger.heads import SignedTreeHead
from app.ledger.merkle import MerkleTree, hash_from_hex, hash_hex
from app.ledger.signing import Signature

EVIDENCE = "evidence"
NOT_IN_BODY = frozenset({"report_hash", "publication", EVIDENCE})
"""Members of an exported report that are not part of the hashed body."""
_LEAF_FIELDS = {"leaf_index", "leaf_hash", "entry_signature", "inclusion_proof"}


def report_body(document: Mapping[str, Any]) -> dict[str, Any]:
    """The body that ``report_hash`` covers: the export without its added members."""
    return {key: value for key, value in document.items() if key not in NOT_IN_BODY}


@dataclass(frozen=True, slots=True)
class LeafProof:
    """Where an entry sits in the log, its signature and its audit path."""

    leaf_index: int
    leaf_hash: bytes
    entry_signature: Signature
    inclusion_proof: tuple[bytes, ...]

    def to_fields(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf_index,
            "leaf_hash": hash_hex(self.leaf_hash),
            "entry_signature": self.entry_signature.to_document(),
            "inclusion_proof": [hash_hex(h) for h in self.inclusion_proof],
        }

    @classmethod
    def from_fields(cls, doc: Mapping[str, Any], *, field: str) -> LeafProof:
        proof = doc.get("inclusion_proof")
        if not isinstance(proof, list):
            raise MalformedDocument(f"{field}.inclusion_proof: must be a list of hashes")
        return cls(
            leaf_index=documents.count(doc, "leaf_index", field=field),
            leaf_hash=hash_from_hex(doc.get("leaf_hash"), field=f"{field}.leaf_hash"),
            entry_signature=Signature.from_document(
                doc.get("entry_signature"), field=f"{field}.entry_signature"
            ),
            inclusion_proof=tuple(
                hash_from_hex(h, field=f"{field}.inclusion_proof[{i}]") for i, h in enumerate(proof)
            ),
        )


@dataclass(frozen=True, slots=True)
class PublicationEvidence:
    """The signed publication entry of the report, and its place in the log."""

    entry: Mapping[str, Any]
    leaf: LeafProof


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything needed to check an exported report without the database or the server."""

    report: LeafProof
    signed_head: SignedTreeHead
    publication: PublicationEvidence | None = None

    def to_document(self) -> dict[str, Any]:
        document = {**self.report.to_fields(), "signed_head": self.signed_head.to_document()}
        if self.publication is not None:
            document["publication"] = {
                "entry": dict(self.publication.entry),
                **self.publication.leaf.to_fields(),
            }
        return document

    @classmethod
    def from_document(cls, document: object, *, field: str = EVIDENCE) -> Evidence:
        doc = documents.mapping(document, field=field)
        optional = {"publication"} & set(doc)
        documents.exact_keys(doc, _LEAF_FIELDS | {"signed_head"} | optional, field=field)
        publication = doc.get("publication")
        return cls(
            report=LeafProof.from_fields(doc, field=field),
            signed_head=SignedTreeHead.from_document(
                doc["signed_head"], field=f"{field}.signed_head"
            ),
            publication=None
            if publication is None
            else _publication(publication, field=f"{field}.publication"),
        )


def _publication(document: object, *, field: str) -> PublicationEvidence:
    doc = documents.mapping(document, field=field)
    documents.exact_keys(doc, _LEAF_FIELDS | {"entry"}, field=field)
    entry = entries.check_entry(doc["entry"], field=f"{field}.entry")
    if entry["kind"] != entries.PUBLICATION:
        raise MalformedDocument(f"{field}.entry.kind: must be {entries.PUBLICATION}")
    return PublicationEvidence(entry, LeafProof.from_fields(doc, field=field))


@dataclass(frozen=True, slots=True)
class SignedEntry:
    """An entry as the log holds it: its position and its signature."""

    entry: Mapping[str, Any]
    leaf_index: int
    signature: Signature


def build_evidence(
    *,
    tree: MerkleTree,
    signed_head: SignedTreeHead,
    report: SignedEntry,
    publication: SignedEntry | None = None,
) -> Evidence:
    """The evidence for a report in ``tree`` under ``signed_head`` (which must be a head of
    that tree): proofs are made for the head's size."""
    if tree.root(signed_head.tree_size) != signed_head.root_hash:
        raise ProofRequestError(
            f"the signed head's root is not the root of this log's first "
            f"{signed_head.tree_size} entries"
        )
    published = None
    if publication is not None:
        published = PublicationEvidence(
            publication.entry, _leaf_proof(tree, signed_head, publication)
        )
    return Evidence(_leaf_proof(tree, signed_head, report), signed_head, published)


def _leaf_proof(tree: MerkleTree, head: SignedTreeHead, signed: SignedEntry) -> LeafProof:
    leaf = entries.entry_leaf_hash(signed.entry)
    if tree.leaf_hash(signed.leaf_index) != leaf:
        raise ProofRequestError(f"leaf {signed.leaf_index} of the log is not this entry")
    return LeafProof(
        leaf_index=signed.leaf_index,
        leaf_hash=leaf,
        entry_signature=signed.signature,
        inclusion_proof=tree.inclusion_proof(signed.leaf_index, head.tree_size),
    )


def attach_evidence(document: Mapping[str, Any], evidence: Evidence) -> dict[str, Any]:
    """The exported report with its evidence added."""
    return {**document, EVIDENCE: evidence.to_document()}
