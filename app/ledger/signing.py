"""Ed25519 signatures over canonical JSON, with a domain prefix per kind of signed thing.

The signed message is ``DOMAIN || canonical_json(payload)`` in UTF-8, where DOMAIN names
the kind and its version (``costshare/report/v1\\n``, ``costshare/publication/v1\\n``,
``costshare/tree-head/v1\\n``): a signature over a report entry can never be replayed as a
tree head, or the other way round, even if the two payloads had the same bytes.

A key is named by its id, ``ed25519:`` + the first 16 hex digits of the SHA-256 of the raw
32-byte public key, so anyone holding the public key can recompute it. A signature is written
``{"key_id", "algorithm": "Ed25519", "signature": <base64 of 64 bytes>}``. Private keys live
in :mod:`app.ledger.keyring`; everything here needs only public keys except :meth:`SigningKey.sign`.

>>> from datetime import UTC
>>> key = SigningKey.generate()
>>> signature = key.sign(SignedKind.REPORT, {"report_id": 1})
>>> keyring = PublicKeyring((key.public_key(created_at=datetime(2027, 1, 1, tzinfo=UTC)),))
>>> keyring.verify(SignedKind.REPORT, {"report_id": 1}, signature).key_id == key.key_id
True
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature as CryptographyInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from allocation.report import canonical_json
from app.ledger import documents
from app.ledger.errors import InvalidSignature, MalformedDocument

ALGORITHM = "Ed25519"
KEY_ID_PREFIX = "ed25519:"
PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
ACTIVE, RETIRED = "active", "retired"


class SignedKind(StrEnum):
    """The kinds of signed things; each has its own domain prefix."""

    REPORT = "report"
    PUBLICATION = "publication"
    TREE_HEAD = "tree-head"

    @property
    def domain(self) -> bytes:
        """The prefix of every message of this kind, e.g. ``b"costshare/report/v1\\n"``."""
        return f"costshare/{self.value}/v1\n".encode("ascii")


def signed_message(kind: SignedKind, payload: object) -> bytes:
    """The exact bytes signed for ``payload``: the kind's domain, then its canonical JSON.

    >>> signed_message(SignedKind.TREE_HEAD, {"b": 1, "a": "x"})
    b'costshare/tree-head/v1\\n{"a":"x","b":1}'
    """
    return kind.domain + canonical_json(payload).encode("utf-8")


def key_id_of(raw_public_key: bytes) -> str:
    """``ed25519:`` + the first 16 hex digits of SHA-256 over the raw public key."""
    return KEY_ID_PREFIX + hashlib.sha256(raw_public_key).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Signature:
    """One Ed25519 signature and the id of the key that made it."""

    key_id: str
    signature: bytes

    def to_document(self) -> dict[str, str]:
        return {
            "key_id": self.key_id,
            "algorithm": ALGORITHM,
            "signature": documents.b64_text(self.signature),
        }

    @classmethod
    def from_document(cls, document: object, *, field: str = "signature") -> Signature:
        """Parse ``{"key_id", "algorithm", "signature"}``; refuses other algorithms."""
        doc = documents.mapping(document, field=field)
        documents.exact_keys(doc, {"key_id", "algorithm", "signature"}, field=field)
        if doc["algorithm"] != ALGORITHM:
            raise MalformedDocument(f"{field}.algorithm: must be {ALGORITHM}")
        return cls(
            key_id=documents.text(doc, "key_id", field=field),
            signature=documents.parse_b64(
                doc["signature"], field=f"{field}.signature", size=SIGNATURE_SIZE
            ),
        )


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A verification key with its life: created, and retired when a newer key took over."""

    key_id: str
    raw: bytes
    created_at: datetime
    retired_at: datetime | None = None

    @property
    def status(self) -> str:
        return ACTIVE if self.retired_at is None else RETIRED

    def was_active_at(self, moment: datetime) -> bool:
        """Whether the key was the one signing at ``moment`` (created, not yet retired)."""
        return self.created_at <= moment and (self.retired_at is None or moment < self.retired_at)

    def verify(self, kind: SignedKind, payload: object, signature: Signature) -> None:
        """Raise :class:`InvalidSignature` unless this key signed ``payload`` as ``kind``."""
        if signature.key_id != self.key_id:
            raise InvalidSignature(f"signed by {signature.key_id}, not by {self.key_id}")
        try:
            public = Ed25519PublicKey.from_public_bytes(self.raw)
        except ValueError as exc:
            raise InvalidSignature(f"{self.key_id} is not a usable Ed25519 public key") from exc
        try:
            public.verify(signature.signature, signed_message(kind, payload))
        except CryptographyInvalidSignature as exc:
            raise InvalidSignature(
                f"the {kind.value} signature by {self.key_id} does not verify: the signed "
                f"content was changed, or it was signed as another kind"
            ) from exc

    def to_document(self) -> dict[str, str | None]:
        return {
            "key_id": self.key_id,
            "algorithm": ALGORITHM,
            "public_key": documents.b64_text(self.raw),
            "status": self.status,
            "created_at": documents.utc_text(self.created_at),
            "retired_at": documents.utc_text(self.retired_at) if self.retired_at else None,
        }

    @classmethod
    def from_document(cls, document: object, *, field: str) -> PublicKey:
        """Parse one entry of a public keys document; the key id must match the key."""
        doc = documents.mapping(document, field=field)
        documents.exact_keys(
            doc,
            {"key_id", "algorithm", "public_key", "status", "created_at", "retired_at"},
            field=field,
        )
        if doc["algorithm"] != ALGORITHM:
            raise MalformedDocument(f"{field}.algorithm: must be {ALGORITHM}")
        raw = documents.parse_b64(
            doc["public_key"], field=f"{field}.public_key", size=PUBLIC_KEY_SIZE
        )
        key_id = documents.text(doc, "key_id", field=field)
        if key_id != key_id_of(raw):
            raise MalformedDocument(f"{field}.key_id: the public key's id is {key_id_of(raw)}")
        retired_at = doc["retired_at"]
        key = cls(
            key_id=key_id,
            raw=raw,
            created_at=documents.parse_utc(doc["created_at"], field=f"{field}.created_at"),
            retired_at=None
            if retired_at is None
            else documents.parse_utc(retired_at, field=f"{field}.retired_at"),
        )
        if doc["status"] != key.status:
            raise MalformedDocument(
                f"{field}.status: must be {key.status} for a key "
                f"{'without' if retired_at is None else 'with'} retired_at"
            )
        return key


