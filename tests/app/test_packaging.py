"""The container recipe and the Makefile stay in step, and the Dockerfile passes hadolint."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class TestDockerfile:
    def test_it_passes_hadolint(self):
        hadolint = shutil.which("hadolint") or str(Path(__file__).parents[2] / ".venv/bin/hadolint")
        result = subprocess.run(
            [hadolint, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def test_it_is_multi_stage_non_root_with_a_healthcheck_and_migrates_before_serving(self):
        text = (ROOT / "Dockerfile").read_text()
        assert text.count("FROM ") >= 2
        assert "USER 10001" in text
        assert "HEALTHCHECK" in text and "/health" in text
        assert text.index("costshare migrate") < text.index("costshare serve")

    def test_it_installs_what_the_makefile_installs(self):
        makefile = (ROOT / "Makefile").read_text()
        dockerfile = (ROOT / "Dockerfile").read_text()
        assert "pip install --quiet --disable-pip-version-check -e '.[dev]'" in makefile
        assert "pip install --no-cache-dir ." in dockerfile
        for package in ("app", "allocation"):
            assert f"COPY {package} ./{package}" in dockerfile
        assert "COPY migrations ./migrations" in dockerfile
