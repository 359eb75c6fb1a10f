"""The service's side of the keyring: the active signing key, the public keys, and signature
checks on stored log entries and heads, remembered once made.

The keyring is a folder on disk (``COSTSHARE_SIGNING_KEYS``, ``app.ledger.keyring``), never a
table: whoever can write the database cannot sign. The public keys are read again whenever
``keyring.json`` changes (after ``costshare signing-keys rotate``), and a signature that
verified once is remembered by its exact bytes, so read paths can check entries on every read.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from allocation.report import canonical_json
from app.errors import Unavailable
from app.ledger import entries, keyring
from app.ledger.errors import InvalidSignature, KeyringError, MalformedDocument
from app.ledger.heads import SignedTreeHead, verify_tree_head
from app.ledger.signing import SIGNATURE_SIZE, PublicKey, PublicKeyring, Signature, SigningKey
from app.models import LogEntry, TreeHeadRecord
from app.settings import get_settings

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""Entries carry no time of their own: their signature is checked with the key alone."""
_public: dict[Path, tuple[tuple[int, int, int], PublicKeyring]] = {}
_public_lock = threading.Lock()


def keyring_dir() -> Path:
    return get_settings().signing_keys


def ensure_keyring(directory: Path | None = None) -> str | None:
    """Create the keyring with its first key when there is none; returns the new key's id."""
    directory = directory or keyring_dir()
    if (directory / keyring.KEYRING_FILE).exists():
        return None
    try:
        return keyring.create_keyring(directory).key_id
    except KeyringError as exc:
        raise Unavailable(f"the signing keyring cannot be created: {exc.detail}") from exc


def signing_key() -> SigningKey:
    """The active private key, read from the keyring folder for each appending transaction
    (so a rotation takes effect at once)."""
    try:
        return keyring.load_signing_key(keyring_dir())
    except KeyringError as exc:
        raise Unavailable(f"the log cannot be signed: {exc.detail}") from exc


def public_keys() -> PublicKeyring:
    """The keyring's public keys, as published (``GET /v1/audit/keys``)."""
    directory = keyring_dir()
    try:
        status = (directory / keyring.KEYRING_FILE).stat()
    except OSError as exc:
        raise Unavailable(
            f"no signing keyring in {directory}: start the service with `costshare serve` or "
            f"run `costshare signing-keys create`"
        ) from exc
    stamp = (status.st_ino, status.st_mtime_ns, status.st_size)
    with _public_lock:
        cached = _public.get(directory)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    try:
        keys = keyring.read_keyring(directory)
    except KeyringError as exc:
        raise Unavailable(f"the signing keyring cannot be read: {exc.detail}") from exc
    with _public_lock:
        _public[directory] = (stamp, keys)
    return keys


# ---------------------------------------------------------------- stored forms


def signature_text(signature: Signature) -> str:
    return base64.b64encode(signature.signature).decode("ascii")


def stored_signature(row: LogEntry) -> Signature:
    """The signature of a stored entry; :class:`MalformedDocument` if it is not one."""
    try:
        raw = base64.b64decode(row.signature.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise MalformedDocument(f"entry {row.leaf_index}: the signature is not base64") from exc
    if len(raw) != SIGNATURE_SIZE:
        raise MalformedDocument(f"entry {row.leaf_index}: the signature is not 64 bytes")
    return Signature(row.key_id, raw)


def record_of(head: SignedTreeHead) -> TreeHeadRecord:
    document = head.to_document()
    return TreeHeadRecord(
        tree_size=head.tree_size,
        root_hash=document["root_hash"],
        signed_at=document["timestamp"],
        key_id=head.key_id,
        signature=document["signature"],
    )


def head_of(record: TreeHeadRecord) -> SignedTreeHead:
    """The signed head a stored row holds; :class:`MalformedDocument` if it is not one."""
    return SignedTreeHead.from_document(
        {
            "tree_size": record.tree_size,
            "root_hash": record.root_hash,
            "timestamp": record.signed_at,
            "key_id": record.key_id,
            "signature": record.signature,
        },
        field=f"tree_head {record.tree_size}",
    )


# ---------------------------------------------------------------- checks, remembered


def entry_signature_problem(
    keys: PublicKeyring, entry: Mapping[str, Any], signature: Signature
) -> str | None:
    """Why ``signature`` is not a signature of ``entry`` by one of ``keys``, or None."""
    try:
        raw = keys.get(signature.key_id).raw
    except InvalidSignature as exc:
        return exc.detail
    return _entry_problem(canonical_json(entry), signature.key_id, raw, signature.signature)


@lru_cache(maxsize=65_536)
def _entry_problem(entry_text: str, key_id: str, raw: bytes, signature: bytes) -> str | None:
    keys = PublicKeyring((PublicKey(key_id, raw, _EPOCH),))
    try:
        entries.verify_entry(keys, json.loads(entry_text), Signature(key_id, signature))
    except (InvalidSignature, MalformedDocument) as exc:
        return exc.detail
    return None


def head_signature_problem(keys: PublicKeyring, head: SignedTreeHead) -> str | None:
    """Why ``head`` is not signed by one of ``keys`` while it was active, or None."""
    return _head_problem(canonical_json(head.to_document()), canonical_json(keys.to_document()))


@lru_cache(maxsize=4_096)
def _head_problem(head_text: str, keys_text: str) -> str | None:
    head = SignedTreeHead.from_document(json.loads(head_text))
    try:
        verify_tree_head(head, PublicKeyring.from_document(json.loads(keys_text)))
    except InvalidSignature as exc:
        return exc.detail
    return None
