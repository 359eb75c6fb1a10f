"""RFC 6962 Merkle trees over the log's entries: tree heads, inclusion and consistency proofs.

Hashing follows RFC 6962 §2.1 (RFC 9162 §2.1.1) with SHA-256: a leaf is
``SHA-256(0x00 || data)``, an inner node ``SHA-256(0x01 || left || right)``, the empty tree
``SHA-256("")``; a tree of n > 1 leaves is split at the largest power of two k < n. The log
stores *leaf hashes*, so everything here starts from a sequence of 32-byte leaf hashes.

On the wire (tree heads, evidence, checkpoints) a Merkle hash is 64 lowercase hex digits
without a prefix (:func:`hash_hex`, :func:`hash_from_hex`). The ``sha256:`` prefix stays
reserved for plain SHA-256 digests of canonical JSON such as ``report_hash``; a Merkle hash is
not one of those, and the different spelling keeps the two from being confused.

Cost, for n leaves: :func:`root_hash` makes n - 1 node hashes in O(log n) memory.
:class:`MerkleTree` keeps every complete subtree (about 2n hashes, 64 n bytes: 6.4 MB for
10^5 leaves) after n - 1 node hashes; from then on the root of any size m ≤ n and every
inclusion or consistency proof costs O(log² n) hashes, since each proof hash is a stored
complete subtree or a right-border subtree folded from O(log n) of them. Verification
(:func:`verify_inclusion`, :func:`verify_consistency`) is the RFC 9162 §2.1.3.2 and §2.1.4.2
algorithm step by step, O(log n).

>>> tree = MerkleTree.from_leaf_hashes([leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")])
>>> proof = tree.inclusion_proof(2)
>>> verify_inclusion(leaf=leaf_hash(b"c"), index=2, tree_size=3, proof=proof, root=tree.root())
>>> tree.root() == root_hash([leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")])
True
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.ledger.errors import InvalidProof, MalformedDocument, ProofRequestError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root hash of the empty tree, ``SHA-256("")`` (RFC 6962 §2.1)."""

_HEX = re.compile(r"[0-9a-f]{64}")


def leaf_hash(data: bytes) -> bytes:
    """The hash of one log entry: ``SHA-256(0x00 || data)``.

    >>> leaf_hash(b"").hex()[:16]
    '6e340b9cffb37a98'
    """
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def hash_hex(value: bytes) -> str:
    """A hash as it is written in documents: 64 lowercase hex digits."""
    return value.hex()


def hash_from_hex(text: object, *, field: str = "hash") -> bytes:
    """Parse a hash written by :func:`hash_hex`; anything else is refused, naming ``field``.

    >>> hash_from_hex("AB" * 32)
    Traceback (most recent call last):
    app.ledger.errors.MalformedDocument: hash: must be 64 lowercase hex digits
    """
    if not isinstance(text, str) or not _HEX.fullmatch(text):
        raise MalformedDocument(f"{field}: must be 64 lowercase hex digits")
    return bytes.fromhex(text)


def _split(width: int) -> int:
    """The largest power of two smaller than ``width`` (width ≥ 2): where RFC 6962 splits."""
    return 1 << ((width - 1).bit_length() - 1)


def _is_power_of_two(width: int) -> bool:
    return width > 0 and width & (width - 1) == 0


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise InvalidProof(f"{what} has {len(value)} bytes, not {HASH_SIZE}")


def root_hash(leaf_hashes: Iterable[bytes]) -> bytes:
    """The tree head (MTH) of the given leaf hashes, streaming: n - 1 hashes, O(log n) memory.

    >>> root_hash([]) == EMPTY_ROOT
    True
    """
    peaks: list[tuple[int, bytes]] = []
    for position, leaf in enumerate(leaf_hashes):
        _check_hash(leaf, f"leaf hash {position}")
        height, node = 0, leaf
        while peaks and peaks[-1][0] == height:
            node = node_hash(peaks.pop()[1], node)
            height += 1
        peaks.append((height, node))
    if not peaks:
        return EMPTY_ROOT
    node = peaks.pop()[1]
    while peaks:
        node = node_hash(peaks.pop()[1], node)
    return node


