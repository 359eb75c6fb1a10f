"""docs/audit.md describes what the code does: every check, domain, setting and command."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.ledger import verifier
from app.ledger.checkpoints import Problem
from app.ledger.signing import SignedKind
from app.services.audit import REPORT_CHECKS
from app.services.log_audit import FINDING_CHECKS
from app.settings import Settings

DOC = (Path(__file__).resolve().parents[3] / "docs" / "audit.md").read_text(encoding="utf-8")
CHECKS = [
    verifier.DOCUMENT,
    verifier.REPORT_HASH,
    verifier.ENTRY_SIGNATURE,
    verifier.SIGNED_HEAD,
    verifier.INCLUSION,
    verifier.PUBLICATION,
    verifier.INPUT_HASH,
    verifier.RESULT,
]


class TestAuditDoc:
    @pytest.mark.parametrize("check", CHECKS)
    def test_every_check_of_the_verifier_is_in_the_table(self, check: str):
        assert f"| `{check}` |" in DOC

    @pytest.mark.parametrize("kind", list(SignedKind))
    def test_every_domain_prefix_is_given(self, kind: SignedKind):
        assert f"`{kind.domain.decode().rstrip()}\\n`" in DOC

    @pytest.mark.parametrize("problem", list(Problem))
    def test_every_checkpoint_problem_is_explained(self, problem: Problem):
        assert f"| `{problem.value}` |" in DOC

    def test_the_settings_and_their_defaults_are_named(self):
        keys = Settings.model_fields["signing_keys"].default
        checkpoints = Settings.model_fields["checkpoint_file"].default
        assert f"`COSTSHARE_SIGNING_KEYS` (default `{keys}/`)" in DOC
        assert f"`COSTSHARE_CHECKPOINT_FILE` (default\n`{checkpoints}`)" in DOC

    @pytest.mark.parametrize("check", sorted(set(FINDING_CHECKS)))
    def test_every_check_of_the_log_verification_is_explained(self, check: str):
        assert f"| `{check}` |" in DOC.split("### What the whole-log check finds")[1]

    @pytest.mark.parametrize("check", REPORT_CHECKS)
    def test_every_check_of_a_report_verification_is_explained(self, check: str):
        assert f"| `{check}` |" in DOC.split("### What a report's verification checks")[1]

    @pytest.mark.parametrize("action", ["create", "rotate", "list", "export"])
    def test_every_signing_keys_command_is_shown(self, action: str):
        assert f"costshare signing-keys {action}" in DOC


class TestSettings:
    def test_the_paths_come_from_the_environment(self, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.setenv("COSTSHARE_SIGNING_KEYS", "/srv/keys")
        monkeypatch.setenv("COSTSHARE_CHECKPOINT_FILE", "/srv/heads.jsonl")
        settings = Settings()
        assert str(settings.signing_keys) == "/srv/keys"
        assert str(settings.checkpoint_file) == "/srv/heads.jsonl"
