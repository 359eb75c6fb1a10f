"""The signing keyring: Ed25519 keys in a folder the database never sees.

Layout of the folder (``COSTSHARE_SIGNING_KEYS``, default ``var/keys/``), mode 0700::

    keyring.json                     the public keys document, with status and dates (0600)
    ed25519-<16 hex>.pem             one PKCS#8 private key per key id (0600)
    .lock                            taken while creating or rotating

``keyring.json`` has exactly the shape of the published public keys
(:meth:`PublicKeyring.to_document`), so exporting is reading it. Exactly one key is active,
the newest; rotating makes a new active key and marks the one before it retired at that
moment. Retired keys stay, so what they signed still verifies. A private key file, or the
folder, open to group or others is refused with the ``chmod`` that fixes it.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from app.ledger import files
from app.ledger.errors import InsecureKeyFile, KeyringError, MalformedDocument
from app.ledger.signing import ACTIVE, PublicKey, PublicKeyring, SigningKey

KEYRING_FILE = "keyring.json"
LOCK_FILE = ".lock"


def private_key_path(directory: Path, key_id: str) -> Path:
    """Where the private key of ``key_id`` is kept: ``ed25519-<16 hex>.pem``."""
    return directory / f"{key_id.replace(':', '-')}.pem"


def create_keyring(directory: Path, *, now: datetime | None = None) -> PublicKey:
    """Create the folder and its first key; refuses when a keyring is already there."""
    files.make_private_dir(directory)
    with _locked(directory):
        if (directory / KEYRING_FILE).exists():
            raise KeyringError(f"a keyring exists in {directory}; rotate it instead")
        key = _new_key(directory, now=now)
        _write(directory, PublicKeyring((key,)))
    return key


def rotate_keyring(directory: Path, *, now: datetime | None = None) -> PublicKey:
    """Make a new active key; the active one before it is retired at the same moment."""
    _check_folder(directory)
    with _locked(directory):
        current = read_keyring(directory)
        key = _new_key(directory, now=now)
        retired = tuple(
            PublicKey(old.key_id, old.raw, old.created_at, key.created_at)
            if old.status == ACTIVE
            else old
            for old in current.keys
        )
        _write(directory, PublicKeyring((*retired, key)))
    return key


def read_keyring(directory: Path) -> PublicKeyring:
    """The public keys with their status: what ``costshare signing-keys export`` prints."""
    _check_folder(directory)
    path = directory / KEYRING_FILE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KeyringError(
            f"no keyring in {directory}; create one with `costshare signing-keys create`"
        ) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KeyringError(f"{path}: cannot be read: {exc}") from exc
    try:
        keyring = PublicKeyring.from_document(document, field=str(path))
    except MalformedDocument as exc:
        raise KeyringError(exc.detail) from exc
    active = [key for key in keyring.keys if key.status == ACTIVE]
    if len(active) != 1 or keyring.keys[-1].status != ACTIVE:
        raise KeyringError(f"{path}: exactly one key, the last, must be active")
    return keyring


def active_key(directory: Path) -> PublicKey:
    """The public half of the key that signs now."""
    return read_keyring(directory).keys[-1]


def load_signing_key(directory: Path) -> SigningKey:
    """The active private key, after checking that only its owner can read it."""
    key = active_key(directory)
    path = private_key_path(directory, key.key_id)
    if not path.exists():
        raise KeyringError(f"the private key of {key.key_id} is missing: {path}")
    if files.open_to_others(path):
        raise InsecureKeyFile(
            f"refusing to load {path}: it is readable or writable by group or others "
            f"(mode {files.mode_text(path)}); run `chmod 600 {path}`"
        )
    try:
        private = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyringError(f"{path}: not a readable private key: {exc}") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyringError(f"{path}: not an Ed25519 private key")
    signing = SigningKey.from_private(private)
    if signing.key_id != key.key_id:
        raise KeyringError(f"{path} holds key {signing.key_id}, not {key.key_id}")
    return signing


def _new_key(directory: Path, *, now: datetime | None) -> PublicKey:
    """Generate a key and store its private half; returns its public half."""
    private = Ed25519PrivateKey.generate()
    signing = SigningKey.from_private(private)
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    files.write_new_private_file(private_key_path(directory, signing.key_id), pem)
    return signing.public_key(created_at=now or datetime.now(UTC))


def _write(directory: Path, keyring: PublicKeyring) -> None:
    text = json.dumps(keyring.to_document(), indent=2) + "\n"
    files.replace_private_file(directory / KEYRING_FILE, text.encode("utf-8"))


def _check_folder(directory: Path) -> None:
    if not directory.is_dir():
        raise KeyringError(
            f"no keyring in {directory}; create one with `costshare signing-keys create`"
        )
    if files.open_to_others(directory):
        raise InsecureKeyFile(
            f"refusing to use {directory}: the keyring folder is open to group or others "
            f"(mode {files.mode_text(directory)}); run `chmod 700 {directory}`"
        )


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold the keyring's lock, so two rotations cannot both retire the same key."""
    descriptor = os.open(directory / LOCK_FILE, os.O_WRONLY | os.O_CREAT, files.OWNER_ONLY_FILE)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)
