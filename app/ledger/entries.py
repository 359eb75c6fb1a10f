"""What a log leaf holds: a signed entry for each report and each publication.

An entry is a small JSON object; the leaf's data is its canonical JSON (UTF-8) and the leaf
hash ``SHA-256(0x00 || data)``. A report entry carries the report's ``report_hash``, the
SHA-256 of the report's whole body, so the entry, its signature and the leaf tie every figure,
the input snapshot and the chain link ``prev_hash`` to the tree head::

    {"kind": "report", "report_id": 1, "report_hash": "sha256:…"}
    {"kind": "publication", "report_id": 1, "report_hash": "sha256:…", "year": 2027,
     "published_at": "…", "published_by": "…", "supersedes_report_id": null,
     "plan_id": null, "acknowledged_unadopted_weights": false}

A publication entry carries everything the service shows about a publication, so that which
report is official for a year, since when, by whom, superseding which, as part of which plan,
and whether it was published although its weights were not adopted, all rest on a signature.

An entry is signed with the domain of its kind (``costshare/report/v1``,
``costshare/publication/v1``).

>>> entry = report_entry(report_id=1, report_hash="sha256:" + "0" * 64)
>>> leaf_data(entry)
b'{"kind":"report","report_hash":"sha256:0000000000000000000000000000000000000000000000000000000000000000","report_id":1}'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from allocation.report import canonical_json
from app.ledger import documents
from app.ledger.errors import MalformedDocument
from app.ledger.merkle import leaf_hash
from app.ledger.signing import PublicKey, PublicKeyring, Signature, SignedKind, SigningKey

REPORT, PUBLICATION = "report", "publication"
_KINDS = {REPORT: SignedKind.REPORT, PUBLICATION: SignedKind.PUBLICATION}
_FIELDS = {
    REPORT: {"kind", "report_id", "report_hash"},
    PUBLICATION: {
        "kind",
        "report_id",
        "report_hash",
        "year",
        "published_at",
        "published_by",
        "supersedes_report_id",
        "plan_id",
        "acknowledged_unadopted_weights",
    },
}


def report_entry(*, report_id: int, report_hash: str) -> dict[str, Any]:
    """The log entry of a stored report."""
    return {"kind": REPORT, "report_id": report_id, "report_hash": report_hash}


def publication_entry(
    *,
    report_id: int,
    report_hash: str,
    year: int,
    published_at: str,
    published_by: str,
    supersedes_report_id: int | None,
    plan_id: int | None = None,
    acknowledged_unadopted_weights: bool = False,
) -> dict[str, Any]:
    """The log entry of a publication: report ``report_id`` became the official one."""
    return {
        "kind": PUBLICATION,
        "report_id": report_id,
        "report_hash": report_hash,
        "year": year,
        "published_at": published_at,
        "published_by": published_by,
        "supersedes_report_id": supersedes_report_id,
        "plan_id": plan_id,
        "acknowledged_unadopted_weights": acknowledged_unadopted_weights,
    }


def check_entry(entry: object, *, field: str = "entry") -> Mapping[str, Any]:
    """``entry`` as a report or publication entry; refuses other shapes."""
    doc = documents.mapping(entry, field=field)
    kind = doc.get("kind")
    if kind not in _FIELDS:
        raise MalformedDocument(f"{field}.kind: must be {REPORT} or {PUBLICATION}")
    documents.exact_keys(doc, _FIELDS[kind], field=field)
    documents.count(doc, "report_id", field=field)
    documents.text(doc, "report_hash", field=field)
    if kind == PUBLICATION:
        documents.count(doc, "year", field=field)
        documents.text(doc, "published_at", field=field)
        documents.text(doc, "published_by", field=field)
        for key in ("supersedes_report_id", "plan_id"):
            if doc[key] is not None:
                documents.count(doc, key, field=field)
        if not isinstance(doc["acknowledged_unadopted_weights"], bool):
            raise MalformedDocument(f"{field}.acknowledged_unadopted_weights: must be a boolean")
    return doc


def leaf_data(entry: Mapping[str, Any]) -> bytes:
    """The bytes a leaf holds: the entry's canonical JSON."""
    return canonical_json(entry).encode("utf-8")


def entry_leaf_hash(entry: Mapping[str, Any]) -> bytes:
    """The Merkle leaf hash of an entry."""
    return leaf_hash(leaf_data(entry))


def sign_entry(key: SigningKey, entry: Mapping[str, Any]) -> Signature:
    """Sign an entry with the domain of its kind."""
    return key.sign(_KINDS[check_entry(entry)["kind"]], entry)


def verify_entry(keys: PublicKeyring, entry: Mapping[str, Any], signature: Signature) -> PublicKey:
    """Check an entry's signature; returns the key that made it."""
    return keys.verify(_KINDS[check_entry(entry)["kind"]], entry, signature)
