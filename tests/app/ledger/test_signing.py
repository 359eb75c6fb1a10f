"""Ed25519 over canonical JSON: domains keep kinds apart, key ids are derived, documents strict."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from app.ledger.errors import InvalidSignature, MalformedDocument
from app.ledger.signing import (
    PublicKey,
    PublicKeyring,
    Signature,
    SignedKind,
    SigningKey,
    key_id_of,
    signed_message,
)

CREATED = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
PAYLOAD = {"report_id": 1, "report_hash": "sha256:" + "ab" * 32}


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def keyring(key: SigningKey) -> PublicKeyring:
    return PublicKeyring((key.public_key(created_at=CREATED),))


class TestDomains:
    def test_each_kind_has_its_own_versioned_prefix(self):
        assert [kind.domain for kind in SignedKind] == [
            b"costshare/report/v1\n",
            b"costshare/publication/v1\n",
            b"costshare/tree-head/v1\n",
        ]

    def test_the_message_is_the_prefix_and_canonical_json(self):
        assert signed_message(SignedKind.REPORT, {"b": [1], "a": "é"}) == (
            b"costshare/report/v1\n" + '{"a":"é","b":[1]}'.encode()
        )

    def test_floats_cannot_be_signed(self, key: SigningKey):
        with pytest.raises(TypeError, match="no floats"):
            key.sign(SignedKind.REPORT, {"total": 1.5})

    @pytest.mark.parametrize("other", [SignedKind.PUBLICATION, SignedKind.TREE_HEAD])
    def test_a_signature_of_one_kind_never_verifies_as_another(
        self, key: SigningKey, keyring: PublicKeyring, other: SignedKind
    ):
        signature = key.sign(SignedKind.REPORT, PAYLOAD)
        keyring.verify(SignedKind.REPORT, PAYLOAD, signature)
        with pytest.raises(InvalidSignature, match="signed as another kind"):
            keyring.verify(other, PAYLOAD, signature)


class TestKeyIds:
    def test_the_id_is_the_first_16_hex_digits_of_sha256_of_the_raw_key(self, key: SigningKey):
        raw = key.public_key(created_at=CREATED).raw
        assert len(raw) == 32
        assert key.key_id == "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]
        assert key_id_of(raw) == key.key_id

    def test_two_keys_have_two_ids(self):
        assert SigningKey.generate().key_id != SigningKey.generate().key_id


class TestVerify:
    def test_a_changed_payload_fails(self, key: SigningKey, keyring: PublicKeyring):
        signature = key.sign(SignedKind.REPORT, PAYLOAD)
        with pytest.raises(InvalidSignature, match="does not verify"):
            keyring.verify(SignedKind.REPORT, {**PAYLOAD, "report_id": 2}, signature)

    def test_a_signature_by_a_key_not_given_fails_naming_both(self, keyring: PublicKeyring):
        stranger = SigningKey.generate()
        signature = stranger.sign(SignedKind.REPORT, PAYLOAD)
        with pytest.raises(InvalidSignature, match=f"unknown key {stranger.key_id}; the keys"):
            keyring.verify(SignedKind.REPORT, PAYLOAD, signature)

    def test_a_signature_claiming_a_known_key_id_but_made_by_another_fails(
        self, key: SigningKey, keyring: PublicKeyring
    ):
        forged = Signature(
            key.key_id, SigningKey.generate().sign(SignedKind.REPORT, PAYLOAD).signature
        )
        with pytest.raises(InvalidSignature, match="does not verify"):
            keyring.verify(SignedKind.REPORT, PAYLOAD, forged)


class TestDocuments:
    def test_a_signature_round_trips_through_its_document(self, key: SigningKey):
        signature = key.sign(SignedKind.REPORT, PAYLOAD)
        document = signature.to_document()
        assert document["algorithm"] == "Ed25519"
        assert len(base64.b64decode(document["signature"])) == 64
        assert Signature.from_document(document) == signature

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"algorithm": "RSA"}, "algorithm: must be Ed25519"),
            ({"signature": "not base64!"}, "signature.signature: not valid base64"),
            ({"signature": base64.b64encode(b"x" * 63).decode()}, "must decode to 64 bytes"),
            ({"extra": 1}, "unknown extra"),
        ],
    )
    def test_a_malformed_signature_document_is_refused(
        self, key: SigningKey, change: dict[str, object], message: str
    ):
        document = {**key.sign(SignedKind.REPORT, PAYLOAD).to_document(), **change}
        with pytest.raises(MalformedDocument, match=message):
            Signature.from_document(document)

    def test_the_public_keys_document_has_the_published_shape(self, key: SigningKey):
        retired = key.public_key(created_at=CREATED, retired_at=CREATED + timedelta(days=30))
        newer = SigningKey.generate().public_key(created_at=CREATED + timedelta(days=30))
        document = PublicKeyring((retired, newer)).to_document()
        assert document == {
            "keys": [
                {
                    "key_id": key.key_id,
                    "algorithm": "Ed25519",
                    "public_key": base64.b64encode(retired.raw).decode(),
                    "status": "retired",
                    "created_at": "2027-01-01T09:00:00.000000Z",
                    "retired_at": "2027-01-31T09:00:00.000000Z",
                },
                {
                    "key_id": newer.key_id,
                    "algorithm": "Ed25519",
                    "public_key": base64.b64encode(newer.raw).decode(),
                    "status": "active",
                    "created_at": "2027-01-31T09:00:00.000000Z",
                    "retired_at": None,
                },
            ]
        }
        assert PublicKeyring.from_document(document) == PublicKeyring((retired, newer))

    def test_a_key_id_that_does_not_match_its_key_is_refused(self, keyring: PublicKeyring):
        document = keyring.to_document()
        document["keys"][0]["key_id"] = "ed25519:0000000000000000"
        with pytest.raises(MalformedDocument, match=r"keys\[0\]\.key_id: the public key's id is"):
            PublicKeyring.from_document(document)

    def test_a_status_that_contradicts_retired_at_is_refused(self, keyring: PublicKeyring):
        document = keyring.to_document()
        document["keys"][0]["status"] = "retired"
        with pytest.raises(MalformedDocument, match="status: must be active"):
            PublicKeyring.from_document(document)

    def test_a_key_listed_twice_is_refused(self, keyring: PublicKeyring):
        document = keyring.to_document()
        document["keys"] = document["keys"] * 2
        with pytest.raises(MalformedDocument, match="a key id appears twice"):
            PublicKeyring.from_document(document)

    def test_timestamps_in_another_spelling_are_refused(self, keyring: PublicKeyring):
        document = keyring.to_document()
        document["keys"][0]["created_at"] = "2027-01-01T09:00:00+00:00"
        with pytest.raises(MalformedDocument, match="created_at: must be a UTC time like"):
            PublicKeyring.from_document(document)


class TestLifetime:
    def test_a_key_is_active_from_creation_until_retirement(self, key: SigningKey):
        public = key.public_key(created_at=CREATED, retired_at=CREATED + timedelta(days=1))
        assert not public.was_active_at(CREATED - timedelta(seconds=1))
        assert public.was_active_at(CREATED)
        assert not public.was_active_at(CREATED + timedelta(days=1))
        assert public.status == "retired"
        assert PublicKey(key.key_id, public.raw, CREATED).status == "active"
