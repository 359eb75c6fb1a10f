"""The ledger's commands, wired into ``costshare`` by ``app.cli``.

costshare verify FILE... [--keys PUBLIC_KEYS.json] [--head HEAD.json] [--json]
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

from app.ledger import keyring
from app.ledger.errors import KeyringError, LedgerError
from app.ledger.heads import SignedTreeHead
from app.ledger.signing import PublicKeyring
from app.ledger.verifier import FileVerdict, TrustedKeys, verify_file

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


def _read_head(path: Path) -> SignedTreeHead:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LedgerError(f"{path}: cannot read the signed head: {exc}") from exc
    return SignedTreeHead.from_document(document, field=str(path))


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
