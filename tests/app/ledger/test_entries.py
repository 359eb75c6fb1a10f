"""Log entries: their leaf bytes, and signatures under the domain of their kind."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from app.ledger import entries
from app.ledger.errors import InvalidSignature, MalformedDocument
from app.ledger.signing import PublicKeyring, SignedKind, SigningKey

REPORT_HASH = "sha256:" + "5605" * 16


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def keys(key: SigningKey) -> PublicKeyring:
    return PublicKeyring((key.public_key(created_at=datetime(2027, 1, 1, tzinfo=UTC)),))


def publication() -> dict[str, object]:
    return entries.publication_entry(
        report_id=4,
        report_hash=REPORT_HASH,
        year=2027,
        published_at="2027-02-01T10:00:00+00:00",
        published_by="negotiator:cs_1234",
        supersedes_report_id=2,
    )


class TestLeaves:
    def test_the_leaf_is_the_entrys_canonical_json_behind_a_zero_byte(self):
        entry = entries.report_entry(report_id=7, report_hash=REPORT_HASH)
        data = f'{{"kind":"report","report_hash":"{REPORT_HASH}","report_id":7}}'.encode()
        assert entries.leaf_data(entry) == data
        assert entries.entry_leaf_hash(entry) == hashlib.sha256(b"\x00" + data).digest()

    def test_another_report_hash_is_another_leaf(self):
        one = entries.report_entry(report_id=7, report_hash=REPORT_HASH)
        two = entries.report_entry(report_id=7, report_hash="sha256:" + "0" * 64)
        assert entries.entry_leaf_hash(one) != entries.entry_leaf_hash(two)


class TestSignatures:
    def test_a_report_entry_is_signed_as_a_report(self, key: SigningKey, keys: PublicKeyring):
        entry = entries.report_entry(report_id=1, report_hash=REPORT_HASH)
        signature = entries.sign_entry(key, entry)
        assert entries.verify_entry(keys, entry, signature).key_id == key.key_id
        keys.verify(SignedKind.REPORT, entry, signature)

    def test_a_publication_entry_is_signed_as_a_publication(
        self, key: SigningKey, keys: PublicKeyring
    ):
        signature = entries.sign_entry(key, publication())
        keys.verify(SignedKind.PUBLICATION, publication(), signature)
        with pytest.raises(InvalidSignature):
            keys.verify(SignedKind.REPORT, publication(), signature)

    def test_a_changed_entry_fails(self, key: SigningKey, keys: PublicKeyring):
        entry = entries.report_entry(report_id=1, report_hash=REPORT_HASH)
        signature = entries.sign_entry(key, entry)
        with pytest.raises(InvalidSignature, match="does not verify"):
            entries.verify_entry(keys, {**entry, "report_id": 2}, signature)


class TestShape:
    @pytest.mark.parametrize(
        ("entry", "message"),
        [
            ({"kind": "memo"}, "entry.kind: must be report or publication"),
            ({"kind": "report", "report_id": 1}, "entry: missing report_hash"),
            (
                {"kind": "report", "report_id": 1, "report_hash": "h", "year": 2027},
                "entry: unknown year",
            ),
            ({"kind": "report", "report_id": -1, "report_hash": "h"}, "report_id: must be"),
        ],
    )
    def test_other_shapes_are_refused(self, entry: dict[str, object], message: str):
        with pytest.raises(MalformedDocument, match=message):
            entries.check_entry(entry)

    def test_a_publication_entry_has_its_seven_fields(self):
        assert entries.check_entry(publication())["supersedes_report_id"] == 2