@dataclass(frozen=True, slots=True)
class PublicKeyring:
    """The public keys an auditor trusts, as published: ``{"keys": [...]}``."""

    keys: tuple[PublicKey, ...]

    def get(self, key_id: str) -> PublicKey:
        """The key named ``key_id``; :class:`InvalidSignature` if it is not among them."""
        for key in self.keys:
            if key.key_id == key_id:
                return key
        known = ", ".join(key.key_id for key in self.keys) or "none"
        raise InvalidSignature(f"signed by unknown key {key_id}; the keys given are {known}")

    def verify(self, kind: SignedKind, payload: object, signature: Signature) -> PublicKey:
        """Verify with the key the signature names; returns that key."""
        key = self.get(signature.key_id)
        key.verify(kind, payload, signature)
        return key

    def to_document(self) -> dict[str, list[dict[str, str | None]]]:
        """The document to publish at a stable URL and to print in the README."""
        return {"keys": [key.to_document() for key in self.keys]}

    @classmethod
    def from_document(cls, document: object, *, field: str = "keys") -> PublicKeyring:
        doc = documents.mapping(document, field=field)
        documents.exact_keys(doc, {"keys"}, field=field)
        entries = doc["keys"]
        if not isinstance(entries, list):
            raise MalformedDocument(f"{field}.keys: must be a list")
        keys = tuple(
            PublicKey.from_document(entry, field=f"{field}.keys[{i}]")
            for i, entry in enumerate(entries)
        )
        if len({key.key_id for key in keys}) != len(keys):
            raise MalformedDocument(f"{field}.keys: a key id appears twice")
        return cls(keys)

    @classmethod
    def read(cls, path: Path) -> PublicKeyring:
        """Read a public keys document from a file."""
        try:
            document: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MalformedDocument(f"{path}: cannot read public keys: {exc}") from exc
        return cls.from_document(document, field=str(path))


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private Ed25519 key and its id. Held in memory only while signing."""

    key_id: str
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls.from_private(Ed25519PrivateKey.generate())

    @classmethod
    def from_private(cls, private: Ed25519PrivateKey) -> SigningKey:
        return cls(key_id_of(raw_public_key(private)), private)

    def sign(self, kind: SignedKind, payload: object) -> Signature:
        """Sign ``payload`` (JSON without floats) as ``kind``."""
        return Signature(self.key_id, self.private.sign(signed_message(kind, payload)))

    def public_key(self, *, created_at: datetime, retired_at: datetime | None = None) -> PublicKey:
        return PublicKey(self.key_id, raw_public_key(self.private), created_at, retired_at)


def raw_public_key(private: Ed25519PrivateKey) -> bytes:
    """The raw 32 bytes of a private key's public half."""
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
