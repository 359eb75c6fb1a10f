"""The keyring on disk: owner-only files, one active key, rotation keeps the old ones."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.ledger import keyring
from app.ledger.errors import InsecureKeyFile, KeyringError
from app.ledger.signing import PublicKeyring, SignedKind

FIRST = datetime(2027, 1, 1, tzinfo=UTC)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "var" / "keys"


class TestCreate:
    def test_it_makes_an_owner_only_folder_and_key_file(self, directory: Path):
        key = keyring.create_keyring(directory, now=FIRST)
        assert mode(directory) == 0o700
        private = keyring.private_key_path(directory, key.key_id)
        assert private.name == key.key_id.replace(":", "-") + ".pem"
        assert mode(private) == 0o600
        assert mode(directory / "keyring.json") == 0o600
        assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")

    def test_the_first_key_is_active_and_its_private_half_signs(self, directory: Path):
        key = keyring.create_keyring(directory, now=FIRST)
        assert keyring.read_keyring(directory).keys == (key,)
        signing = keyring.load_signing_key(directory)
        assert signing.key_id == key.key_id
        signature = signing.sign(SignedKind.REPORT, {"report_id": 1})
        keyring.read_keyring(directory).verify(SignedKind.REPORT, {"report_id": 1}, signature)

    def test_a_second_create_is_refused(self, directory: Path):
        keyring.create_keyring(directory)
        with pytest.raises(KeyringError, match="a keyring exists in .*; rotate it instead"):
            keyring.create_keyring(directory)

    def test_an_existing_open_folder_is_closed_when_the_keyring_is_made(self, tmp_path: Path):
        folder = tmp_path / "keys"
        folder.mkdir(mode=0o755)
        os.chmod(folder, 0o755)
        keyring.create_keyring(folder)
        assert mode(folder) == 0o700


class TestRotate:
    def test_the_new_key_is_active_and_the_old_one_retired_at_that_moment(self, directory: Path):
        first = keyring.create_keyring(directory, now=FIRST)
        later = FIRST + timedelta(days=90)
        second = keyring.rotate_keyring(directory, now=later)
        keys = keyring.read_keyring(directory).keys
        assert [k.key_id for k in keys] == [first.key_id, second.key_id]
        assert [k.status for k in keys] == ["retired", "active"]
        assert keys[0].retired_at == later and keys[1].created_at == later
        assert keyring.load_signing_key(directory).key_id == second.key_id

    def test_what_the_retired_key_signed_still_verifies(self, directory: Path):
        keyring.create_keyring(directory, now=FIRST)
        old = keyring.load_signing_key(directory)
        signature = old.sign(SignedKind.PUBLICATION, {"report_id": 3})
        keyring.rotate_keyring(directory, now=FIRST + timedelta(days=1))
        keyring.rotate_keyring(directory, now=FIRST + timedelta(days=2))
        public = keyring.read_keyring(directory)
        assert len(public.keys) == 3
        assert public.verify(SignedKind.PUBLICATION, {"report_id": 3}, signature).key_id == (
            old.key_id
        )

    def test_rotating_without_a_keyring_says_how_to_make_one(self, directory: Path):
        with pytest.raises(KeyringError, match="costshare signing-keys create"):
            keyring.rotate_keyring(directory)


class TestPermissions:
    @pytest.mark.parametrize("bits", [0o640, 0o604, 0o660, 0o644])
    def test_a_private_key_readable_by_group_or_others_is_refused(self, directory: Path, bits: int):
        key = keyring.create_keyring(directory)
        private = keyring.private_key_path(directory, key.key_id)
        os.chmod(private, bits)
        with pytest.raises(InsecureKeyFile, match=rf"mode {bits:04o}\); run `chmod 600 {private}`"):
            keyring.load_signing_key(directory)

    def test_a_folder_open_to_others_is_refused(self, directory: Path):
        keyring.create_keyring(directory)
        os.chmod(directory, 0o755)
        with pytest.raises(InsecureKeyFile, match=f"run `chmod 700 {directory}`"):
            keyring.load_signing_key(directory)
        with pytest.raises(InsecureKeyFile):
            keyring.rotate_keyring(directory)


class TestDamage:
    def test_a_swapped_private_key_file_is_noticed(self, tmp_path: Path):
        one, two = tmp_path / "one", tmp_path / "two"
        first = keyring.create_keyring(one)
        second = keyring.create_keyring(two)
        target = keyring.private_key_path(one, first.key_id)
        target.write_bytes(keyring.private_key_path(two, second.key_id).read_bytes())
        with pytest.raises(KeyringError, match=f"holds key {second.key_id}, not {first.key_id}"):
            keyring.load_signing_key(one)

    def test_a_missing_private_key_is_named(self, directory: Path):
        key = keyring.create_keyring(directory)
        keyring.private_key_path(directory, key.key_id).unlink()
        with pytest.raises(KeyringError, match=f"the private key of {key.key_id} is missing"):
            keyring.load_signing_key(directory)

    def test_a_keyring_with_two_active_keys_is_refused(self, directory: Path):
        keyring.create_keyring(directory, now=FIRST)
        keyring.rotate_keyring(directory, now=FIRST + timedelta(days=1))
        path = directory / "keyring.json"
        document = json.loads(path.read_text())
        document["keys"][0]["status"], document["keys"][0]["retired_at"] = "active", None
        path.write_text(json.dumps(document))
        with pytest.raises(KeyringError, match="exactly one key, the last, must be active"):
            keyring.read_keyring(directory)

    def test_the_keyring_file_is_the_public_keys_document(self, directory: Path):
        keyring.create_keyring(directory)
        document = json.loads((directory / "keyring.json").read_text())
        assert PublicKeyring.from_document(document) == keyring.read_keyring(directory)
        assert "PRIVATE" not in (directory / "keyring.json").read_text()
