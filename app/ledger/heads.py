"""Signed tree heads: the log's size and root at a moment, signed by the active key.

Written ``{"tree_size", "root_hash", "timestamp", "key_id", "signature"}``; the signature
(base64) is over the head without it, with the ``costshare/tree-head/v1`` domain prefix.
A head verifies only with a key that was active at its timestamp, so a leaked retired key
cannot sign heads that pass for current ones.

>>> from app.ledger.merkle import EMPTY_ROOT
>>> key = SigningKey.generate()
>>> head = sign_tree_head(key, tree_size=0, root_hash=EMPTY_ROOT)
>>> SignedTreeHead.from_document(head.to_document()) == head
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.ledger import documents
from app.ledger.errors import InvalidSignature
from app.ledger.merkle import hash_from_hex, hash_hex
from app.ledger.signing import (
    SIGNATURE_SIZE,
    PublicKey,
    PublicKeyring,
    Signature,
    SignedKind,
    SigningKey,
)

HEAD_FIELDS = {"tree_size", "root_hash", "timestamp", "key_id", "signature"}


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A log's size and Merkle root, unsigned: what the database says now."""

    tree_size: int
    root_hash: bytes


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    """A tree head with the time it was signed, the key and the signature."""

    tree_size: int
    root_hash: bytes
    timestamp: datetime
    key_id: str
    signature: bytes

    @property
    def tree_head(self) -> TreeHead:
        return TreeHead(self.tree_size, self.root_hash)

    def signed_payload(self) -> dict[str, Any]:
        """What the signature covers: the head without its signature."""
        return {
            "tree_size": self.tree_size,
            "root_hash": hash_hex(self.root_hash),
            "timestamp": documents.utc_text(self.timestamp),
            "key_id": self.key_id,
        }

    def to_document(self) -> dict[str, Any]:
        return {**self.signed_payload(), "signature": documents.b64_text(self.signature)}

    @classmethod
    def from_document(cls, document: object, *, field: str = "signed_head") -> SignedTreeHead:
        doc = documents.mapping(document, field=field)
        documents.exact_keys(doc, HEAD_FIELDS, field=field)
        return cls(
            tree_size=documents.count(doc, "tree_size", field=field),
            root_hash=hash_from_hex(doc["root_hash"], field=f"{field}.root_hash"),
            timestamp=documents.parse_utc(doc["timestamp"], field=f"{field}.timestamp"),
            key_id=documents.text(doc, "key_id", field=field),
            signature=documents.parse_b64(
                doc["signature"], field=f"{field}.signature", size=SIGNATURE_SIZE
            ),
        )


def sign_tree_head(
    key: SigningKey, *, tree_size: int, root_hash: bytes, timestamp: datetime | None = None
) -> SignedTreeHead:
    """Sign the head of a log of ``tree_size`` entries with root ``root_hash``."""
    unsigned = SignedTreeHead(
        tree_size=tree_size,
        root_hash=root_hash,
        timestamp=timestamp or datetime.now(UTC),
        key_id=key.key_id,
        signature=b"",
    )
    signature = key.sign(SignedKind.TREE_HEAD, unsigned.signed_payload())
    return SignedTreeHead(
        tree_size=tree_size,
        root_hash=root_hash,
        timestamp=unsigned.timestamp,
        key_id=key.key_id,
        signature=signature.signature,
    )


def verify_tree_head(head: SignedTreeHead, keys: PublicKeyring) -> PublicKey:
    """Check the head's signature, and that its key was active when it was signed."""
    key = keys.get(head.key_id)
    key.verify(SignedKind.TREE_HEAD, head.signed_payload(), Signature(head.key_id, head.signature))
    if not key.was_active_at(head.timestamp):
        raise InvalidSignature(
            f"the head is dated {documents.utc_text(head.timestamp)}, when key {key.key_id} "
            f"was not the active key ({_lifetime(key)})"
        )
    return key


def _lifetime(key: PublicKey) -> str:
    created = f"created {documents.utc_text(key.created_at)}"
    if key.retired_at is None:
        return created
    return f"{created}, retired {documents.utc_text(key.retired_at)}"
