"""Properties: the product and the naive reference agree on every root, proof and verdict.

Each proof the product makes verifies under the reference's verifier and vice versa; each
tampered proof, leaf, index, size or root is refused by both, and on any probe at all the two
verifiers give the same verdict.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.ledger.errors import InvalidProof
from app.ledger.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion
from tests.app.ledger import reference

patient = settings(deadline=None)
"""The naive reference re-hashes whole subtrees; a slow machine must not fail on time."""
entries = st.lists(st.binary(max_size=6), min_size=1, max_size=48)


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[list[bytes], int]:
    data = draw(entries)
    return data, draw(st.integers(0, len(data) - 1))


@st.composite
def tree_and_sizes(draw: st.DrawFn) -> tuple[list[bytes], int]:
    data = draw(st.lists(st.binary(max_size=6), min_size=2, max_size=48))
    return data, draw(st.integers(1, len(data) - 1))


def build(data: list[bytes]) -> MerkleTree:
    return MerkleTree.from_leaf_hashes(leaf_hash(d) for d in data)


def product_accepts_inclusion(**probe: object) -> bool:
    try:
        verify_inclusion(**probe)
    except InvalidProof:
        return False
    return True


def reference_accepts_inclusion(
    *, leaf: bytes, index: int, tree_size: int, proof: tuple[bytes, ...], root: bytes
) -> bool:
    if any(len(h) != 32 for h in (leaf, root, *proof)):
        return False
    return reference.root_from_path(leaf, index, tree_size, proof) == root


def product_accepts_consistency(**probe: object) -> bool:
    try:
        verify_consistency(**probe)
    except InvalidProof:
        return False
    return True


def reference_accepts_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: tuple[bytes, ...]
) -> bool:
    if any(len(h) != 32 for h in (old_root, new_root, *proof)):
        return False
    if old_size == 0:
        empty = reference.mth([])
        return not proof and old_root == empty and (new_size > 0 or new_root == empty)
    if old_size == new_size:
        return not proof and old_root == new_root
    rebuilt = reference.roots_from_proof(old_size, new_size, old_root, proof)
    return rebuilt == (old_root, new_root)


def flip(proof: tuple[bytes, ...], position: int, bit: int) -> tuple[bytes, ...]:
    target = proof[position]
    byte = target[bit // 8] ^ (1 << (bit % 8))
    changed = target[: bit // 8] + bytes([byte]) + target[bit // 8 + 1 :]
    return (*proof[:position], changed, *proof[position + 1 :])


class TestRoots:
    @patient
    @given(entries)
    def test_every_prefix_root_is_the_reference_mth(self, data: list[bytes]):
        tree = build(data)
        for size in range(len(data) + 1):
            assert tree.root(size) == reference.mth(data[:size])


class TestExtending:
    @patient
    @given(tree_and_sizes(), st.integers(1, 3))
    def test_a_tree_extended_in_steps_is_the_tree_built_at_once(self, case, steps: int):
        data, first = case
        tree = build(data[:first])
        rest = data[first:]
        chunk = max(1, len(rest) // steps)
        for start in range(0, len(rest), chunk):
            tree = tree.extended(leaf_hash(d) for d in rest[start : start + chunk])
        assert tree == build(data)
        assert tree.root() == reference.mth(data)

    def test_extending_by_nothing_is_the_same_tree(self):
        tree = build([b"a", b"b", b"c"])
        assert tree.extended([]) is tree


class TestInclusion:
    @patient
    @given(tree_and_index())
    def test_the_product_proof_is_the_rfc_path_and_both_verifiers_accept_it(self, case):
        data, index = case
        tree = build(data)
        proof = tree.inclusion_proof(index)
        assert list(proof) == reference.path(index, data)
        probe = {
            "leaf": leaf_hash(data[index]),
            "index": index,
            "tree_size": len(data),
            "proof": proof,
            "root": reference.mth(data),
        }
        assert product_accepts_inclusion(**probe)
        assert reference_accepts_inclusion(**probe)

    @patient
    @given(tree_and_index(), st.data())
    def test_a_flipped_bit_in_the_proof_fails_both(self, case, draw):
        data, index = case
        tree = build(data)
        proof = tree.inclusion_proof(index)
        if not proof:
            return
        position = draw.draw(st.integers(0, len(proof) - 1))
        bit = draw.draw(st.integers(0, 255))
        probe = {
            "leaf": leaf_hash(data[index]),
            "index": index,
            "tree_size": len(data),
            "proof": flip(proof, position, bit),
            "root": tree.root(),
        }
        assert not product_accepts_inclusion(**probe)
        assert not reference_accepts_inclusion(**probe)

    @patient
    @given(tree_and_index(), st.binary(max_size=6))
    def test_another_leaf_fails_both(self, case, other: bytes):
        data, index = case
        if other == data[index]:
            return
        tree = build(data)
        probe = {
            "leaf": leaf_hash(other),
            "index": index,
            "tree_size": len(data),
            "proof": tree.inclusion_proof(index),
            "root": tree.root(),
        }
        assert not product_accepts_inclusion(**probe)
        assert not reference_accepts_inclusion(**probe)

    @patient
    @given(tree_and_index(), st.data())
    def test_another_index_or_size_with_its_own_true_root_fails_both(self, case, draw):
        data, index = case
        tree = build(data)
        proof = tree.inclusion_proof(index)
        other_index = draw.draw(st.integers(0, len(data) - 1))
        other_size = draw.draw(st.integers(other_index + 1, len(data)))
        if (other_index, other_size) == (index, len(data)):
            return
        if data[other_index] == data[index] and reference.path(
            other_index, data[:other_size]
        ) == list(proof):
            return  # the same leaf with the same audit path: a genuine proof
        probe = {
            "leaf": leaf_hash(data[index]),
            "index": other_index,
            "tree_size": other_size,
            "proof": proof,
            "root": tree.root(other_size),
        }
        assert not product_accepts_inclusion(**probe)
        assert not reference_accepts_inclusion(**probe)

    @settings(patient, max_examples=300)
    @given(tree_and_index(), st.data())
    def test_on_any_probe_both_verifiers_give_the_same_verdict(self, case, draw):
        data, index = case
        tree = build(data)
        proofs = [tree.inclusion_proof(i, s) for s in range(1, len(data) + 1) for i in range(s)]
        proof = draw.draw(st.sampled_from(proofs))
        variants = [proof, proof[1:], proof[:-1], (*proof, tree.root())]
        probe = {
            "leaf": tree.leaf_hash(draw.draw(st.integers(0, len(data) - 1))),
            "index": draw.draw(st.integers(-1, len(data) + 1)),
            "tree_size": draw.draw(st.integers(0, 2 * len(data))),
            "proof": draw.draw(st.sampled_from(variants)),
            "root": tree.root(draw.draw(st.integers(0, len(data)))),
        }
        assert product_accepts_inclusion(**probe) == reference_accepts_inclusion(**probe)


class TestConsistency:
    @patient
    @given(tree_and_sizes())
    def test_the_product_proof_is_the_rfc_proof_and_both_verifiers_accept_it(self, case):
        data, old = case
        tree = build(data)
        proof = tree.consistency_proof(old)
        assert list(proof) == reference.proof(old, data)
        probe = {
            "old_size": old,
            "new_size": len(data),
            "old_root": reference.mth(data[:old]),
            "new_root": reference.mth(data),
            "proof": proof,
        }
        assert product_accepts_consistency(**probe)
        assert reference_accepts_consistency(**probe)

    @patient
    @given(tree_and_sizes(), st.data())
    def test_a_flipped_bit_in_the_proof_fails_both(self, case, draw):
        data, old = case
        tree = build(data)
        proof = tree.consistency_proof(old)
        position = draw.draw(st.integers(0, len(proof) - 1))
        bit = draw.draw(st.integers(0, 255))
        probe = {
            "old_size": old,
            "new_size": len(data),
            "old_root": tree.root(old),
            "new_root": tree.root(),
            "proof": flip(proof, position, bit),
        }
        assert not product_accepts_consistency(**probe)
        assert not reference_accepts_consistency(**probe)

    @patient
    @given(tree_and_sizes(), st.integers(0, 47), st.binary(max_size=6))
    def test_a_rewritten_entry_in_the_old_tree_fails_both(self, case, position, other):
        data, old = case
        position %= old
        if data[position] == other:
            return
        rewritten = [*data[:position], other, *data[position + 1 :]]
        new_tree = build(rewritten)
        probe = {
            "old_size": old,
            "new_size": len(data),
            "old_root": build(data).root(old),
            "new_root": new_tree.root(),
            "proof": new_tree.consistency_proof(old),
        }
        assert not product_accepts_consistency(**probe)
        assert not reference_accepts_consistency(**probe)

    @patient
    @given(tree_and_sizes(), st.data())
    def test_other_sizes_with_their_own_true_roots_fail_both(self, case, draw):
        data, old = case
        tree = build(data)
        proof = tree.consistency_proof(old)
        other_old = draw.draw(st.integers(1, len(data)))
        other_new = draw.draw(st.integers(other_old, len(data)))
        if (other_old, other_new) == (old, len(data)):
            return
        if other_old < other_new and list(proof) == reference.proof(other_old, data[:other_new]):
            return  # a genuine proof for those sizes too
        probe = {
            "old_size": other_old,
            "new_size": other_new,
            "old_root": tree.root(other_old),
            "new_root": tree.root(other_new),
            "proof": proof,
        }
        assert not product_accepts_consistency(**probe)
        assert not reference_accepts_consistency(**probe)

    @settings(patient, max_examples=300)
    @given(tree_and_sizes(), st.data())
    def test_on_any_probe_both_verifiers_give_the_same_verdict(self, case, draw):
        data, _ = case
        tree = build(data)
        size2 = draw.draw(st.integers(1, len(data)))
        size1 = draw.draw(st.integers(0, size2))
        proof = tree.consistency_proof(size1, size2)
        variants = [proof, proof[1:], proof[:-1], (tree.root(), *proof)]
        probe = {
            "old_size": draw.draw(st.integers(0, len(data))),
            "new_size": draw.draw(st.integers(0, len(data) + 2)),
            "old_root": tree.root(draw.draw(st.sampled_from([size1, max(size1 - 1, 0), size2]))),
            "new_root": tree.root(draw.draw(st.sampled_from([size2, size1]))),
            "proof": draw.draw(st.sampled_from(variants)),
        }
        assert product_accepts_consistency(**probe) == reference_accepts_consistency(**probe)
