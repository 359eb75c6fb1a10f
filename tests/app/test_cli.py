"""The ``costshare`` command: migrate, seed, keys, and a real server printing its first key."""

from __future__ import annotations

import json
import os
import pty
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.databases import fresh_database, owner_url, service_role

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


def migrate(url: str) -> None:
    """`costshare migrate` as the schema's owner and, where the service has a role of its own,
    `costshare db grant-service-role` for it: what an operator runs."""
    done = costshare(owner_url(url), "migrate")
    assert done.returncode == 0, done.stderr
    role = service_role()
    if role is not None:
        granted = costshare(owner_url(url), "db", "grant-service-role", role)
        assert granted.returncode == 0, granted.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestCommands:
    def test_migrate_and_seed_twice_then_keys_create_list_and_revoke(self, fresh_url: str):
        migrate(fresh_url)
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
        migrate(fresh_url)
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

    def test_migrate_works_from_any_folder(self, tmp_path: Path):
        database = tmp_path / "elsewhere.sqlite3"
        done = subprocess.run(
            [str(Path(sys.executable).with_name("costshare")), "migrate"],
            cwd=tmp_path,
            env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "database at head" in done.stdout and database.is_file()


KEY_PATTERN = re.compile(r"cs_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def _wait_healthy(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the server did not become healthy")


class TestServe:
    def test_in_a_container_the_first_key_goes_to_an_owner_only_file_and_never_to_the_log(
        self, fresh_url: str, tmp_path: Path
    ):
        migrate(fresh_url)
        costshare(fresh_url, "seed")
        port = _free_port()
        key_file = tmp_path / "secrets" / "first-admin-key"
        keyring_dir = tmp_path / "signing-keys"
        env = {
            **os.environ,
            "DATABASE_URL": fresh_url,
            "COSTSHARE_FIRST_KEY_FILE": str(key_file),
            "COSTSHARE_SIGNING_KEYS": str(keyring_dir),
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base)
            key = key_file.read_text().strip()
            assert KEY_PATTERN.fullmatch(key)
            assert key_file.stat().st_mode & 0o777 == 0o600
            listed = httpx.get(f"{base}/v1/ministries", headers={"Authorization": f"Bearer {key}"})
            assert listed.status_code == 200
            assert listed.json()["total"] == 6
            httpx.get(f"{base}/v1/ministries", headers={"X-Request-ID": "probe-two"})
        finally:
            server.terminate()
            output, _ = server.communicate(timeout=10)
        lines = output.splitlines()
        records = [json.loads(line) for line in lines]  # every line is one JSON object
        assert key not in output
        assert any(str(key_file) in r.get("message", "") for r in records)
        assert (keyring_dir / "keyring.json").is_file()
        assert keyring_dir.stat().st_mode & 0o777 == 0o700
        assert any("signing keyring was created" in r.get("message", "") for r in records)
        assert any(r.get("docs") == f"{base}/docs" for r in records)
        access = [r for r in records if r["logger"] == "costshare.access"]
        paths = [(r["path"], r["status"]) for r in access if r["path"] == "/v1/ministries"]
        assert paths == [("/v1/ministries", 200), ("/v1/ministries", 401)]
        assert [r["request_id"] for r in access].count("probe-two") == 1
        assert not any(r["logger"] == "uvicorn.access" for r in records)
        again = costshare(fresh_url, "keys", "list").stdout
        assert again.count("admin") == 1

    def test_on_a_terminal_the_first_key_is_shown_once_with_the_docs_url(
        self, fresh_url: str, tmp_path: Path
    ):
        migrate(fresh_url)
        port = _free_port()
        key_file = tmp_path / "first-admin-key"
        env = {**os.environ, "DATABASE_URL": fresh_url, "COSTSHARE_FIRST_KEY_FILE": str(key_file)}
        leader, follower = pty.openpty()
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdin=follower,
            stdout=follower,
            stderr=subprocess.DEVNULL,
        )
        os.close(follower)
        printed = b""
        try:
            _wait_healthy(f"http://127.0.0.1:{port}")
            while b"/docs" not in printed:
                printed += os.read(leader, 4096)
        finally:
            server.terminate()
            server.wait(timeout=10)
            os.close(leader)
        text = printed.decode()
        assert KEY_PATTERN.search(text), text
        assert f"http://127.0.0.1:{port}/docs" in text
        assert not key_file.exists()


class TestHelp:
    def test_every_command_and_option_is_described_in_plain_text(self):
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0
        for command in (
            "serve",
            "migrate",
            "seed",
            "openapi",
            "allocate",
            "keys",
            "verify",
            "signing-keys",
            "db",
        ):
            assert re.search(rf"^\s+{command}\s+\S", done.stdout, re.MULTILINE), command
        serve = subprocess.run(
            [sys.executable, "-m", "app.cli", "serve", "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
        for option in ("--host", "--port", "--workers"):
            line = next(ln for ln in serve.splitlines() if ln.strip().startswith(option))
            assert len(line.split(maxsplit=2)) == 3, line


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
