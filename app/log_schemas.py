"""Response models of the signed log: heads, keys, proofs and the log's verification.

The documents are those ``app.ledger`` defines (docs/audit.md): a signed head, a signature and
the public keys have exactly the fields the offline verifier reads.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

HASH_HEX = r"^[0-9a-f]{64}$"


class SignedHeadOut(BaseModel):
    """A signed tree head: the log's size and RFC 6962 root at a moment, signed (Ed25519) over
    the head without ``signature``, under the domain ``costshare/tree-head/v1``."""

    tree_size: int = Field(ge=0, examples=[4])
    root_hash: str = Field(pattern=HASH_HEX, description="64 hex digits, no prefix.")
    timestamp: str = Field(examples=["2027-01-10T10:04:00.000000Z"])
    key_id: str = Field(examples=["ed25519:180070f5fefb41af"])
    signature: str = Field(description="Base64 of the 64-byte Ed25519 signature.")


class SignatureOut(BaseModel):
    key_id: str = Field(examples=["ed25519:180070f5fefb41af"])
    algorithm: str = Field(examples=["Ed25519"])
    signature: str = Field(description="Base64 of the 64-byte Ed25519 signature.")


class PublicKeyOut(BaseModel):
    key_id: str = Field(examples=["ed25519:180070f5fefb41af"])
    algorithm: str = Field(examples=["Ed25519"])
    public_key: str = Field(description="Base64 of the raw 32-byte public key.")
    status: str = Field(examples=["active", "retired"])
    created_at: str
    retired_at: str | None


class PublicKeysOut(BaseModel):
    """The public keys that sign the log, as `costshare verify --keys` reads them."""

    keys: list[PublicKeyOut]


class InclusionProofOut(BaseModel):
    """An entry of the log, its signature, and its audit path (RFC 6962 §2.1.1, lowest
    sibling first) in the log's first ``tree_size`` entries."""

    leaf_index: int = Field(ge=0)
    entry: dict[str, Any] = Field(
        examples=[{"kind": "report", "report_id": 1, "report_hash": "sha256:3a33…50b0"}]
    )
    leaf_hash: str = Field(pattern=HASH_HEX)
    entry_signature: SignatureOut
    tree_size: int = Field(ge=1)
    inclusion_proof: list[str]
    signed_head: SignedHeadOut | None = Field(
        description="The stored signed head of ``tree_size`` entries, if one was signed."
    )


class ConsistencyProofOut(BaseModel):
    """The proof (RFC 6962 §2.1.2) that the log's first ``first`` entries are a prefix of its
    first ``second``."""

    first: int = Field(ge=0)
    second: int = Field(ge=1)
    consistency_proof: list[str]
    first_head: SignedHeadOut | None
    second_head: SignedHeadOut | None


class FindingOut(BaseModel):
    """One check that failed, where, and why."""

    kind: str = Field(examples=["report", "publication", "head", "checkpoint", "log"])
    check: str = Field(examples=["signature", "result", "weight_set_history", "truncated"])
    reason: str
    leaf_index: int | None = None
    report_id: int | None = None
    publication_id: int | None = None


class LogVerification(BaseModel):
    """The signed log checked as a whole, and the entries of one page one by one."""

    valid: bool = Field(description="Nothing failed: no findings on this page or in the log.")
    complete: bool = Field(description="The page reached the end of the log.")
    start: int
    limit: int
    checked: int = Field(description="Entries of this page checked one by one.")
    next_start: int | None = Field(description="Where the next page starts; null at the end.")
    tree_size: int = Field(description="Entries in the stored log.")
    reports: int
    publications: int
    checkpoints: int = Field(description="Lines of the checkpoint file checked.")
    signed_head: SignedHeadOut | None
    findings: list[FindingOut]
    more_findings: int = Field(description="Findings beyond those listed.")
