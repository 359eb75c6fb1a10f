"""Load, a killed server and a lost database, against a real server process on loopback.

CI runs shorter versions than the figures in the README (see bench/load.py for those)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import dispose_engines
from app.main import create_app
from app.settings import get_settings
from bench.loadgen import run_load
from tests.conftest import auth
from tests.databases import fresh_database, owner_url
from tests.servers import Server, prepared, running_server, verify_whole_log

LOAD_CLIENTS = int(os.environ.get("COSTSHARE_TEST_LOAD_CLIENTS", "50"))
LOAD_SECONDS = float(os.environ.get("COSTSHARE_TEST_LOAD_SECONDS", "8"))


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path) as url:
        yield url


def _publish_first(base: str, keys: dict[str, str]) -> int:
    headers = auth(keys["negotiator"])
    report = httpx.post(f"{base}/v1/allocations", headers=headers, json={"scenario_id": 1}).json()
    etag = httpx.get(f"{base}/v1/allocations/{report['id']}", headers=headers).headers["etag"]
    published = httpx.post(
        f"{base}/v1/allocations/{report['id']}/publish",
        headers={**headers, "If-Match": etag},
        json={"acknowledge_unadopted_weights": True},
    )
    assert published.status_code == 200, published.text
    return int(report["id"])


def _chain(base: str, keys: dict[str, str]) -> dict[str, object]:
    return verify_whole_log(base, keys["admin"])


class TestUnderLoad:
    def test_concurrent_clients_mixing_reads_and_runs_see_no_error_and_lose_nothing(
        self, fresh: str, tmp_path: Path
    ):
        keys = prepared(fresh)
        with running_server(fresh, log=tmp_path / "server.log") as server:
            first = _publish_first(server.base, keys)
            result = run_load(server.base, keys, clients=LOAD_CLIENTS, seconds=LOAD_SECONDS)
            chain = _chain(server.base, keys)
        summary = result.summary()
        print(f"\nload ({LOAD_CLIENTS} clients, {LOAD_SECONDS:.0f} s): {summary}")
        assert result.errors == []
        assert result.requests > LOAD_CLIENTS
        assert len(set(result.created_ids)) == len(result.created_ids)
        assert chain["valid"] is True, chain["findings"]
        assert chain["reports"] == 1 + len(result.created_ids)
        assert chain["checked"] == chain["tree_size"] == 2 + len(result.created_ids)
        assert sorted(result.created_ids) == list(
            range(first + 1, first + 1 + len(result.created_ids))
        )

    def test_a_steady_load_offers_its_rate_and_no_more(self, fresh: str, tmp_path: Path):
        """The open loop of bench/load.py sends at the rate asked, whatever the answers take,
        where a closed loop with as many clients sends as fast as it is answered."""
        keys = prepared(fresh)
        rate, seconds, clients = 20.0, 3.0, 10
        with running_server(fresh, log=tmp_path / "server.log") as server:
            _publish_first(server.base, keys)
            steady = run_load(server.base, keys, clients=clients, seconds=seconds, rate=rate)
            closed = run_load(server.base, keys, clients=clients, seconds=seconds)
            chain = _chain(server.base, keys)
        print(f"\nsteady: {steady.summary()}\nclosed: {closed.summary()}")
        assert steady.errors == [] and closed.errors == []
        assert 0 < steady.requests <= rate * seconds
        assert closed.requests > steady.requests
        assert chain["valid"] is True, chain["findings"]


class TestKilledServer:
    def test_sigkill_during_runs_leaves_no_half_report_and_an_intact_chain(
        self, fresh: str, tmp_path: Path
    ):
        keys = prepared(fresh)
        server = Server(fresh, log=tmp_path / "server.log")
        server.start()
        acknowledged: list[int] = []
        stop = threading.Event()

        def keep_running() -> None:
            with httpx.Client(base_url=server.base, timeout=10) as http:
                while not stop.is_set():
                    try:
                        response = http.post(
                            "/v1/allocations",
                            headers=auth(keys["negotiator"]),
                            json={"scenario_id": 1},
                        )
                    except httpx.HTTPError:
                        continue
                    if response.status_code == 201:
                        acknowledged.append(response.json()["id"])

        workers = [threading.Thread(target=keep_running) for _ in range(4)]
        for worker in workers:
            worker.start()
        try:
            deadline = time.monotonic() + 20
            while len(acknowledged) < 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            server.kill()
            stop.set()
            for worker in workers:
                worker.join(timeout=30)
            server.start()
            chain = _chain(server.base, keys)
            stored = httpx.get(
                f"{server.base}/v1/allocations?limit=100", headers=auth(keys["admin"])
            ).json()
        finally:
            stop.set()
            server.stop()
        assert len(acknowledged) >= 5
        assert chain["valid"] is True, chain
        assert chain["reports"] == chain["checked"] == chain["tree_size"] >= len(acknowledged)
        stored_ids = {item["id"] for item in stored["items"]}
        assert set(acknowledged) <= stored_ids


class TestDatabaseOutage:
    def test_an_unreachable_database_gives_503_problem_and_the_service_recovers(
        self, fresh: str, database_url: str, monkeypatch: pytest.MonkeyPatch
    ):
        keys = prepared(fresh)
        monkeypatch.setenv("DATABASE_URL", fresh)
        get_settings.cache_clear()
        dispose_engines()
        try:
            with TestClient(create_app(), raise_server_exceptions=False) as client:
                headers = auth(keys["reader"])
                assert client.get("/v1/ministries", headers=headers).status_code == 200
                with _outage(fresh):
                    down = client.get("/v1/ministries", headers=headers)
                    health = client.get("/health")
                assert down.status_code == 503
                assert down.headers["content-type"] == "application/problem+json"
                assert down.headers["retry-after"]
                assert "unavailable" in down.json()["detail"]
                assert health.status_code == 503
                assert client.get("/v1/ministries", headers=headers).status_code == 200
        finally:
            dispose_engines()
            monkeypatch.setenv("DATABASE_URL", database_url)
            get_settings.cache_clear()


class _outage:
    """Makes the database unreachable for a moment. PostgreSQL refuses new connections and
    drops the open ones. For SQLite, an embedded file, the nearest fault is its folder going
    away (an unmounted volume): the open connections are closed and the folder moved aside."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)

    def __enter__(self) -> None:
        if self.url.get_backend_name() == "sqlite":
            self.folder = Path(self.url.database or "").parent
            self.aside = self.folder.with_name(self.folder.name + "-unmounted")
            dispose_engines()
            self.folder.rename(self.aside)
            return
        # Refusing connections to a database is its owner's act, not the service role's.
        owner = make_url(owner_url(self.url.render_as_string(hide_password=False)))
        self.admin = create_engine(owner.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with self.admin.connect() as connection:
            name = self.url.database
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )

    def __exit__(self, *_exc: object) -> None:
        if self.url.get_backend_name() == "sqlite":
            self.aside.rename(self.folder)
            return
        with self.admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{self.url.database}" ALLOW_CONNECTIONS true'))
        self.admin.dispose()
