"""Expensive work has a budget and its own queue: a key may start only so many solves, and a
negotiator's run is never queued behind verifications."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.concurrency import RateLimiter, retry_after
from app.main import create_app
from app.schemas import SCENARIO_EXAMPLE
from app.settings import get_settings
from tests.builders import large_scenario
from tests.conftest import auth
from tests.databases import fresh_database
from tests.servers import prepared, running_server


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch, app: FastAPI) -> Iterator[TestClient]:
    """The app with a solve rate of 2 at once and one a minute per key."""
    monkeypatch.setenv("COSTSHARE_SOLVE_BURST", "2")
    monkeypatch.setenv("COSTSHARE_SOLVE_RATE_PER_MINUTE", "1")
    get_settings.cache_clear()
    try:
        configured = create_app()
        configured.dependency_overrides = app.dependency_overrides
        with TestClient(configured, raise_server_exceptions=False) as client:
            yield client
    finally:
        get_settings.cache_clear()


class TestRateLimit:
    def test_a_key_past_its_solve_rate_gets_429_with_retry_after(
        self, limited: TestClient, keys: dict[str, str]
    ):
        body = {"scenario": SCENARIO_EXAMPLE}
        negotiator = auth(keys["negotiator"])
        statuses = [
            limited.post("/v1/allocations", headers=negotiator, json=body).status_code
            for _ in range(3)
        ]
        assert statuses == [201, 201, 429]
        refused = limited.post("/v1/comparisons", headers=negotiator, json=body)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        other = limited.post("/v1/allocations", headers=auth(keys["admin"]), json=body)
        assert other.status_code == 201

    def test_reads_are_not_counted(self, limited: TestClient, keys: dict[str, str]):
        for _ in range(5):
            assert limited.get("/v1/ministries", headers=auth(keys["reader"])).status_code == 200

    def test_a_refused_role_uses_no_token(self, limited: TestClient, keys: dict[str, str]):
        body = {"scenario": SCENARIO_EXAMPLE}
        for _ in range(3):
            refused = limited.post("/v1/allocations", headers=auth(keys["reader"]), json=body)
            assert refused.status_code == 403


class TestTheBucket:
    def test_refills_at_its_rate_and_never_beyond_its_burst(self):
        bucket = RateLimiter(per_minute=60, burst=2)
        assert [bucket.admit("k", now=0.0) for _ in range(3)] == [0.0, 0.0, 1.0]
        assert bucket.admit("k", now=1.0) == 0.0
        assert bucket.admit("k", now=100.0) == 0.0
        assert bucket.admit("k", now=100.0) == 0.0
        assert bucket.admit("k", now=100.0) > 0
        assert retry_after(0.2) == "1"

    def test_zero_switches_it_off(self):
        bucket = RateLimiter(per_minute=0, burst=1)
        assert all(bucket.admit("k", now=0.0) == 0.0 for _ in range(100))


class TestRunsDoNotWaitBehindVerifications:
    """Four verifications of large reports (different ones, so none is remembered) are
    running; a negotiator's small run must still be answered at once. CI uses 80 ministries ×
    13 pools, large enough that the verifications still run on a quiet machine; the README gives
    the figures for the largest report the budget admits."""

    MINISTRIES, CHANNELS, VERIFICATIONS = 80, 12, 4

    def test_a_small_run_completes_while_verifications_of_large_reports_run(self, tmp_path: Path):
        with fresh_database(tmp_path) as url:
            keys = prepared(url)
            admin = {"Authorization": f"Bearer {keys['admin']}"}
            with (
                running_server(url, log=tmp_path / "server.log") as server,
                httpx.Client(base_url=server.base, timeout=120) as http,
            ):
                for index in range(self.MINISTRIES):
                    http.post(
                        "/v1/ministries",
                        headers=admin,
                        json={"code": f"M{index:03d}", "name": f"M {index}", "chapter": "XV"},
                    ).raise_for_status()
                report_ids = []
                for seed in range(self.VERIFICATIONS):
                    scenario = large_scenario(self.MINISTRIES, self.CHANNELS, seed=seed)
                    large = http.post("/v1/allocations", headers=admin, json={"scenario": scenario})
                    assert large.status_code == 201, large.text
                    report_ids.append(large.json()["id"])
                outcomes: list[int] = []
                ended: list[float] = []

                def verify(report_id: int) -> None:
                    with httpx.Client(base_url=server.base, timeout=300) as own:
                        response = own.get(f"/v1/allocations/{report_id}/verify", headers=admin)
                        outcomes.append(response.status_code)
                        ended.append(time.perf_counter())

                threads = [threading.Thread(target=verify, args=(i,)) for i in report_ids]
                for thread in threads:
                    thread.start()
                time.sleep(0.1)
                started = time.perf_counter()
                small = http.post(
                    "/v1/allocations",
                    headers={"Authorization": f"Bearer {keys['negotiator']}"},
                    json={"scenario": SCENARIO_EXAMPLE},
                )
                small_seconds = time.perf_counter() - started
                busy = any(thread.is_alive() for thread in threads)
                for thread in threads:
                    thread.join()
        print(
            f"\nsmall run beside {self.VERIFICATIONS} verifications: {small_seconds:.3f} s; "
            f"the last verification ended {max(ended) - started:.3f} s after the run started"
        )
        assert busy, "the verifications were over before the run started: make them larger"
        assert small.status_code == 201
        assert sorted(outcomes) == [200] * self.VERIFICATIONS
        assert small_seconds < 2.0


@pytest.fixture
def tight(monkeypatch: pytest.MonkeyPatch, app: FastAPI) -> Iterator[TestClient]:
    """The app with a solve budget of a thousandth of a second."""
    monkeypatch.setenv("COSTSHARE_SOLVE_BUDGET_SECONDS", "0.001")
    get_settings.cache_clear()
    try:
        configured = create_app()
        configured.dependency_overrides = app.dependency_overrides
        with TestClient(configured, raise_server_exceptions=False) as client:
            yield client
    finally:
        get_settings.cache_clear()


class TestSolveBudget:
    def test_a_run_past_the_budget_is_refused_with_its_size_and_nothing_is_stored(
        self, tight: TestClient, keys: dict[str, str], seeded
    ):
        admin = auth(keys["admin"])
        for index in range(40):
            tight.post(
                "/v1/ministries",
                headers=admin,
                json={"code": f"M{index:03d}", "name": f"M {index}", "chapter": "XV"},
            )
        before = tight.get("/v1/allocations", headers=admin).json()["total"]
        refused = tight.post(
            "/v1/allocations", headers=admin, json={"scenario": large_scenario(40, 6)}
        )
        assert refused.status_code == 422
        assert refused.json()["type"] == "/problems/too-large"
        assert "40 ministries × 7 pools" in refused.json()["detail"]
        assert "0.001 s budget" in refused.json()["detail"]
        assert tight.get("/v1/allocations", headers=admin).json()["total"] == before

    def test_plans_and_sweeps_keep_the_budget_too(
        self, tight: TestClient, keys: dict[str, str], seeded
    ):
        admin = auth(keys["admin"])
        plan = tight.post("/v1/plans", headers=admin, json={"scenario_id": seeded.plan_scenario_id})
        assert plan.status_code == 422 and plan.json()["type"] == "/problems/too-large"
        sweep = tight.post(
            "/v1/sweeps",
            headers=admin,
            json={
                "scenario_id": seeded.plan_scenario_id,
                "vary": [{"parameter": "weight", "ministry": "EZ", "values": [1, 2, 3]}],
            },
        )
        assert sweep.status_code == 422 and sweep.json()["type"] == "/problems/too-large"
