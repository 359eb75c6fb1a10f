"""The checkpoint file: every signed tree head, one JSON line each, outside the database.

A line is the head's document (:meth:`SignedTreeHead.to_document`) as canonical JSON. Lines
are only ever appended: the file is opened ``O_APPEND``, locked with ``flock`` so writers in
several processes take turns, written in one ``write`` and fsynced before the append returns;
it is created 0600, and appending to a file that group or others may write is refused.
If a crash tore the last line, the next append first ends that fragment
with a newline, so its own line stays whole; readers report such lines and skip them.

Whoever can rewrite the database cannot make its log agree with heads recorded here: a log now
shorter than a checkpoint was truncated, and one whose consistency proof from a checkpoint fails
(or whose root differs at the same size) was rewritten. :func:`check_log` says which
checkpoint, as data.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from allocation.report import canonical_json
from app.ledger import files
from app.ledger.errors import CheckpointError, InvalidProof, InvalidSignature, LedgerError
from app.ledger.heads import SignedTreeHead, TreeHead, verify_tree_head
from app.ledger.merkle import hash_hex, verify_consistency
from app.ledger.signing import PublicKeyring

ConsistencyProofs = Callable[[int, int], Sequence[bytes]]
"""``(old_size, new_size) -> proof``: how the check obtains consistency proofs of the log."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed head read from ``line`` (counted from 1) of the checkpoint file."""

    line: int
    head: SignedTreeHead


@dataclass(frozen=True, slots=True)
class DamagedLine:
    """A line that holds no checkpoint; ``torn`` when it is the unfinished last line."""

    line: int
    torn: bool
    reason: str


@dataclass(frozen=True, slots=True)
class CheckpointFile:
    """Everything read from a checkpoint file."""

    path: Path
    checkpoints: tuple[Checkpoint, ...]
    damaged: tuple[DamagedLine, ...]

    @property
    def torn_tail(self) -> DamagedLine | None:
        """The last line, if a crash left it unfinished."""
        return self.damaged[-1] if self.damaged and self.damaged[-1].torn else None


def append_checkpoint(path: Path, head: SignedTreeHead) -> None:
    """Append ``head`` as one line, durably, safe against concurrent appenders."""
    line = (canonical_json(head.to_document()) + "\n").encode("utf-8")
    if not path.parent.exists():
        files.make_private_dir(path.parent)
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, files.OWNER_ONLY_FILE)
    except OSError as exc:
        raise CheckpointError(f"cannot open the checkpoint file {path}: {exc}") from exc
    try:
        if os.fstat(descriptor).st_mode & 0o022:
            raise CheckpointError(
                f"refusing to append to {path}: group or others may write it "
                f"(mode {files.mode_text(path)}); run `chmod 600 {path}`"
            )
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.write(descriptor, _after_torn_tail(descriptor) + line)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _after_torn_tail(descriptor: int) -> bytes:
    """A newline when the file does not end in one (a crash tore its last line)."""
    size = os.fstat(descriptor).st_size
    if size == 0 or os.pread(descriptor, 1, size - 1) == b"\n":
        return b""
    return b"\n"


def read_checkpoints(path: Path) -> CheckpointFile:
    """Parse every line; damaged lines are reported, not raised. No file means none yet."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return CheckpointFile(path, (), ())
    except OSError as exc:
        raise CheckpointError(f"cannot read the checkpoint file {path}: {exc}") from exc
    return parse_checkpoints(raw, path=path)


def parse_checkpoints(raw: bytes, *, path: Path, first_line: int = 1) -> CheckpointFile:
    """Parse the lines of ``raw`` (the file, or its part from line ``first_line`` on)."""
    lines = raw.split(b"\n")
    ends_cleanly = lines[-1] == b""
    if ends_cleanly:
        lines.pop()
    checkpoints: list[Checkpoint] = []
    damaged: list[DamagedLine] = []
    last = first_line + len(lines) - 1
    for number, content in enumerate(lines, start=first_line):
        torn = number == last and not ends_cleanly
        try:
            head = SignedTreeHead.from_document(
                json.loads(content.decode("utf-8")), field=f"line {number}"
            )
        except (UnicodeDecodeError, json.JSONDecodeError, LedgerError) as exc:
            reason = exc.detail if isinstance(exc, LedgerError) else str(exc)
            damaged.append(DamagedLine(number, torn, _damage_text(number, torn, reason)))
            continue
        checkpoints.append(Checkpoint(number, head))
    return CheckpointFile(path, tuple(checkpoints), tuple(damaged))


def _damage_text(number: int, torn: bool, reason: str) -> str:
    if torn:
        return f"line {number} is unfinished (a write was interrupted): {reason}"
    return f"line {number} is not a checkpoint: {reason}"


# ---------------------------------------------------------------- checking the log


class Problem(StrEnum):
    """Why the log disagrees with a checkpoint."""

    TRUNCATED = "truncated"
    """The log now has fewer entries than the checkpoint recorded."""
    REWRITTEN = "rewritten"
    """Same size with another root, or the consistency proof from the checkpoint fails."""
    UNPROVEN = "unproven"
    """The log could not produce a consistency proof from the checkpoint's size."""
    BAD_SIGNATURE = "bad_signature"
    """The checkpoint's own signature does not verify with the keys given."""


