"""Reading the checkpoint file again and again without parsing it again and again.

The file holds a line per signed head (10⁵ lines after 10⁵ appending transactions), and every
page of ``GET /v1/audit/verify`` reads it. What was parsed is kept with the SHA-256 of the bytes
it came from; the next read reads the whole file, and only when its beginning still hashes the
same are those lines taken as parsed and just the rest parsed. Nothing is trusted that was not
read again: a file rewritten in place is parsed again from its first line.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from app.ledger.checkpoints import CheckpointFile, parse_checkpoints
from app.ledger.errors import CheckpointError


@dataclass(frozen=True, slots=True)
class _Parsed:
    length: int
    digest: bytes
    lines: int
    file: CheckpointFile


_parsed: dict[Path, _Parsed] = {}
_lock = threading.Lock()


def read_checkpoint_file(path: Path) -> CheckpointFile:
    """Every checkpoint of the file at ``path`` (as :func:`read_checkpoints` gives them)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return CheckpointFile(path, (), ())
    except OSError as exc:
        raise CheckpointError(f"cannot read the checkpoint file {path}: {exc}") from exc
    with _lock:
        known = _parsed.get(path)
    if (
        known is not None
        and len(raw) >= known.length
        and hashlib.sha256(raw[: known.length]).digest() == known.digest
    ):
        whole = raw.rfind(b"\n") + 1
        fresh = parse_checkpoints(raw[known.length : whole], path=path, first_line=known.lines + 1)
        prefix = CheckpointFile(
            path,
            known.file.checkpoints + fresh.checkpoints,
            known.file.damaged + fresh.damaged,
        )
    else:
        whole = raw.rfind(b"\n") + 1
        prefix = parse_checkpoints(raw[:whole], path=path)
    lines = raw[:whole].count(b"\n")
    with _lock:
        _parsed[path] = _Parsed(whole, hashlib.sha256(raw[:whole]).digest(), lines, prefix)
    if whole == len(raw):
        return prefix
    tail = parse_checkpoints(raw[whole:], path=path, first_line=lines + 1)
    return CheckpointFile(
        path, prefix.checkpoints + tail.checkpoints, prefix.damaged + tail.damaged
    )
