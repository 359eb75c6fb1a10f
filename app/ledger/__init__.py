"""The transparency ledger: evidence an auditor can check without trusting the database.

Building blocks, each usable alone and none touching the database or HTTP:
``merkle`` (RFC 6962 tree heads, inclusion and consistency proofs), ``signing`` (Ed25519
signatures over canonical JSON with a domain prefix per kind of signed thing), ``keyring``
(the signing keys on disk, outside the database), ``heads`` (signed tree heads),
``entries`` (what a log leaf holds), ``checkpoints`` (the append-only file of signed heads),
``evidence`` and ``verifier`` (the offline check behind ``costshare verify``). Errors are in
``errors``; the formats are described in docs/audit.md.
"""
