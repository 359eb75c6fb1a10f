"""The Merkle tree against published RFC 6962 vectors and the naive reference in the tests.

The vectors are the 8-leaf tree that Certificate Transparency's Go code and
transparency-dev/merkle test with: its leaf inputs, the roots of sizes 1..8, and known
inclusion and consistency proofs.
"""

from __future__ import annotations

import math

import pytest

from app.ledger import merkle
from app.ledger.errors import InvalidProof, MalformedDocument, ProofRequestError
from app.ledger.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from tests.app.ledger import reference

LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [  # by tree size 0..8
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAF_HASHES = [  # level 0 of the 8-leaf tree
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
]
INCLUSION = [  # (leaf index, tree size, audit path)
    (0, 1, []),
    (0, 2, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"]),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def hexes(values: list[str]) -> tuple[bytes, ...]:
    return tuple(bytes.fromhex(v) for v in values)


@pytest.fixture(scope="module")
def tree() -> MerkleTree:
    return MerkleTree.from_leaf_hashes(leaf_hash(data) for data in LEAF_INPUTS)


class TestHashing:
    def test_the_empty_tree_hashes_to_sha256_of_nothing(self):
        assert EMPTY_ROOT.hex() == ROOTS[0]
        assert root_hash([]) == EMPTY_ROOT

    def test_an_empty_leaf_is_not_the_empty_tree(self):
        assert leaf_hash(b"").hex() == ROOTS[1]

    def test_a_leaf_is_prefixed_with_a_zero_byte(self):
        expected = "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
        assert leaf_hash(b"L123456").hex() == expected

    def test_a_node_is_prefixed_with_a_one_byte(self):
        expected = "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
        assert node_hash(b"N123", b"N456").hex() == expected

    def test_a_node_is_not_the_leaf_of_its_childrens_concatenation(self):
        left, right = leaf_hash(b"Hello"), leaf_hash(b"World")
        assert node_hash(left, right) != leaf_hash(left + right)
        assert node_hash(left, right) != node_hash(right, left)


class TestHex:
    def test_hashes_round_trip_as_64_lowercase_hex_digits(self):
        value = leaf_hash(b"x")
        assert merkle.hash_from_hex(merkle.hash_hex(value)) == value
        assert merkle.hash_hex(value) == value.hex()

    @pytest.mark.parametrize("text", ["", "ab", "g" * 64, "AB" * 32, "sha256:" + "a" * 64, 7])
    def test_anything_else_is_refused_naming_the_field(self, text: object):
        with pytest.raises(MalformedDocument, match="root_hash: must be 64 lowercase hex"):
            merkle.hash_from_hex(text, field="root_hash")


class TestKnownTree:
    def test_its_complete_subtrees_are_the_published_node_hashes(self, tree: MerkleTree):
        assert [tree.leaf_hash(i).hex() for i in range(8)] == LEAF_HASHES
        assert tree.levels[3].hex() == ROOTS[8]

    @pytest.mark.parametrize("size", range(9))
    def test_the_root_of_each_size_is_the_published_one(self, tree: MerkleTree, size: int):
        assert tree.root(size).hex() == ROOTS[size]
        assert root_hash(leaf_hash(d) for d in LEAF_INPUTS[:size]).hex() == ROOTS[size]
        assert reference.mth(LEAF_INPUTS[:size]).hex() == ROOTS[size]

    @pytest.mark.parametrize(("index", "size", "expected"), INCLUSION)
    def test_inclusion_proofs_are_the_published_ones(
        self, tree: MerkleTree, index: int, size: int, expected: list[str]
    ):
        assert tree.inclusion_proof(index, size) == hexes(expected)
        assert tuple(reference.path(index, LEAF_INPUTS[:size])) == hexes(expected)
        verify_inclusion(
            leaf=tree.leaf_hash(index),
            index=index,
            tree_size=size,
            proof=hexes(expected),
            root=bytes.fromhex(ROOTS[size]),
        )

    @pytest.mark.parametrize(("old", "new", "expected"), CONSISTENCY)
    def test_consistency_proofs_are_the_published_ones(
        self, tree: MerkleTree, old: int, new: int, expected: list[str]
    ):
        assert tree.consistency_proof(old, new) == hexes(expected)
        if old < new:
            assert tuple(reference.proof(old, LEAF_INPUTS[:new])) == hexes(expected)
        verify_consistency(
            old_size=old,
            new_size=new,
            old_root=bytes.fromhex(ROOTS[old]),
            new_root=bytes.fromhex(ROOTS[new]),
            proof=hexes(expected),
        )

    def test_every_proof_of_the_tree_matches_the_reference(self, tree: MerkleTree):
        for size in range(1, 9):
            for index in range(size):
                assert list(tree.inclusion_proof(index, size)) == reference.path(
                    index, LEAF_INPUTS[:size]
                )
            for old in range(1, size):
                assert list(tree.consistency_proof(old, size)) == reference.proof(
                    old, LEAF_INPUTS[:size]
                )


def corrupt_inclusion(index: int, size: int, proof: tuple[bytes, ...], root: bytes, leaf: bytes):
    """Every way the CT and transparency-dev tests spoil an inclusion proof."""
    good = {"leaf": leaf, "index": index, "tree_size": size, "proof": proof, "root": root}
    yield "index - 1", {**good, "index": index - 1}
    yield "index + 1", {**good, "index": index + 1}
    yield "index ^ 2", {**good, "index": index ^ 2}
    yield "size * 2", {**good, "tree_size": size * 2}
    yield "size / 2", {**good, "tree_size": size // 2}
    yield "wrong leaf", {**good, "leaf": SOME_HASH}
    yield "empty root", {**good, "root": EMPTY_ROOT}
    yield "other root", {**good, "root": SOME_HASH}
    yield "trailing root", {**good, "proof": (*proof, root)}
    yield "preceding root", {**good, "proof": (root, *proof)}
    for i in range(len(proof)):
        flipped = bytes([proof[i][0] ^ 8]) + proof[i][1:]
        yield f"proof[{i}] bit 3", {**good, "proof": (*proof[:i], flipped, *proof[i + 1 :])}
    if proof:
        yield "removed hash", {**good, "proof": proof[:-1]}
    if len(proof) > 1:
        yield "inserted hash", {**good, "proof": (proof[0], SOME_HASH, *proof[1:])}


class TestVerifyInclusion:
    @pytest.mark.parametrize(("index", "size", "expected"), INCLUSION[1:])
    def test_every_corruption_of_a_published_proof_fails(
        self, tree: MerkleTree, index: int, size: int, expected: list[str]
    ):
        probes = corrupt_inclusion(
            index, size, hexes(expected), bytes.fromhex(ROOTS[size]), tree.leaf_hash(index)
        )
        accepted = []
        for description, probe in probes:
            try:
                verify_inclusion(**probe)
            except InvalidProof:
                continue
            accepted.append(description)
        assert accepted == []

    def test_a_one_leaf_tree_has_an_empty_proof_and_the_leaf_as_root(self):
        leaf = leaf_hash(b"data")
        verify_inclusion(leaf=leaf, index=0, tree_size=1, proof=(), root=leaf)
        with pytest.raises(InvalidProof, match="not .*: the entry is not leaf 0"):
            verify_inclusion(leaf=leaf, index=0, tree_size=1, proof=(), root=SOME_HASH)

    @pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (2, 1), (1, 1), (-1, 4)])
    def test_an_index_outside_the_tree_fails(self, index: int, size: int):
        with pytest.raises(InvalidProof, match="is not in a tree of"):
            verify_inclusion(leaf=SOME_HASH, index=index, tree_size=size, proof=(), root=EMPTY_ROOT)

    def test_a_hash_of_the_wrong_length_fails(self, tree: MerkleTree):
        with pytest.raises(InvalidProof, match="proof hash 1 has 31 bytes, not 32"):
            verify_inclusion(
                leaf=tree.leaf_hash(0),
                index=0,
                tree_size=8,
                proof=(tree.leaf_hash(1), b"x" * 31, tree.leaf_hash(2)),
                root=tree.root(),
            )
        with pytest.raises(InvalidProof, match="the leaf hash has 0 bytes"):
            verify_inclusion(leaf=b"", index=0, tree_size=1, proof=(), root=tree.root())

    def test_too_long_and_too_short_proofs_are_named(self, tree: MerkleTree):
        proof = tree.inclusion_proof(5, 8)
        common = {"leaf": tree.leaf_hash(5), "index": 5, "tree_size": 8, "root": tree.root()}
        with pytest.raises(InvalidProof, match="more hashes than a tree of 8 needs"):
            verify_inclusion(proof=(*proof, SOME_HASH), **common)
        with pytest.raises(InvalidProof, match="fewer hashes than a tree of 8 needs"):
            verify_inclusion(proof=proof[:2], **common)


class TestVerifyConsistency:
    def test_equal_sizes_need_equal_roots_and_no_proof(self, tree: MerkleTree):
        root = tree.root(5)
        verify_consistency(old_size=5, new_size=5, old_root=root, new_root=root, proof=())
        with pytest.raises(InvalidProof, match="two heads of 5 entries with different roots"):
            verify_consistency(
                old_size=5, new_size=5, old_root=root, new_root=tree.root(4), proof=()
            )
        with pytest.raises(InvalidProof, match="must be empty"):
            verify_consistency(
                old_size=5, new_size=5, old_root=root, new_root=root, proof=(EMPTY_ROOT,)
            )

    def test_the_empty_tree_is_a_prefix_of_every_tree(self, tree: MerkleTree):
        verify_consistency(
            old_size=0, new_size=8, old_root=EMPTY_ROOT, new_root=tree.root(), proof=()
        )
        with pytest.raises(InvalidProof, match="the empty tree's root is"):
            verify_consistency(
                old_size=0, new_size=8, old_root=SOME_HASH, new_root=tree.root(), proof=()
            )

    def test_a_log_cannot_shrink(self, tree: MerkleTree):
        with pytest.raises(InvalidProof, match="a log of 5 entries cannot have become 4"):
            verify_consistency(
                old_size=5, new_size=4, old_root=tree.root(5), new_root=tree.root(4), proof=()
            )

    def test_a_growing_log_never_has_an_empty_proof(self, tree: MerkleTree):
        with pytest.raises(InvalidProof, match="is never empty"):
            verify_consistency(
                old_size=1, new_size=2, old_root=tree.root(1), new_root=tree.root(2), proof=()
            )

    @pytest.mark.parametrize(("old", "new", "expected"), [c for c in CONSISTENCY if c[0] < c[1]])
    def test_every_corruption_of_a_published_proof_fails(
        self, old: int, new: int, expected: list[str]
    ):
        proof = hexes(expected)
        root1, root2 = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
        probes = {
            "old - 1": (old - 1, new, root1, root2, proof),
            "old + 1": (old + 1, new, root1, root2, proof),
            "old ^ 2": (old ^ 2, new, root1, root2, proof),
            "new * 2": (old, new * 2, root1, root2, proof),
            "new / 2": (old, new // 2, root1, root2, proof),
            "wrong old root": (old, new, SOME_HASH, root2, proof),
            "wrong new root": (old, new, root1, SOME_HASH, proof),
            "swapped roots": (old, new, root2, root1, proof),
            "empty proof": (old, new, root1, root2, ()),
            "trailing old root": (old, new, root1, root2, (*proof, root1)),
            "trailing new root": (old, new, root1, root2, (*proof, root2)),
            "preceding old root": (old, new, root1, root2, (root1, *proof)),
            "preceding new root": (old, new, root1, root2, (root2, *proof)),
            "preceding proof[0]": (old, new, root1, root2, (proof[0], *proof)),
            "truncated": (old, new, root1, root2, proof[:-1]),
        }
        for i in range(len(proof)):
            flipped = bytes([proof[i][0] ^ 16]) + proof[i][1:]
            probes[f"proof[{i}] bit 4"] = (
                old,
                new,
                root1,
                root2,
                (*proof[:i], flipped, *proof[i + 1 :]),
            )
        accepted = []
        for description, (size1, size2, first, second, path) in probes.items():
            try:
                verify_consistency(
                    old_size=size1, new_size=size2, old_root=first, new_root=second, proof=path
                )
            except InvalidProof:
                continue
            accepted.append(description)
        assert accepted == []

    def test_a_rewritten_prefix_is_named_as_such(self, tree: MerkleTree):
        other = MerkleTree.from_leaf_hashes(
            [leaf_hash(b"changed"), *(tree.leaf_hash(i) for i in range(1, 8))]
        )
        with pytest.raises(InvalidProof, match="the first 3 entries were changed"):
            verify_consistency(
                old_size=3,
                new_size=8,
                old_root=tree.root(3),
                new_root=other.root(),
                proof=other.consistency_proof(3),
            )


class TestMerkleTree:
    def test_an_empty_tree_has_the_empty_root_and_no_proofs(self):
        empty = MerkleTree.from_leaf_hashes([])
        assert empty.size == 0 and empty.root() == EMPTY_ROOT
        with pytest.raises(ProofRequestError, match="leaf index 0 is not in a tree of 0"):
            empty.inclusion_proof(0)

    def test_sizes_beyond_the_tree_are_refused(self, tree: MerkleTree):
        with pytest.raises(ProofRequestError, match="tree size 9 is not within the tree of 8"):
            tree.root(9)
        with pytest.raises(ProofRequestError, match="old tree size 6 must lie between 0 and"):
            tree.consistency_proof(6, 5)
        with pytest.raises(ProofRequestError, match="leaf index 5 is not in a tree of 5"):
            tree.inclusion_proof(5, 5)

    def test_leaf_hashes_must_be_32_bytes(self):
        with pytest.raises(InvalidProof, match="leaf hash 1 has 3 bytes"):
            MerkleTree.from_leaf_hashes([SOME_HASH, b"abc"])
        with pytest.raises(InvalidProof, match="leaf hash 0 has 3 bytes"):
            root_hash([b"abc"])

    def test_the_one_shot_functions_match_the_tree(self, tree: MerkleTree):
        leaves = [tree.leaf_hash(i) for i in range(8)]
        assert merkle.inclusion_proof(leaves, index=2, tree_size=5) == tree.inclusion_proof(2, 5)
        assert merkle.consistency_proof(leaves, old_size=3, new_size=7) == (
            tree.consistency_proof(3, 7)
        )
        with pytest.raises(ProofRequestError, match="tree size 9 is not within the 8 leaves"):
            merkle.inclusion_proof(leaves, index=0, tree_size=9)


class TestCost:
    """Counted, not timed: the number of node hashes is what makes 10^5 leaves cheap."""

    SIZE = 100_003

    def test_building_hashes_each_complete_subtree_once_and_proofs_take_log_squared(
        self, monkeypatch: pytest.MonkeyPatch
    ):
        calls = {"node": 0}
        real = merkle.node_hash

        def counting(left: bytes, right: bytes) -> bytes:
            calls["node"] += 1
            return real(left, right)

        leaves = [i.to_bytes(32, "big") for i in range(self.SIZE)]
        monkeypatch.setattr(merkle, "node_hash", counting)
        big = MerkleTree.from_leaf_hashes(leaves)
        assert calls["node"] == self.SIZE - bin(self.SIZE).count("1")
        bound = math.ceil(math.log2(self.SIZE)) ** 2
        for index in (0, 1, 65_535, 65_536, self.SIZE - 2, self.SIZE - 1):
            calls["node"] = 0
            proof = big.inclusion_proof(index)
            assert calls["node"] <= bound
            monkeypatch.setattr(merkle, "node_hash", real)
            verify_inclusion(
                leaf=leaves[index], index=index, tree_size=self.SIZE, proof=proof, root=big.root()
            )
            monkeypatch.setattr(merkle, "node_hash", counting)
        calls["node"] = 0
        big.consistency_proof(77_777)
        big.root(99_999)
        assert calls["node"] <= 2 * bound
        monkeypatch.setattr(merkle, "node_hash", real)
        assert big.root() == root_hash(leaves)


class TestLeafAccess:
    @pytest.mark.parametrize("index", [-1, 8])
    def test_a_leaf_outside_the_tree_is_refused(self, tree: MerkleTree, index: int):
        with pytest.raises(ProofRequestError, match=f"leaf index {index} is not in a tree of 8"):
            tree.leaf_hash(index)
