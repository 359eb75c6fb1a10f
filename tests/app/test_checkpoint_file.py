"""Reading the checkpoint file again parses only what was appended, and nothing that changed
goes unnoticed: the result is always what reading the whole file gives."""

from __future__ import annotations

from pathlib import Path

from app.ledger.checkpoints import append_checkpoint, read_checkpoints
from app.ledger.heads import sign_tree_head
from app.ledger.merkle import leaf_hash
from app.ledger.signing import SigningKey
from app.services.checkpoint_file import read_checkpoint_file

KEY = SigningKey.generate()


def _append(path: Path, size: int) -> None:
    append_checkpoint(path, sign_tree_head(KEY, tree_size=size, root_hash=leaf_hash(b"%d" % size)))


class TestReadingAgain:
    def test_appended_lines_are_read_as_a_whole_read_gives_them(self, tmp_path: Path):
        path = tmp_path / "checkpoints.jsonl"
        assert read_checkpoint_file(path).checkpoints == ()
        for size in (1, 2, 3):
            _append(path, size)
        assert read_checkpoint_file(path) == read_checkpoints(path)
        for size in (4, 5):
            _append(path, size)
        again = read_checkpoint_file(path)
        assert again == read_checkpoints(path)
        assert [c.line for c in again.checkpoints] == [1, 2, 3, 4, 5]

    def test_a_line_rewritten_in_place_is_read_anew(self, tmp_path: Path):
        path = tmp_path / "checkpoints.jsonl"
        for size in (1, 2, 3):
            _append(path, size)
        read_checkpoint_file(path)
        lines = path.read_bytes().split(b"\n")
        lines[1] = lines[1].replace(b'"tree_size":2', b'"tree_size":9')
        path.write_bytes(b"\n".join(lines))
        again = read_checkpoint_file(path)
        assert again == read_checkpoints(path)
        assert [c.head.tree_size for c in again.checkpoints] == [1, 9, 3]

    def test_a_torn_last_line_is_reported_and_read_again_once_it_is_whole(self, tmp_path: Path):
        path = tmp_path / "checkpoints.jsonl"
        _append(path, 1)
        with path.open("ab") as file:
            file.write(b'{"tree_size":2,"ro')
        torn = read_checkpoint_file(path)
        assert torn == read_checkpoints(path)
        assert torn.torn_tail is not None and torn.torn_tail.line == 2
        _append(path, 3)
        healed = read_checkpoint_file(path)
        assert healed == read_checkpoints(path)
        assert [c.head.tree_size for c in healed.checkpoints] == [1, 3]
        assert [d.line for d in healed.damaged] == [2]
