"""The chain and the signed log under real concurrency and faults, on a database of its own
with real commits: concurrent runs all succeed and stay linear, every head reaches the
checkpoint file; a failure midway leaves no half report, no entry and no head."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.db import dispose_engines, get_engine, session_for
from app.ledger.checkpoints import read_checkpoints
from app.main import create_app
from app.seed import seed
from app.services import allocations
from app.services import keys as key_service
from app.settings import get_settings
from tests.conftest import auth
from tests.databases import fresh_database, migrate

RUNS = 12


@pytest.fixture
def live(tmp_path: Path, database_url: str) -> Iterator[str]:
    """A fresh migrated, seeded database the app really commits to; an editor key for it."""
    with fresh_database(tmp_path) as url:
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        try:
            migrate(url)
            with session_for(writes=True) as session, session.begin():
                seed(session)
                key = key_service.create(session, role="negotiator", ministry_code=None)
            yield key.plaintext
        finally:
            dispose_engines()
            os.environ["DATABASE_URL"] = database_url
            get_settings.cache_clear()


def _post(key: str, index: int) -> int:
    with TestClient(create_app()) as client:
        body = {"scenario_id": 1, "rule": ["constrained", "equal", "proportional"][index % 3]}
        return client.post("/v1/allocations", headers=auth(key), json=body).status_code


class TestConcurrentRuns:
    def test_concurrent_runs_all_succeed_and_the_chain_stays_linear(self, live: str):
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(lambda i: _post(live, i), range(RUNS)))
        assert statuses == [201] * RUNS
        with TestClient(create_app()) as client:
            chain = client.get("/v1/audit/verify", headers=auth(live)).json()
        assert chain == {**chain, "valid": True, "reports": RUNS, "checked": RUNS}
        assert chain["findings"] == []
        checkpoints = read_checkpoints(get_settings().checkpoint_file).checkpoints
        assert sorted(c.head.tree_size for c in checkpoints) == list(range(1, RUNS + 1))
        with get_engine().connect() as connection:
            ids = [
                r[0]
                for r in connection.execute(text("SELECT id FROM allocation_report ORDER BY id"))
            ]
        assert ids == list(range(1, RUNS + 1))


class TestFailureMidway:
    def test_a_failure_after_the_report_was_written_leaves_no_trace(
        self, live: str, monkeypatch: pytest.MonkeyPatch
    ):
        with TestClient(create_app(), raise_server_exceptions=False) as client:
            assert (
                client.post(
                    "/v1/allocations", headers=auth(live), json={"scenario_id": 1}
                ).status_code
                == 201
            )

            def crash(*_args: object, **_kwargs: object) -> None:
                raise RuntimeError("power cut after the report row was flushed")

            monkeypatch.setattr(allocations, "ReportView", crash)
            failed = client.post("/v1/allocations", headers=auth(live), json={"scenario_id": 1})
            assert failed.status_code == 500
            assert "power cut" not in failed.text
            monkeypatch.undo()
            after = client.post("/v1/allocations", headers=auth(live), json={"scenario_id": 1})
            assert after.status_code == 201
            assert after.json()["id"] == 2
            chain = client.get("/v1/audit/verify", headers=auth(live)).json()
            assert chain["valid"] is True and chain["reports"] == chain["tree_size"] == 2
        checkpoints = read_checkpoints(get_settings().checkpoint_file).checkpoints
        assert [c.head.tree_size for c in checkpoints] == [1, 2]
