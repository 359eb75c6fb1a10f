"""A second, deliberately naive RFC 6962 implementation, for the tests only.

It works from the leaf *data* and follows the RFC's recursive definitions word for word
(MTH §2.1, PATH §2.1.1, PROOF/SUBPROOF §2.1.2), re-hashing whole subtrees as the definitions
do. Its verifiers do not follow RFC 9162's bit-walking algorithm either: they rebuild the
roots by recursing over the same tree shape. Nothing here is shared with ``app.ledger.merkle``
but SHA-256 itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(entries: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over the entries' data."""
    if not entries:
        return sha256(b"")
    if len(entries) == 1:
        return sha256(b"\x00" + entries[0])
    k = largest_power_of_two_below(len(entries))
    return sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:]))


def path(m: int, entries: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n])."""
    if len(entries) == 1:
        return []
    k = largest_power_of_two_below(len(entries))
    if m < k:
        return path(m, entries[:k]) + [mth(entries[k:])]
    return path(m - k, entries[k:]) + [mth(entries[:k])]


def proof(m: int, entries: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) for 0 < m < n."""
    return subproof(m, entries, True)


def subproof(m: int, entries: Sequence[bytes], complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b)."""
    n = len(entries)
    if m == n:
        return [] if complete else [mth(entries)]
    k = largest_power_of_two_below(n)
    if m <= k:
        return subproof(m, entries[:k], complete) + [mth(entries[k:])]
    return subproof(m - k, entries[k:], False) + [mth(entries[:k])]


def root_from_path(leaf: bytes, index: int, size: int, audit_path: Sequence[bytes]) -> bytes | None:
    """The root that ``audit_path`` gives for a leaf hash, walking the tree shape top-down;
    None when the path has the wrong length for that shape."""
    hashes = list(audit_path)

    def walk(index: int, size: int) -> bytes | None:
        if size == 1:
            return leaf
        if not hashes:
            return None
        sibling = hashes.pop()
        k = largest_power_of_two_below(size)
        if index < k:
            below = walk(index, k)
            return None if below is None else sha256(b"\x01" + below + sibling)
        below = walk(index - k, size - k)
        return None if below is None else sha256(b"\x01" + sibling + below)

    if not 0 <= index < size:
        return None
    root = walk(index, size)
    return root if root is not None and not hashes else None


def roots_from_proof(
    old_size: int, new_size: int, old_root: bytes, consistency: Sequence[bytes]
) -> tuple[bytes, bytes] | None:
    """The (old root, new root) a consistency proof rebuilds, walking SUBPROOF's shape
    top-down; None when the proof does not fit that shape. For 0 < old_size < new_size."""
    hashes = list(consistency)

    def walk(m: int, n: int, complete: bool) -> tuple[bytes | None, bytes] | None:
        """(old subtree hash or None if the old tree covers none of it fully, new hash)."""
        if m == n:
            if complete:
                return old_root, old_root
            if not hashes:
                return None
            node = hashes.pop(0)
            return node, node
        if not hashes:
            return None
        k = largest_power_of_two_below(n)
        if m <= k:
            right = hashes.pop()
            below = walk(m, k, complete)
            if below is None:
                return None
            old, new = below
            return old, sha256(b"\x01" + new + right)
        left = hashes.pop()
        below = walk(m - k, n - k, False)
        if below is None:
            return None
        old, new = below
        old_full = None if old is None else sha256(b"\x01" + left + old)
        return old_full, sha256(b"\x01" + left + new)

    if not 0 < old_size < new_size:
        return None
    result = walk(old_size, new_size, True)
    if result is None or hashes or result[0] is None:
        return None
    return result[0], result[1]
