"""Errors of the ledger layer: Merkle proofs, signatures, keyrings, checkpoints and evidence.

LedgerError
├── InvalidProof        an inclusion or consistency proof does not prove what it claims
├── ProofRequestError   a proof or root was asked for sizes or indexes the tree cannot have
├── InvalidSignature    a signature does not verify, or names a key the keyring lacks
├── KeyringError        the signing keyring is missing, malformed or cannot be changed
│   └── InsecureKeyFile a private key file or the keyring folder is open to group or others
├── CheckpointError     the checkpoint file cannot be written or read
└── MalformedDocument   a JSON document (head, keys, signature, evidence) has the wrong shape

Each is raised on purpose with a sentence that says what is wrong; none knows about HTTP or
the database.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidProof(LedgerError):
    """Raised when a proof fails verification: wrong length, wrong hashes or another root."""


class ProofRequestError(LedgerError):
    """Raised when a root or proof is asked for a size or index outside the tree."""


class InvalidSignature(LedgerError):
    """Raised when a signature does not verify or its key is not in the keyring given."""


class KeyringError(LedgerError):
    """Raised when the keyring cannot be read, created or rotated."""


class InsecureKeyFile(KeyringError):
    """Raised when a private key file, or its folder, can be read or written by others."""


class CheckpointError(LedgerError):
    """Raised when the checkpoint file cannot be appended to or opened."""


class MalformedDocument(LedgerError):
    """Raised when a JSON document does not have the documented shape; names the field."""
