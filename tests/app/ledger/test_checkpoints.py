"""The checkpoint file: durable appends from several processes, torn lines, and the check
that names the checkpoint a truncated or rewritten log no longer agrees with."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.ledger import checkpoints
from app.ledger.checkpoints import Problem, append_checkpoint, check_log, read_checkpoints
from app.ledger.errors import CheckpointError, ProofRequestError
from app.ledger.heads import SignedTreeHead, TreeHead, sign_tree_head
from app.ledger.merkle import MerkleTree, leaf_hash
from app.ledger.signing import PublicKeyring, SigningKey

START = datetime(2027, 1, 1, tzinfo=UTC)
KEY = SigningKey.generate()
KEYS = PublicKeyring((KEY.public_key(created_at=START - timedelta(days=1)),))


def log_of(entries: list[bytes]) -> MerkleTree:
    return MerkleTree.from_leaf_hashes(leaf_hash(e) for e in entries)


ENTRIES = [f"entry {i}".encode() for i in range(10)]
LOG = log_of(ENTRIES)


def head_at(tree: MerkleTree, size: int, *, key: SigningKey = KEY) -> SignedTreeHead:
    return sign_tree_head(
        key, tree_size=size, root_hash=tree.root(size), timestamp=START + timedelta(hours=size)
    )


def append_many(path: str, writer: int, count: int) -> None:
    """Run in a separate process: append ``count`` heads tagged by tree size."""
    key = SigningKey.generate()
    for i in range(count):
        head = sign_tree_head(key, tree_size=writer * 1000 + i, root_hash=leaf_hash(b"x"))
        append_checkpoint(Path(path), head)


class TestAppend:
    def test_each_head_is_one_canonical_json_line_in_an_owner_only_file(self, tmp_path: Path):
        path = tmp_path / "var" / "checkpoints.jsonl"
        first, second = head_at(LOG, 3), head_at(LOG, 7)
        append_checkpoint(path, first)
        append_checkpoint(path, second)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        lines = path.read_text().splitlines()
        assert [json.loads(line) for line in lines] == [first.to_document(), second.to_document()]
        assert lines[0] == json.dumps(first.to_document(), sort_keys=True, separators=(",", ":"))
        read = read_checkpoints(path)
        assert [(c.line, c.head) for c in read.checkpoints] == [(1, first), (2, second)]
        assert read.damaged == () and read.torn_tail is None

    def test_a_file_others_may_write_is_refused(self, tmp_path: Path):
        path = tmp_path / "checkpoints.jsonl"
        append_checkpoint(path, head_at(LOG, 1))
        os.chmod(path, 0o662)
        with pytest.raises(CheckpointError, match=f"run `chmod 600 {path}`"):
            append_checkpoint(path, head_at(LOG, 2))

    def test_writers_in_several_processes_each_keep_every_line_whole(self, tmp_path: Path):
        path = tmp_path / "checkpoints.jsonl"
        context = multiprocessing.get_context("spawn")
        writers = [
            context.Process(target=append_many, args=(str(path), writer, 40))
            for writer in range(1, 5)
        ]
        for process in writers:
            process.start()
        for process in writers:
            process.join(timeout=120)
        assert [process.exitcode for process in writers] == [0, 0, 0, 0]
        read = read_checkpoints(path)
        assert read.damaged == ()
        sizes = sorted(c.head.tree_size for c in read.checkpoints)
        assert sizes == sorted(w * 1000 + i for w in range(1, 5) for i in range(40))


class TestTornLines:
    def test_an_unfinished_last_line_is_reported_and_the_rest_read(self, tmp_path: Path):
        path = tmp_path / "checkpoints.jsonl"
        append_checkpoint(path, head_at(LOG, 3))
        append_checkpoint(path, head_at(LOG, 5))
        with path.open("ab") as file:
            file.write(b'{"key_id":"ed25519:00","root_ha')
        read = read_checkpoints(path)
        assert [c.head.tree_size for c in read.checkpoints] == [3, 5]
        assert read.torn_tail is not None and read.torn_tail.line == 3
        assert "line 3 is unfinished" in read.torn_tail.reason

    def test_the_next_append_starts_on_a_new_line(self, tmp_path: Path):
        path = tmp_path / "checkpoints.jsonl"
        append_checkpoint(path, head_at(LOG, 3))
        with path.open("ab") as file:
            file.write(b'{"tree_si')
        append_checkpoint(path, head_at(LOG, 8))
        read = read_checkpoints(path)
        assert [(c.line, c.head.tree_size) for c in read.checkpoints] == [(1, 3), (3, 8)]
        assert [(d.line, d.torn) for d in read.damaged] == [(2, False)]
        assert read.torn_tail is None

    def test_a_line_that_is_no_head_is_named_with_the_field(self, tmp_path: Path):
        path = tmp_path / "checkpoints.jsonl"
        document = head_at(LOG, 3).to_document()
        path.write_text(json.dumps({**document, "tree_size": "3"}) + "\n")
        (damage,) = read_checkpoints(path).damaged
        assert (
            damage.reason == "line 1 is not a checkpoint: line 1.tree_size: must be an integer ≥ 0"
        )

    def test_no_file_yet_means_no_checkpoints(self, tmp_path: Path):
        read = read_checkpoints(tmp_path / "absent.jsonl")
        assert read.checkpoints == () and read.damaged == ()


def recorded(*sizes: int, tree: MerkleTree = LOG) -> list[checkpoints.Checkpoint]:
    return [checkpoints.Checkpoint(line, head_at(tree, size)) for line, size in enumerate(sizes, 1)]


def current_of(tree: MerkleTree, size: int | None = None) -> TreeHead:
    size = tree.size if size is None else size
    return TreeHead(size, tree.root(size))


def proofs_from(tree: MerkleTree):  # type: ignore[no-untyped-def]
    return lambda old, new: tree.consistency_proof(old, new)


class TestCheckLog:
    def test_a_log_that_only_grew_agrees_with_every_checkpoint(self):
        result = check_log(
            recorded(0, 1, 3, 7, 10), current=current_of(LOG), consistency_proof=proofs_from(LOG)
        )
        assert result.consistent and result.checked == 5 and result.first is None

    def test_a_truncated_log_names_every_checkpoint_beyond_it(self):
        result = check_log(
            recorded(3, 7, 10), current=current_of(LOG, 6), consistency_proof=proofs_from(LOG)
        )
        assert [(i.line, i.tree_size, i.problem) for i in result.inconsistencies] == [
            (2, 7, Problem.TRUNCATED),
            (3, 10, Problem.TRUNCATED),
        ]
        assert result.first is not None
        assert result.first.detail == (
            "the checkpoint records 7 entries, the log now has 6: entries were removed"
        )

    def test_an_entry_rewritten_before_a_checkpoint_breaks_that_checkpoint_and_later_ones(self):
        rewritten = log_of([*ENTRIES[:2], b"changed", *ENTRIES[3:]])
        result = check_log(
            recorded(2, 3, 7, 10),
            current=current_of(rewritten),
            consistency_proof=proofs_from(rewritten),
        )
        assert [(i.line, i.problem) for i in result.inconsistencies] == [
            (2, Problem.REWRITTEN),
            (3, Problem.REWRITTEN),
            (4, Problem.REWRITTEN),
        ]
        assert result.first is not None and result.first.tree_size == 3
        assert "does not extend the checkpoint's 3" in result.first.detail
        assert "root" in result.inconsistencies[2].detail
        assert result.inconsistencies[2].root_hash == LOG.root().hex()

    def test_a_rewritten_and_regrown_log_of_equal_size_is_caught_by_its_root(self):
        rewritten = log_of([*ENTRIES[:9], b"changed"])
        result = check_log(
            recorded(9, 10), current=current_of(rewritten), consistency_proof=proofs_from(rewritten)
        )
        assert [(i.line, i.problem) for i in result.inconsistencies] == [(2, Problem.REWRITTEN)]
        assert "has the checkpoint's 10 entries but root" in result.inconsistencies[0].detail

    def test_a_log_that_cannot_prove_consistency_is_reported_unproven(self):
        def no_proofs(old: int, new: int) -> tuple[bytes, ...]:
            raise ProofRequestError("the log has lost its leaf hashes")

        result = check_log(recorded(3), current=current_of(LOG), consistency_proof=no_proofs)
        assert [(i.problem, i.detail) for i in result.inconsistencies] == [
            (Problem.UNPROVEN, "no consistency proof from 3: the log has lost its leaf hashes")
        ]

    def test_with_keys_a_forged_checkpoint_is_named(self):
        forged = checkpoints.Checkpoint(2, head_at(LOG, 5, key=SigningKey.generate()))
        result = check_log(
            [*recorded(3), forged],
            current=current_of(LOG),
            consistency_proof=proofs_from(LOG),
            keys=KEYS,
        )
        assert [(i.line, i.problem) for i in result.inconsistencies] == [(2, Problem.BAD_SIGNATURE)]
        assert "unknown key" in result.inconsistencies[0].detail

    def test_each_distinct_head_is_proven_once(self):
        asked: list[tuple[int, int]] = []

        def counting(old: int, new: int) -> tuple[bytes, ...]:
            asked.append((old, new))
            return LOG.consistency_proof(old, new)

        heads = [head_at(LOG, 4)] * 3 + [head_at(LOG, 6)]
        result = check_log(
            [checkpoints.Checkpoint(i, h) for i, h in enumerate(heads, 1)],
            current=current_of(LOG),
            consistency_proof=counting,
        )
        assert result.consistent and result.checked == 4
        assert asked == [(4, 10), (6, 10)]

    def test_checkpoints_read_from_the_file_check_end_to_end(self, tmp_path: Path):
        path = tmp_path / "checkpoints.jsonl"
        for size in (2, 5, 10):
            append_checkpoint(path, head_at(LOG, size))
        truncated = log_of(ENTRIES[:4])
        result = check_log(
            read_checkpoints(path).checkpoints,
            current=current_of(truncated),
            consistency_proof=proofs_from(truncated),
            keys=KEYS,
        )
        assert [(i.line, i.problem) for i in result.inconsistencies] == [
            (2, Problem.TRUNCATED),
            (3, Problem.TRUNCATED),
        ]
