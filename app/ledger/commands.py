"""The ledger's commands, wired into ``costshare`` by ``app.cli``.

costshare verify FILE... [--keys PUBLIC_KEYS.json] [--head HEAD.json] [--json]
costshare verify-consistency KEPT_HEAD.json CONSISTENCY.json [--keys PUBLIC_KEYS.json]
costshare signing-keys create|rotate|list|export

``verify`` exits 0 when every check of every file passed, 1 when any failed, 2 when the
keys or head given cannot be read. Without ``--keys`` it uses the public half of the local
keyring (``COSTSHARE_SIGNING_KEYS``) and says so; an auditor passes the published keys.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from app.ledger import documents, keyring
from app.ledger.errors import InvalidProof, InvalidSignature, KeyringError, LedgerError
from app.ledger.heads import SignedTreeHead, verify_tree_head
from app.ledger.merkle import hash_from_hex, hash_hex, verify_consistency
from app.ledger.signing import PublicKeyring
from app.ledger.verifier import Check, FileVerdict, TrustedKeys, verify_file

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def verify(
    files: Sequence[Path],
    *,
    keys_file: Path | None,
    head_file: Path | None,
    as_json: bool,
    keyring_dir: Path,
    out: TextIO,
    err: TextIO,
) -> int:
    """Verify each file and print one line per check per file (or one JSON document)."""
    try:
        keys = trusted_keys(keys_file, keyring_dir=keyring_dir)
        head = _read_head(head_file) if head_file is not None else None
    except LedgerError as exc:
        print(f"costshare verify: {exc.detail}", file=err)
        return EXIT_USAGE
    verdicts = [verify_file(path, keys=keys, head=head) for path in files]
    if as_json:
        json.dump(verdicts_document(verdicts, keys=keys), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(verdicts_text(verdicts))
    return EXIT_VALID if all(v.valid for v in verdicts) else EXIT_INVALID


def trusted_keys(keys_file: Path | None, *, keyring_dir: Path) -> TrustedKeys:
    """The keys given with ``--keys``, else the local keyring's public keys, else none."""
    if keys_file is not None:
        return TrustedKeys(PublicKeyring.read(keys_file), str(keys_file))
    try:
        local = keyring.read_keyring(keyring_dir)
    except KeyringError as exc:
        return TrustedKeys(None, f"pass --keys PUBLIC_KEYS.json ({exc.detail})")
    return TrustedKeys(local, f"the local keyring {keyring_dir}; pass --keys for published keys")


def _read_json(path: Path, what: str) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LedgerError(f"{path}: cannot read the {what}: {exc}") from exc


def _read_head(path: Path) -> SignedTreeHead:
    return SignedTreeHead.from_document(_read_json(path, "signed head"), field=str(path))


def verify_log_consistency(
    kept_file: Path,
    proof_file: Path,
    *,
    keys_file: Path | None,
    keyring_dir: Path,
    out: TextIO,
    err: TextIO,
) -> int:
    """Check that the log the service has now extends a head kept earlier: the kept head and
    the newer one are signed, and the consistency proof (``GET /v1/audit/consistency`` saved as
    a file) leads from the kept root to the newer root."""
    try:
        keys = trusted_keys(keys_file, keyring_dir=keyring_dir)
        kept = _read_head(kept_file)
        document = documents.mapping(_read_json(proof_file, "proof"), field=str(proof_file))
        newer = SignedTreeHead.from_document(
            document.get("second_head"), field=f"{proof_file}: second_head"
        )
        proof = document.get("consistency_proof")
        if not isinstance(proof, list):
            raise LedgerError(f"{proof_file}: consistency_proof must be a list of hashes")
        path = [hash_from_hex(h, field=f"consistency_proof[{i}]") for i, h in enumerate(proof)]
    except LedgerError as exc:
        print(f"costshare verify-consistency: {exc.detail}", file=err)
        return EXIT_USAGE
    checks = [
        _head_check("kept_head", kept, keys),
        _head_check("new_head", newer, keys),
        _consistency_check(kept, newer, document.get("first"), path),
    ]
    for check in checks:
        print(f"{'ok    ' if check.ok else 'FAILED'} {check.name}: {check.detail}", file=out)
    return EXIT_VALID if all(check.ok for check in checks) else EXIT_INVALID


def _head_check(name: str, head: SignedTreeHead, keys: TrustedKeys) -> Check:
    if keys.keyring is None:
        return Check(name, False, f"no public keys to check it with: {keys.source}")
    try:
        key = verify_tree_head(head, keys.keyring)
    except InvalidSignature as exc:
        return Check(name, False, exc.detail)
    return Check(
        name,
        True,
        f"{head.tree_size} entries, root {hash_hex(head.root_hash)[:16]}…, signed by "
        f"{key.key_id} at {documents.utc_text(head.timestamp)}",
    )


def _consistency_check(
    kept: SignedTreeHead, newer: SignedTreeHead, first: object, path: list[bytes]
) -> Check:
    if first != kept.tree_size:
        return Check(
            "consistency",
            False,
            f"the proof starts at {first} entries, the kept head has {kept.tree_size}",
        )
    try:
        verify_consistency(
            old_size=kept.tree_size,
            new_size=newer.tree_size,
            old_root=kept.root_hash,
            new_root=newer.root_hash,
            proof=path,
        )
    except InvalidProof as exc:
        return Check("consistency", False, f"the log does not extend the kept head: {exc.detail}")
    return Check(
        "consistency",
        True,
        f"the log of {newer.tree_size} entries extends the kept head of {kept.tree_size}",
    )


def verdicts_text(verdicts: Sequence[FileVerdict]) -> str:
    """One line per check per file, then a count of the valid files."""
    lines = [
        f"{verdict.file}: {'ok    ' if check.ok else 'FAILED'} {check.name}: {check.detail}"
        for verdict in verdicts
        for check in verdict.checks
    ]
    valid = sum(verdict.valid for verdict in verdicts)
    lines.append(f"{valid} of {len(verdicts)} files verified")
    return "\n".join(lines) + "\n"


def verdicts_document(verdicts: Sequence[FileVerdict], *, keys: TrustedKeys) -> dict[str, Any]:
    """The machine-readable form of the verdicts (``--json``)."""
    return {
        "valid": all(verdict.valid for verdict in verdicts),
        "keys": keys.source,
        "files": [
            {
                "file": verdict.file,
                "valid": verdict.valid,
                "checks": [
                    {"check": check.name, "ok": check.ok, "detail": check.detail}
                    for check in verdict.checks
                ],
            }
            for verdict in verdicts
        ],
    }


def signing_keys(action: str, *, directory: Path, out: TextIO, err: TextIO) -> int:
    """``create``, ``rotate``, ``list`` or ``export`` the signing keyring in ``directory``."""
    try:
        if action == "create":
            key = keyring.create_keyring(directory)
            print(f"created signing key {key.key_id} in {directory}", file=out)
        elif action == "rotate":
            key = keyring.rotate_keyring(directory)
            print(f"signing key {key.key_id} is active; the key before it is retired", file=out)
        elif action == "list":
            for public in keyring.read_keyring(directory).keys:
                document = public.to_document()
                retired = document["retired_at"] or "-"
                print(
                    f"{public.key_id}  {public.status:<7}  created {document['created_at']}  "
                    f"retired {retired}",
                    file=out,
                )
        else:
            json.dump(keyring.read_keyring(directory).to_document(), out, indent=2)
            out.write("\n")
    except LedgerError as exc:
        print(f"costshare signing-keys: {exc.detail}", file=err)
        return EXIT_USAGE
    return EXIT_VALID
