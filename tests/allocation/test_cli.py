"""``costshare allocate`` / ``python -m allocation``: output, exit codes, stdin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from allocation.cli import main
from tests.allocation.conftest import base_only_document, offlimits_document


def write(tmp_path: Path, document: Any, name: str = "scenario.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


class TestExitCodes:
    def test_optimal_prints_the_report_and_exits_0(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main([write(tmp_path, offlimits_document())]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["status"] == "optimal"
        assert report["total"] == "5090500.00"

    def test_infeasible_still_prints_the_report_and_exits_3(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        document = base_only_document()
        document["constraints"] = {"max_share": "0.15"}
        assert main([write(tmp_path, document)]) == 3
        assert json.loads(capsys.readouterr().out)["status"] == "infeasible"

    def test_invalid_input_names_the_field_on_stderr_and_exits_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        document = offlimits_document()
        document["weights"]["BZK"] = -1
        assert main([write(tmp_path, document)]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.strip() == "invalid scenario: weights.BZK: must be ≥ 0, got -1"

    def test_broken_json_and_missing_files_exit_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        broken = tmp_path / "broken.json"
        broken.write_text("{", encoding="utf-8")
        assert main([str(broken)]) == 2
        assert main([str(tmp_path / "missing.json")]) == 2
        assert "invalid scenario: document:" in capsys.readouterr().err

    def test_duplicate_keys_are_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "twice.json"
        path.write_text('{"year": 2027, "year": 2028}', encoding="utf-8")
        assert main([str(path)]) == 2

    def test_unknown_options_exit_2(self) -> None:
        assert main(["x.json", "--solver", "glpk"]) == 2


class TestFormats:
    def test_table_shows_euros_a_totals_row_and_the_explanation(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main([write(tmp_path, offlimits_document()), "--format", "table"]) == 0
        out = capsys.readouterr().out
        assert "1,858,219.57" in out
        assert any(line.startswith("total") and "5,090,500.00" in line for line in out.splitlines())
        assert "Explanation:" in out

    def test_rule_and_solver_can_be_chosen(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = write(tmp_path, offlimits_document())
        assert main([path, "--rule", "equal", "--solver", "cbc"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert (report["rule"], report["solver"]["name"]) == ("equal", "cbc")

    def test_a_projection_prints_the_years(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        document = offlimits_document()
        document["projection"] = {"years": 3, "contact_growth": "0.30"}
        assert main([write(tmp_path, document), "--format", "table"]) == 0
        assert "2029" in capsys.readouterr().out


class TestAsProcess:
    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "allocation", *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    def test_reads_stdin_and_writes_clean_json(self) -> None:
        done = self.run("-", stdin=json.dumps(offlimits_document()))
        assert done.returncode == 0
        assert json.loads(done.stdout)["status"] == "optimal"

    def test_exit_codes_reach_the_shell(self) -> None:
        bad = offlimits_document()
        bad["weights"]["BZK"] = "1e3"
        done = self.run("-", stdin=json.dumps(bad))
        assert done.returncode == 2
        assert done.stderr.startswith("invalid scenario: weights.BZK:")


class TestTimeLimit:
    def test_a_generous_limit_prints_the_same_report(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = write(tmp_path, offlimits_document())
        assert main([path]) == 0
        unlimited = capsys.readouterr().out
        assert main([path, "--time-limit", "60"]) == 0
        assert capsys.readouterr().out == unlimited

    def test_a_limit_too_short_exits_1_with_the_problem_size(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from bench.engine import scenario

        path = write(tmp_path, scenario(200, 20, seed=1).to_document())
        assert main([path, "--time-limit", "0.01"]) == 1
        error = capsys.readouterr().err
        assert "200 ministries × 20 pools" in error
        assert "needs more than the 0.01 s budget" in error

    @pytest.mark.parametrize("value", ["0", "-1", "inf", "soon"])
    def test_a_limit_that_is_not_positive_seconds_exits_2(self, tmp_path: Path, value: str) -> None:
        assert main([write(tmp_path, offlimits_document()), "--time-limit", value]) == 2

    def test_a_projection_refuses_a_limit(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        document = offlimits_document()
        document["projection"] = {"years": 2}
        assert main([write(tmp_path, document), "--time-limit", "5"]) == 2
        assert "projection" in capsys.readouterr().err
