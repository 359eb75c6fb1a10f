"""``costshare verify`` on real exported reports: what passes, and which check names each
kind of tampering. Everything runs through ``app.cli.main``, as an auditor would run it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.ledger import keyring
from app.ledger.signing import SigningKey
from app.ledger.verifier import recompute
from app.settings import get_settings
from tests.app.ledger.builders import (
    MADE,
    PROJECTED,
    SCENARIO,
    Ledger,
    Log,
    build_ledger,
    engine_body,
    export,
    rehash,
    report_body,
    write,
)

ALL_CHECKS = ["document", "report_hash", "entry_signature", "signed_head", "inclusion"]
RECOMPUTE_CHECKS = ["input_hash", "result"]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    return build_ledger(tmp_path_factory.mktemp("ledger") / "keys")


@pytest.fixture(autouse=True)
def no_local_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the settings at an empty folder, so only --keys supplies keys unless a test
    says otherwise."""
    monkeypatch.setenv("COSTSHARE_SIGNING_KEYS", str(tmp_path / "no-keyring"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def keys_file(ledger: Ledger, tmp_path: Path) -> Path:
    return write(tmp_path / "public-keys.json", keyring.read_keyring(ledger.keys_dir).to_document())


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, list[str]]:
    code = main(["verify", *(str(a) for a in args)])
    return code, capsys.readouterr().out.splitlines()


def outcome(lines: list[str], path: Path) -> dict[str, str]:
    """check name → "ok" or "FAILED" for one file, from the plain-text output."""
    found = {}
    for line in lines:
        if line.startswith(f"{path}: "):
            status, rest = line[len(f"{path}: ") :].split(maxsplit=1)
            found[rest.split(":", 1)[0]] = status
    return found


def detail(lines: list[str], path: Path, check: str) -> str:
    (line,) = [line for line in lines if line.startswith(f"{path}: ") and f" {check}: " in line]
    return line.split(f" {check}: ", 1)[1]


def cents_more(amount: str) -> str:
    return f"{Decimal(amount) + Decimal('0.01'):.2f}"


class TestGenuineReports:
    def test_every_check_of_every_file_passes_and_the_exit_code_is_zero(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        paths = [write(tmp_path / f"report-{i}.json", d) for i, d in ledger.documents().items()]
        code, lines = run(capsys, *paths, "--keys", keys_file)
        assert code == 0
        assert outcome(lines, paths[0]) == dict.fromkeys(
            [*ALL_CHECKS, "publication", *RECOMPUTE_CHECKS], "ok"
        )
        for path in paths[1:]:
            assert outcome(lines, path) == dict.fromkeys([*ALL_CHECKS, *RECOMPUTE_CHECKS], "ok")
        assert lines[-1] == "3 of 3 files verified"
        assert len(lines) == 8 + 7 + 7 + 1

    def test_the_lines_say_what_was_checked(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        path = write(tmp_path / "report-1.json", ledger.documents()[1])
        _, lines = run(capsys, path, "--keys", keys_file)
        key_id = ledger.log.key.key_id
        assert detail(lines, path, "document") == "report 1 for 2027, leaf 0 of a log of 4 entries"
        assert detail(lines, path, "entry_signature").startswith(f"signed by {key_id} (active")
        assert detail(lines, path, "inclusion") == "leaf 0 of the 4 entries under the head"
        assert "published for 2027" in detail(lines, path, "publication")
        assert detail(lines, path, "result").startswith(
            "recomputed optimal constrained split for 2027, total 5090500.00"
        )

    def test_a_report_of_a_projected_year_is_recomputed_for_that_year(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        document = ledger.documents()[2]
        assert document["year"] == 2029 and document["request"]["year"] == 2029
        path = write(tmp_path / "report-2.json", document)
        code, lines = run(capsys, path, "--keys", keys_file)
        assert code == 0 and outcome(lines, path)["result"] == "ok"

    def test_json_output_carries_the_same_verdicts(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        path = write(tmp_path / "report-3.json", ledger.documents()[3])
        code, lines = run(capsys, path, "--keys", keys_file, "--json")
        document = json.loads("\n".join(lines))
        assert code == 0 and document["valid"] is True
        assert document["keys"] == str(keys_file)
        (verdict,) = document["files"]
        assert verdict["file"] == str(path) and verdict["valid"] is True
        assert [c["check"] for c in verdict["checks"]] == [*ALL_CHECKS, *RECOMPUTE_CHECKS]
        assert all(c["ok"] for c in verdict["checks"])


class TestChangedFigures:
    def test_a_ministrys_total_one_cent_higher_fails_the_hash_and_the_recomputation(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        document = ledger.documents()[3]
        jenv = next(line for line in document["lines"] if line["ministry"] == "JenV")
        original = jenv["total"]
        jenv["total"] = cents_more(original)
        path = write(tmp_path / "flipped.json", document)
        code, lines = run(capsys, path, "--keys", keys_file)
        assert code == 1
        results = outcome(lines, path)
        assert results["report_hash"] == "FAILED" and results["result"] == "FAILED"
        assert results["entry_signature"] == "ok" and results["inclusion"] == "ok"
        assert "figures or inputs were changed" in detail(lines, path, "report_hash")
        assert f"JenV total: report {jenv['total']}, recomputed {original}" in detail(
            lines, path, "result"
        )
        assert lines[-1] == "0 of 1 files verified"

    def test_a_rehashed_change_of_a_figure_fails_the_signature_and_the_proof(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        document = ledger.documents()[3]
        document["lines"][0]["total"] = cents_more(document["lines"][0]["total"])
        path = write(tmp_path / "rehashed.json", rehash(document))
        code, lines = run(capsys, path, "--keys", keys_file)
        results = outcome(lines, path)
        assert code == 1
        assert results["report_hash"] == "ok"
        assert results["entry_signature"] == "FAILED"
        assert results["inclusion"] == "FAILED"
        assert results["result"] == "FAILED"
        assert "does not verify" in detail(lines, path, "entry_signature")
        assert "is not the hash of this entry" in detail(lines, path, "inclusion")


class TestChangedInputs:
    def test_a_changed_weight_with_a_recomputed_hash_fails_signature_proof_and_engine(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        document = ledger.documents()[3]
        document["snapshot"]["scenario"]["weights"]["JenV"] = "4.000000"
        path = write(tmp_path / "weight.json", rehash(document))
        code, lines = run(capsys, path, "--keys", keys_file)
        results = outcome(lines, path)
        assert code == 1
        assert results["report_hash"] == "ok"
        assert results["entry_signature"] == "FAILED" and results["inclusion"] == "FAILED"
        assert results["input_hash"] == "FAILED" and results["result"] == "FAILED"

    def test_a_consistently_recomputed_forgery_is_caught_by_the_signature_and_proof_alone(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        """What someone with database access can do today: change an input, run the engine
        again, rebuild the body and its hash. Only the signed log tells."""
        scenario = json.loads(json.dumps(SCENARIO))
        scenario["weights"]["JenV"] = 4
        genuine = ledger.documents()[3]
        forged = export(report_body(scenario, report_id=3, prev_hash=genuine["prev_hash"]))
        forged["evidence"] = genuine["evidence"]
        path = write(tmp_path / "forged.json", forged)
        code, lines = run(capsys, path, "--keys", keys_file)
        results = outcome(lines, path)
        assert code == 1
        assert [name for name, status in results.items() if status == "FAILED"] == [
            "entry_signature",
            "inclusion",
        ]


class TestKeysAndHeads:
    def test_keys_of_another_keyring_fail_both_signatures(
        self, ledger: Ledger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        other = tmp_path / "other-keys"
        keyring.create_keyring(other)
        wrong = write(tmp_path / "wrong-keys.json", keyring.read_keyring(other).to_document())
        path = write(tmp_path / "report-3.json", ledger.documents()[3])
        code, lines = run(capsys, path, "--keys", wrong)
        results = outcome(lines, path)
        assert code == 1
        assert results["entry_signature"] == "FAILED" and results["signed_head"] == "FAILED"
        assert results["inclusion"] == "ok" and results["result"] == "ok"
        assert f"unknown key {ledger.log.key.key_id}" in detail(lines, path, "entry_signature")

    def test_a_proof_checked_against_another_head_fails_the_inclusion(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        smaller = write(tmp_path / "head-3.json", ledger.log.head(3).to_document())
        path = write(tmp_path / "report-1.json", ledger.documents()[1])
        code, lines = run(capsys, path, "--keys", keys_file, "--head", smaller)
        results = outcome(lines, path)
        assert code == 1
        assert results["signed_head"] == "ok" and results["inclusion"] == "FAILED"
        assert "the head given with --head (3 entries" in detail(lines, path, "signed_head")
        assert "not in the log under this head" in detail(lines, path, "inclusion")

    def test_evidence_carrying_the_head_of_another_log_fails_the_inclusion(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        other = Log(ledger.log.key)
        for entry in ledger.log.entries[::-1]:
            other.append(entry)
        document = ledger.documents()[2]
        document["evidence"]["signed_head"] = other.head().to_document()
        path = write(tmp_path / "report-2.json", document)
        code, lines = run(capsys, path, "--keys", keys_file)
        results = outcome(lines, path)
        assert code == 1
        assert results["signed_head"] == "ok" and results["inclusion"] == "FAILED"

    def test_a_head_given_for_a_later_size_verifies_a_fresh_proof(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        head = ledger.log.head(3)
        document = ledger.log.with_evidence(
            {k: v for k, v in ledger.documents()[2].items() if k != "evidence"}, index=1, head=head
        )
        path = write(tmp_path / "report-2.json", document)
        head_file = write(tmp_path / "head.json", head.to_document())
        code, _ = run(capsys, path, "--keys", keys_file, "--head", head_file)
        assert code == 0

    def test_a_head_signed_with_a_key_after_its_retirement_fails(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        ledger = build_ledger(tmp_path / "keys")
        keyring.rotate_keyring(ledger.keys_dir, now=MADE + timedelta(minutes=59))
        keys_file = write(
            tmp_path / "keys.json", keyring.read_keyring(ledger.keys_dir).to_document()
        )
        path = write(tmp_path / "report-3.json", ledger.documents()[3])
        code, lines = run(capsys, path, "--keys", keys_file)
        results = outcome(lines, path)
        assert code == 1
        assert results["entry_signature"] == "ok" and results["signed_head"] == "FAILED"
        assert "was not the active key" in detail(lines, path, "signed_head")

    def test_what_a_retired_key_signed_while_active_still_verifies(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        ledger = build_ledger(tmp_path / "keys")
        keyring.rotate_keyring(ledger.keys_dir, now=MADE + timedelta(days=30))
        keys_file = write(
            tmp_path / "keys.json", keyring.read_keyring(ledger.keys_dir).to_document()
        )
        path = write(tmp_path / "report-1.json", ledger.documents()[1])
        code, lines = run(capsys, path, "--keys", keys_file)
        assert code == 0
        assert "(retired;" in detail(lines, path, "entry_signature")

    def test_without_keys_the_signatures_fail_and_say_how_to_give_them(
        self, ledger: Ledger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        path = write(tmp_path / "report-3.json", ledger.documents()[3])
        code, lines = run(capsys, path)
        assert code == 1
        assert "pass --keys PUBLIC_KEYS.json" in detail(lines, path, "entry_signature")

    def test_without_keys_the_local_keyring_is_used_and_named(
        self,
        ledger: Ledger,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ):
        monkeypatch.setenv("COSTSHARE_SIGNING_KEYS", str(ledger.keys_dir))
        get_settings.cache_clear()
        path = write(tmp_path / "report-3.json", ledger.documents()[3])
        code, lines = run(capsys, path)
        assert code == 0
        assert f"the local keyring {ledger.keys_dir}" in detail(lines, path, "entry_signature")

    def test_unreadable_keys_or_head_are_a_usage_error(
        self, ledger: Ledger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        path = write(tmp_path / "report-3.json", ledger.documents()[3])
        broken = tmp_path / "broken.json"
        broken.write_text("{")
        assert main(["verify", str(path), "--keys", str(broken)]) == 2
        assert "cannot read public keys" in capsys.readouterr().err
        keys = write(tmp_path / "k.json", keyring.read_keyring(ledger.keys_dir).to_document())
        assert main(["verify", str(path), "--keys", str(keys), "--head", str(keys)]) == 2
        assert "k.json: missing key_id, root_hash" in capsys.readouterr().err


class TestPublication:
    def test_a_claimed_publication_without_signed_evidence_fails(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        document = ledger.documents()[3]
        document["publication"] = {"state": "published", "published_at": "x", "published_by": "y"}
        path = write(tmp_path / "report-3.json", document)
        code, lines = run(capsys, path, "--keys", keys_file)
        assert code == 1 and outcome(lines, path)["publication"] == "FAILED"
        assert "no signed publication" in detail(lines, path, "publication")

    def test_another_reports_publication_fails(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        document = ledger.documents()[3]
        document["publication"] = ledger.documents()[1]["publication"]
        document["evidence"]["publication"] = ledger.documents()[1]["evidence"]["publication"]
        path = write(tmp_path / "report-3.json", document)
        code, lines = run(capsys, path, "--keys", keys_file)
        assert code == 1 and outcome(lines, path)["publication"] == "FAILED"
        assert "names report_id 1, the report 3" in detail(lines, path, "publication")

    def test_a_changed_publication_date_fails(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        document = ledger.documents()[1]
        document["evidence"]["publication"]["entry"]["published_at"] = "2026-12-31T00:00:00+00:00"
        document["publication"]["published_at"] = "2026-12-31T00:00:00+00:00"
        path = write(tmp_path / "report-1.json", document)
        code, lines = run(capsys, path, "--keys", keys_file)
        assert code == 1 and outcome(lines, path)["publication"] == "FAILED"
        assert "does not verify" in detail(lines, path, "publication")


class TestBrokenFiles:
    def test_a_report_without_evidence_still_gets_its_hash_and_figures_checked(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        document = {k: v for k, v in ledger.documents()[3].items() if k != "evidence"}
        path = write(tmp_path / "plain.json", document)
        code, lines = run(capsys, path, "--keys", keys_file)
        results = outcome(lines, path)
        assert code == 1
        assert results["document"] == "FAILED"
        assert results["report_hash"] == "ok" and results["result"] == "ok"
        assert results["inclusion"] == "FAILED"

    def test_malformed_evidence_names_the_field(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        document = ledger.documents()[3]
        document["evidence"]["inclusion_proof"][0] = "zz"
        path = write(tmp_path / "bad.json", document)
        code, lines = run(capsys, path, "--keys", keys_file)
        assert code == 1
        assert detail(lines, path, "document") == (
            "the evidence is malformed: evidence.inclusion_proof[0]: must be 64 lowercase hex "
            "digits"
        )

    def test_a_missing_or_non_report_file_fails_its_document_check(
        self, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        missing, array = tmp_path / "missing.json", write(tmp_path / "array.json", [1, 2])
        code, lines = run(capsys, missing, array, "--keys", keys_file)
        assert code == 1
        assert outcome(lines, missing) == {"document": "FAILED"}
        assert outcome(lines, array) == {"document": "FAILED"}

    def test_a_snapshot_that_no_longer_parses_fails_the_recomputation(
        self, ledger: Ledger, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ):
        document = ledger.documents()[3]
        document["snapshot"]["scenario"]["base"] = "-5"
        path = write(tmp_path / "bad-snapshot.json", document)
        code, lines = run(capsys, path, "--keys", keys_file)
        assert code == 1
        assert outcome(lines, path)["result"] == "FAILED"
        assert "the snapshot does not run" in detail(lines, path, "result")


class TestRecompute:
    """The verifier recomputes as the service does; if the service changes, this says so."""

    @pytest.mark.parametrize(("scenario", "year"), [(SCENARIO, None), (PROJECTED, 2030)])
    def test_it_matches_the_services_engine_result(
        self, scenario: dict[str, Any], year: int | None
    ):
        import allocation
        from app.services.allocations import engine_result

        body = report_body(scenario, report_id=1, prev_hash=None, year=year)
        parsed = allocation.parse_scenario(body["snapshot"]["scenario"])
        assert recompute(body) == engine_result(parsed, solver="highs", year=year).to_dict()
        assert recompute(body) == engine_body(scenario, year=year)

    def test_a_year_the_scenario_does_not_cover_is_refused(self):
        body = report_body(PROJECTED, report_id=1, prev_hash=None, year=2027)
        body["request"]["year"] = 2040
        with pytest.raises(ValueError, match="covers 2027, 2028, 2029, 2030, 2031; the report"):
            recompute(body)


class TestSigningKeysCommand:
    def test_create_list_rotate_and_export(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ):
        folder = tmp_path / "signing"
        monkeypatch.setenv("COSTSHARE_SIGNING_KEYS", str(folder))
        get_settings.cache_clear()
        assert main(["signing-keys", "create"]) == 0
        first = keyring.active_key(folder)
        assert capsys.readouterr().out == f"created signing key {first.key_id} in {folder}\n"
        assert main(["signing-keys", "create"]) == 2
        assert "rotate it instead" in capsys.readouterr().err
        assert main(["signing-keys", "rotate"]) == 0
        second = keyring.active_key(folder)
        assert second.key_id in capsys.readouterr().out
        assert main(["signing-keys", "list"]) == 0
        listed = capsys.readouterr().out.splitlines()
        assert [line.split()[:2] for line in listed] == [
            [first.key_id, "retired"],
            [second.key_id, "active"],
        ]
        assert main(["signing-keys", "export"]) == 0
        exported = json.loads(capsys.readouterr().out)
        assert [k["key_id"] for k in exported["keys"]] == [first.key_id, second.key_id]
        assert all(
            set(k) == {"key_id", "algorithm", "public_key", "status", "created_at", "retired_at"}
            for k in exported["keys"]
        )

    def test_a_stranger_key_is_not_in_the_export(self, tmp_path: Path):
        folder = tmp_path / "signing"
        keyring.create_keyring(folder)
        stranger = SigningKey.generate().key_id
        assert stranger not in json.dumps(keyring.read_keyring(folder).to_document())