@dataclass(frozen=True, slots=True)
class Inconsistency:
    """One checkpoint the current log does not agree with, and why."""

    line: int
    tree_size: int
    root_hash: str
    problem: Problem
    detail: str


@dataclass(frozen=True, slots=True)
class ConsistencyCheck:
    """The outcome of checking the current log against the checkpoints."""

    current: TreeHead
    checked: int
    inconsistencies: tuple[Inconsistency, ...]

    @property
    def consistent(self) -> bool:
        return not self.inconsistencies

    @property
    def first(self) -> Inconsistency | None:
        """The earliest checkpoint the log disagrees with."""
        return self.inconsistencies[0] if self.inconsistencies else None


def check_log(
    checkpoints: Iterable[Checkpoint],
    *,
    current: TreeHead,
    consistency_proof: ConsistencyProofs,
    keys: PublicKeyring | None = None,
) -> ConsistencyCheck:
    """Check that ``current`` extends every checkpoint; with ``keys``, that each checkpoint
    is genuinely signed too. Each distinct (size, root) is proven once."""
    verdicts: dict[TreeHead, tuple[Problem, str] | None] = {}
    found: list[Inconsistency] = []
    checked = 0
    for checkpoint in checkpoints:
        checked += 1
        head = checkpoint.head
        verdict = _signature_verdict(head, keys)
        if verdict is None:
            if head.tree_head not in verdicts:
                verdicts[head.tree_head] = _consistency_verdict(
                    head.tree_head, current, consistency_proof
                )
            verdict = verdicts[head.tree_head]
        if verdict is not None:
            problem, detail = verdict
            found.append(
                Inconsistency(
                    checkpoint.line, head.tree_size, hash_hex(head.root_hash), problem, detail
                )
            )
    return ConsistencyCheck(current, checked, tuple(found))


def _signature_verdict(
    head: SignedTreeHead, keys: PublicKeyring | None
) -> tuple[Problem, str] | None:
    if keys is None:
        return None
    try:
        verify_tree_head(head, keys)
    except InvalidSignature as exc:
        return Problem.BAD_SIGNATURE, exc.detail
    return None


def _consistency_verdict(
    old: TreeHead, current: TreeHead, consistency_proof: ConsistencyProofs
) -> tuple[Problem, str] | None:
    if old.tree_size > current.tree_size:
        return Problem.TRUNCATED, (
            f"the checkpoint records {old.tree_size} entries, the log now has "
            f"{current.tree_size}: entries were removed"
        )
    if old.tree_size == current.tree_size:
        if old.root_hash == current.root_hash:
            return None
        return Problem.REWRITTEN, (
            f"the log has the checkpoint's {old.tree_size} entries but root "
            f"{hash_hex(current.root_hash)}, not {hash_hex(old.root_hash)}: entries were changed"
        )
    try:
        proof = consistency_proof(old.tree_size, current.tree_size)
    except LedgerError as exc:
        return Problem.UNPROVEN, f"no consistency proof from {old.tree_size}: {exc.detail}"
    try:
        verify_consistency(
            old_size=old.tree_size,
            new_size=current.tree_size,
            old_root=old.root_hash,
            new_root=current.root_hash,
            proof=proof,
        )
    except InvalidProof as exc:
        return Problem.REWRITTEN, (
            f"the log of {current.tree_size} entries does not extend the checkpoint's "
            f"{old.tree_size}: {exc.detail}"
        )
    return None