@dataclass(frozen=True, slots=True)
class MerkleTree:
    """Every complete subtree of a log's leaves, for fast roots and proofs of any size ≤ n.

    ``levels[h]`` holds, concatenated, the hashes of the complete subtrees of 2^h leaves from
    the left (level 0 the leaf hashes themselves). Build it with :meth:`from_leaf_hashes`.
    """

    levels: tuple[bytes, ...]

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Iterable[bytes]) -> MerkleTree:
        """Hash every complete subtree once (n - 1 node hashes)."""
        leaves = list(leaf_hashes)
        for position, leaf in enumerate(leaves):
            _check_hash(leaf, f"leaf hash {position}")
        levels = [b"".join(leaves)]
        while len(levels[-1]) >= 2 * HASH_SIZE:
            below = levels[-1]
            pairs = len(below) // (2 * HASH_SIZE)
            levels.append(
                b"".join(
                    node_hash(below[i : i + HASH_SIZE], below[i + HASH_SIZE : i + 2 * HASH_SIZE])
                    for i in range(0, pairs * 2 * HASH_SIZE, 2 * HASH_SIZE)
                )
            )
        return cls(tuple(levels))

    def extended(self, leaf_hashes: Iterable[bytes]) -> MerkleTree:
        """This tree with more leaves appended; only subtrees the new leaves complete are
        hashed (the old ones are kept), so extending by k leaves costs about k hashes.

        >>> a, b, c = leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")
        >>> MerkleTree.from_leaf_hashes([a]).extended([b, c]).root() == root_hash([a, b, c])
        True
        """
        new = list(leaf_hashes)
        for position, leaf in enumerate(new, start=self.size):
            _check_hash(leaf, f"leaf hash {position}")
        if not new:
            return self
        levels = [self.levels[0] + b"".join(new)]
        while len(levels[-1]) >= 2 * HASH_SIZE:
            height, below = len(levels) - 1, levels[-1]
            kept = self.levels[height + 1] if height + 1 < len(self.levels) else b""
            pairs = len(below) // (2 * HASH_SIZE)
            step = 2 * HASH_SIZE
            fresh = b"".join(
                node_hash(below[i : i + HASH_SIZE], below[i + HASH_SIZE : i + step])
                for i in range(len(kept) * 2, pairs * step, step)
            )
            levels.append(kept + fresh)
        return MerkleTree(tuple(levels))

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self.levels[0]) // HASH_SIZE

    def leaf_hash(self, index: int) -> bytes:
        """The stored hash of leaf ``index``."""
        if not 0 <= index < self.size:
            raise ProofRequestError(f"leaf index {index} is not in a tree of {self.size} leaves")
        return self._node(0, index)

    def root(self, size: int | None = None) -> bytes:
        """The tree head of the first ``size`` leaves (all of them when None)."""
        size = self.size if size is None else size
        self._check_size(size, what="tree size")
        return EMPTY_ROOT if size == 0 else self._subtree(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> tuple[bytes, ...]:
        """The audit path of leaf ``index`` in the tree of the first ``size`` leaves
        (RFC 6962 §2.1.1 PATH), lowest sibling first."""
        size = self.size if size is None else size
        self._check_size(size, what="tree size")
        if not 0 <= index < size:
            raise ProofRequestError(f"leaf index {index} is not in a tree of {size} leaves")
        path: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            middle = start + _split(end - start)
            if index < middle:
                path.append(self._subtree(middle, end))
                end = middle
            else:
                path.append(self._subtree(start, middle))
                start = middle
        return tuple(reversed(path))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> tuple[bytes, ...]:
        """The proof that the tree of ``old_size`` leaves is a prefix of the one of
        ``new_size`` (RFC 6962 §2.1.2 PROOF/SUBPROOF); empty when old_size is 0 or new_size."""
        new_size = self.size if new_size is None else new_size
        self._check_size(new_size, what="new tree size")
        if not 0 <= old_size <= new_size:
            raise ProofRequestError(
                f"old tree size {old_size} must lie between 0 and the new size {new_size}"
            )
        if old_size in (0, new_size):
            return ()
        path: list[bytes] = []
        start, end, old_here = 0, new_size, old_size
        old_root_is_node = True
        while end - start != old_here:
            middle = start + _split(end - start)
            if old_here <= middle - start:
                path.append(self._subtree(middle, end))
                end = middle
            else:
                path.append(self._subtree(start, middle))
                old_here -= middle - start
                start = middle
                old_root_is_node = False
        seed = () if old_root_is_node else (self._subtree(start, end),)
        return seed + tuple(reversed(path))

    def _check_size(self, size: int, *, what: str) -> None:
        if not 0 <= size <= self.size:
            raise ProofRequestError(f"{what} {size} is not within the tree of {self.size} leaves")

    def _node(self, level: int, index: int) -> bytes:
        offset = index * HASH_SIZE
        return self.levels[level][offset : offset + HASH_SIZE]

    def _subtree(self, start: int, end: int) -> bytes:
        """MTH of leaves [start, end), where start is a multiple of the smallest power of two
        ≥ end - start (true of every subtree the RFC's recursion visits)."""
        lefts: list[bytes] = []
        while not _is_power_of_two(end - start):
            width = _split(end - start)
            level = width.bit_length() - 1
            lefts.append(self._node(level, start >> level))
            start += width
        level = (end - start).bit_length() - 1
        node = self._node(level, start >> level)
        for left in reversed(lefts):
            node = node_hash(left, node)
        return node


def inclusion_proof(
    leaf_hashes: Sequence[bytes], *, index: int, tree_size: int
) -> tuple[bytes, ...]:
    """One inclusion proof from the leaf hashes (builds a :class:`MerkleTree`: O(n))."""
    _check_prefix(leaf_hashes, tree_size)
    return MerkleTree.from_leaf_hashes(leaf_hashes[:tree_size]).inclusion_proof(index)


def consistency_proof(
    leaf_hashes: Sequence[bytes], *, old_size: int, new_size: int
) -> tuple[bytes, ...]:
    """One consistency proof from the leaf hashes (builds a :class:`MerkleTree`: O(n))."""
    _check_prefix(leaf_hashes, new_size)
    return MerkleTree.from_leaf_hashes(leaf_hashes[:new_size]).consistency_proof(old_size)


def _check_prefix(leaf_hashes: Sequence[bytes], size: int) -> None:
    if not 0 <= size <= len(leaf_hashes):
        raise ProofRequestError(f"tree size {size} is not within the {len(leaf_hashes)} leaves")


# ---------------------------------------------------------------- verification (RFC 9162)


def verify_inclusion(
    *, leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` (a leaf hash) is entry ``index`` of the tree of ``tree_size``
    leaves whose head is ``root``; raises :class:`InvalidProof` saying why not.

    RFC 9162 §2.1.3.2, with fn the leaf's position and sn the last position on each level.
    """
    _check_hashes(proof, **{"the leaf hash": leaf, "the root hash": root})
    if not 0 <= index < tree_size:
        raise InvalidProof(f"leaf index {index} is not in a tree of {tree_size} leaves")
    fn, sn = index, tree_size - 1
    computed = leaf
    for sibling in proof:
        if sn == 0:
            raise InvalidProof(f"the proof has more hashes than a tree of {tree_size} needs")
        if fn & 1 or fn == sn:
            computed = node_hash(sibling, computed)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            computed = node_hash(computed, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise InvalidProof(f"the proof has fewer hashes than a tree of {tree_size} needs")
    if computed != root:
        raise InvalidProof(
            f"the proof leads to root {hash_hex(computed)}, not {hash_hex(root)}: the entry "
            f"is not leaf {index} of that tree"
        )


def verify_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``old_size`` leaves with head ``old_root`` is a prefix of the
    tree of ``new_size`` with head ``new_root``; raises :class:`InvalidProof` saying why not.

    RFC 9162 §2.1.4.2 for 0 < old_size < new_size; equal sizes need equal roots and an empty
    proof, and the empty tree (root ``SHA-256("")``) is a prefix of every tree.
    """
    _check_hashes(proof, **{"the old root": old_root, "the new root": new_root})
    if not 0 <= old_size <= new_size:
        raise InvalidProof(f"a log of {old_size} entries cannot have become {new_size}")
    if old_size in (0, new_size):
        _verify_trivial_consistency(
            old_size=old_size, new_size=new_size, old_root=old_root, new_root=new_root, proof=proof
        )
        return
    if not proof:
        raise InvalidProof(f"a consistency proof from {old_size} to {new_size} is never empty")
    path = [old_root, *proof] if _is_power_of_two(old_size) else list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old_computed = new_computed = path[0]
    for sibling in path[1:]:
        if sn == 0:
            raise InvalidProof(f"the proof has more hashes than sizes {old_size}→{new_size} need")
        if fn & 1 or fn == sn:
            old_computed = node_hash(sibling, old_computed)
            new_computed = node_hash(sibling, new_computed)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            new_computed = node_hash(new_computed, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise InvalidProof(f"the proof has fewer hashes than sizes {old_size}→{new_size} need")
    if old_computed != old_root:
        raise InvalidProof(
            f"the proof rebuilds the old root as {hash_hex(old_computed)}, not "
            f"{hash_hex(old_root)}: the first {old_size} entries were changed"
        )
    if new_computed != new_root:
        raise InvalidProof(
            f"the proof leads to new root {hash_hex(new_computed)}, not {hash_hex(new_root)}"
        )


def _verify_trivial_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    if proof:
        raise InvalidProof(f"a consistency proof from {old_size} to {new_size} must be empty")
    if old_size == 0 and old_root != EMPTY_ROOT:
        raise InvalidProof(f"the empty tree's root is {hash_hex(EMPTY_ROOT)}")
    if old_size == new_size and old_root != new_root:
        raise InvalidProof(
            f"two heads of {new_size} entries with different roots: {hash_hex(old_root)} and "
            f"{hash_hex(new_root)}"
        )


def _check_hashes(proof: Sequence[bytes], **named: bytes) -> None:
    for what, value in named.items():
        _check_hash(value, what)
    for position, sibling in enumerate(proof):
        _check_hash(sibling, f"proof hash {position}")
