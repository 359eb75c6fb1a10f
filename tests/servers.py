"""A real costshare server in a subprocess on loopback, for load and fault tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.databases import migrate

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def costshare(url: str, *args: str) -> str:
    """Run a ``costshare`` command against ``url`` and return what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


class Server:
    """One ``costshare serve`` process; :meth:`kill` sends SIGKILL, :meth:`start` starts anew."""

    def __init__(
        self,
        url: str,
        *,
        log: Path,
        extra_env: dict[str, str] | None = None,
        workers: int = 1,
    ) -> None:
        self.url = url
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.extra_env = extra_env or {}
        self.checkpoint_file = log.with_name(f"{log.stem}-checkpoints.jsonl")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 30) -> None:
        # The load harnesses send every run with one negotiator key: the per-key solve rate
        # limit (tested in-process) would answer them 429, so it is off here.
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "COSTSHARE_LOG_LEVEL": "WARNING",
            "COSTSHARE_SOLVE_RATE_PER_MINUTE": "0",
            "COSTSHARE_CHECKPOINT_FILE": str(self.checkpoint_file),
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "app.cli",
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                ],
                cwd=ROOT,
                env={**env, **self.extra_env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start; see {self.log}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def running_server(
    url: str, *, log: Path, extra_env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[Server]:
    server = Server(url, log=log, extra_env=extra_env, workers=workers)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def verify_whole_log(base: str, key: str) -> dict[str, object]:
    """``GET /v1/audit/verify`` page after page to the end: every entry checked, every report
    re-performed. Returns the last page with ``checked`` and ``findings`` summed over all."""
    headers = {"Authorization": f"Bearer {key}"}
    start, checked, findings = 0, 0, []
    while True:
        page = httpx.get(
            f"{base}/v1/audit/verify",
            headers=headers,
            params={"start": start, "limit": 1000},
            timeout=300,
        )
        page.raise_for_status()
        answer = page.json()
        checked += answer["checked"]
        findings += answer["findings"]
        if answer["complete"]:
            return {**answer, "checked": checked, "findings": findings, "valid": not findings}
        start = answer["next_start"]


def prepared(url: str) -> dict[str, str]:
    """Migrate ``url`` (as its owner, granting the service role) and seed it; return a key per
    role (finance bound to JenV)."""
    migrate(url)
    costshare(url, "seed")
    keys = {
        role: costshare(url, "keys", "create", "--role", role).strip()
        for role in ("admin", "negotiator", "reader")
    }
    keys["finance"] = costshare(
        url, "keys", "create", "--role", "finance", "--ministry", "JenV"
    ).strip()
    return keys


def publish_first_report(base: str, key: str) -> dict[str, object]:
    """Run the seeded 2027 scenario as a negotiator (``key``) and publish it, acknowledging
    its unadopted weights, as the API asks: the report's ETag as ``If-Match``."""
    headers = {"Authorization": f"Bearer {key}"}
    made = httpx.post(f"{base}/v1/allocations", headers=headers, json={"scenario_id": 1})
    made.raise_for_status()
    path = f"{base}/v1/allocations/{made.json()['id']}"
    etag = httpx.get(path, headers=headers).headers["etag"]
    published = httpx.post(
        f"{path}/publish",
        headers={**headers, "If-Match": etag},
        json={"acknowledge_unadopted_weights": True},
    )
    published.raise_for_status()
    return dict(published.json())
