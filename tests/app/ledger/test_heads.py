"""Signed tree heads: what is signed, how it is written, and which keys may have signed it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.ledger.errors import InvalidSignature, MalformedDocument
from app.ledger.heads import SignedTreeHead, TreeHead, sign_tree_head, verify_tree_head
from app.ledger.merkle import EMPTY_ROOT, leaf_hash
from app.ledger.signing import PublicKeyring, Signature, SignedKind, SigningKey

NOW = datetime(2027, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
ROOT = leaf_hash(b"one entry")


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def keys(key: SigningKey) -> PublicKeyring:
    return PublicKeyring((key.public_key(created_at=NOW - timedelta(days=1)),))


class TestSigning:
    def test_the_document_has_the_five_fields_and_round_trips(self, key: SigningKey):
        head = sign_tree_head(key, tree_size=1, root_hash=ROOT, timestamp=NOW)
        document = head.to_document()
        assert set(document) == {"tree_size", "root_hash", "timestamp", "key_id", "signature"}
        assert document["root_hash"] == ROOT.hex()
        assert document["timestamp"] == "2027-03-01T12:30:15.123456Z"
        assert SignedTreeHead.from_document(document) == head
        assert head.tree_head == TreeHead(1, ROOT)

    def test_the_signature_covers_the_head_without_it_under_the_tree_head_domain(
        self, key: SigningKey, keys: PublicKeyring
    ):
        head = sign_tree_head(key, tree_size=1, root_hash=ROOT, timestamp=NOW)
        payload = {k: v for k, v in head.to_document().items() if k != "signature"}
        keys.verify(SignedKind.TREE_HEAD, payload, Signature(key.key_id, head.signature))
        with pytest.raises(InvalidSignature):
            keys.verify(SignedKind.REPORT, payload, Signature(key.key_id, head.signature))

    def test_a_head_without_a_timestamp_is_dated_now(self, key: SigningKey):
        before = datetime.now(UTC)
        head = sign_tree_head(key, tree_size=0, root_hash=EMPTY_ROOT)
        assert before <= head.timestamp <= datetime.now(UTC)


class TestVerify:
    def test_a_genuine_head_verifies_and_names_its_key(self, key: SigningKey, keys: PublicKeyring):
        head = sign_tree_head(key, tree_size=1, root_hash=ROOT, timestamp=NOW)
        assert verify_tree_head(head, keys).key_id == key.key_id

    @pytest.mark.parametrize(
        "change",
        [
            {"tree_size": 2},
            {"root_hash": EMPTY_ROOT.hex()},
            {"timestamp": "2027-03-01T12:30:16.123456Z"},
        ],
    )
    def test_a_changed_field_fails(
        self, key: SigningKey, keys: PublicKeyring, change: dict[str, object]
    ):
        document = sign_tree_head(key, tree_size=1, root_hash=ROOT, timestamp=NOW).to_document()
        tampered = SignedTreeHead.from_document({**document, **change})
        with pytest.raises(InvalidSignature, match="tree-head signature .* does not verify"):
            verify_tree_head(tampered, keys)

    def test_a_head_by_a_key_not_given_fails(self, keys: PublicKeyring):
        head = sign_tree_head(SigningKey.generate(), tree_size=1, root_hash=ROOT, timestamp=NOW)
        with pytest.raises(InvalidSignature, match="unknown key"):
            verify_tree_head(head, keys)

    def test_a_head_dated_after_its_key_was_retired_fails(self, key: SigningKey):
        retired = PublicKeyring(
            (key.public_key(created_at=NOW - timedelta(days=9), retired_at=NOW),)
        )
        head = sign_tree_head(key, tree_size=1, root_hash=ROOT, timestamp=NOW)
        with pytest.raises(InvalidSignature, match="was not the active key .*retired"):
            verify_tree_head(head, retired)
        earlier = sign_tree_head(
            key, tree_size=1, root_hash=ROOT, timestamp=NOW - timedelta(seconds=1)
        )
        verify_tree_head(earlier, retired)


class TestDocuments:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"tree_size": -1}, "signed_head.tree_size: must be an integer ≥ 0"),
            ({"tree_size": True}, "signed_head.tree_size: must be an integer"),
            ({"root_hash": "sha256:" + "0" * 64}, "root_hash: must be 64 lowercase hex"),
            ({"timestamp": "2027-03-01"}, "timestamp: must be a UTC time"),
            ({"note": "x"}, "signed_head: unknown note"),
        ],
    )
    def test_a_malformed_head_is_refused_naming_the_field(
        self, key: SigningKey, change: dict[str, object], message: str
    ):
        document = sign_tree_head(key, tree_size=1, root_hash=ROOT, timestamp=NOW).to_document()
        with pytest.raises(MalformedDocument, match=message):
            SignedTreeHead.from_document({**document, **change})

    def test_a_head_missing_its_signature_is_refused(self, key: SigningKey):
        document = sign_tree_head(key, tree_size=1, root_hash=ROOT, timestamp=NOW).to_document()
        del document["signature"]
        with pytest.raises(MalformedDocument, match="signed_head: missing signature"):
            SignedTreeHead.from_document(document)
