"""The ``costshare`` command: migrate, seed, keys, and a real server printing its first key."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.databases import fresh_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path) as url:
        yield url


def costshare(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestCommands:
    def test_migrate_and_seed_twice_then_keys_create_list_and_revoke(self, fresh_url: str):
        assert costshare(fresh_url, "migrate").returncode == 0
        first = costshare(fresh_url, "seed")
        assert "added JenV" in first.stdout
        assert costshare(fresh_url, "seed").stdout.strip() == "seed: nothing to add"
        created = costshare(fresh_url, "keys", "create", "--role", "finance", "--ministry", "VWS")
        assert created.returncode == 0
        key = created.stdout.strip()
        assert re.fullmatch(r"cs_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", key)
        listed = costshare(fresh_url, "keys", "list").stdout
        prefix = key.split("_")[1]
        assert prefix in listed and "finance" in listed and "VWS" in listed
        assert key.split("_", 2)[2] not in listed
        assert costshare(fresh_url, "keys", "revoke", prefix).returncode == 0
        assert "revoked" in costshare(fresh_url, "keys", "list").stdout

    def test_a_finance_key_without_a_ministry_is_refused_with_a_reason(self, fresh_url: str):
        costshare(fresh_url, "migrate")
        refused = costshare(fresh_url, "keys", "create", "--role", "finance")
        assert refused.returncode == 2
        assert "needs --ministry" in refused.stderr


def make(target: str, *, database_url: str) -> subprocess.CompletedProcess[str]:
    """Run one target of the Makefile against ``database_url``.

    ``-o`` makes the virtual environment of this run count as installed, so make does not
    rebuild it when pyproject.toml is newer than its stamp.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "-o", ".venv/.installed", target],
        env={**env, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
    )


class TestMakeTargets:
    """The Makefile's own recipes, as `make run` runs them before it serves."""

    def test_make_seed_creates_the_sqlite_folder_migrates_and_seeds_once(self, tmp_path: Path):
        database = tmp_path / "var" / "nested" / "costshare.sqlite3"
        url = f"sqlite:///{database}"
        first = make("seed", database_url=url)
        assert first.returncode == 0, first.stdout + first.stderr
        assert database.is_file()
        assert "added JenV" in first.stdout
        again = make("seed", database_url=url)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "seed: nothing to add" in again.stdout


class TestServe:
    def test_first_start_prints_a_key_and_the_docs_url_and_the_key_lists_six_ministries(
        self, fresh_url: str
    ):
        costshare(fresh_url, "migrate")
        costshare(fresh_url, "seed")
        port = _free_port()
        env = {**os.environ, "DATABASE_URL": fresh_url}
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert server.stdout is not None
            lines = [server.stdout.readline() for _ in range(5)]
            printed = "".join(lines)
            key = re.search(r"cs_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", printed)
            assert key, printed
            assert f"http://127.0.0.1:{port}/docs" in printed
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            listed = httpx.get(
                f"{base}/v1/ministries", headers={"Authorization": f"Bearer {key.group(0)}"}
            )
            assert listed.status_code == 200
            assert listed.json()["total"] == 6
        finally:
            server.terminate()
            server.wait(timeout=10)
            if server.stdout is not None:
                server.stdout.close()
        again = costshare(fresh_url, "keys", "list").stdout
        assert again.count("admin") == 1


class TestAllocateCommand:
    def test_costshare_allocate_runs_the_engine_on_a_file(self):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "app.cli",
                "allocate",
                "examples/base-only-2027.json",
                "--format",
                "table",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.count("833,333.34") >= 2
        assert "5,000,000.00" in done.stdout
