"""A bounded load generator: N concurrent clients on loopback for D seconds, mixing reads of
shares and budget tables with allocation runs. Stops by itself; counts every outcome.

    python bench/load.py --clients 50 --seconds 60          (see bench/load.py)
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field

import httpx

READ_SHARE, READ_TABLE, RUN = "share", "budget-table", "allocation"


@dataclass
class LoadResult:
    """What the clients saw: latencies per kind, errors, and the reports they created."""

    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def percentile(self, q: float, kind: str | None = None) -> float:
        values = sorted(v for k, vs in self.latencies.items() if kind in (None, k) for v in vs)
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(q * len(values)))]

    def summary(self) -> dict[str, float]:
        all_values = [v for vs in self.latencies.values() for v in vs]
        return {
            "requests": self.requests,
            "errors": len(self.errors),
            "throughput_rps": round(self.requests / self.seconds, 1),
            "p50_ms": round(statistics.median(all_values) * 1000, 1) if all_values else 0.0,
            "p99_ms": round(self.percentile(0.99) * 1000, 1),
            "allocation_p50_ms": round(self.percentile(0.50, RUN) * 1000, 1),
            "allocation_p99_ms": round(self.percentile(0.99, RUN) * 1000, 1),
            "reports_created": len(self.created_ids),
        }


async def _client(
    http: httpx.AsyncClient,
    *,
    keys: dict[str, str],
    until: float,
    result: LoadResult,
    rng: random.Random,
    run_share: float,
) -> None:
    while time.monotonic() < until:
        roll = rng.random()
        if roll < run_share:
            kind, method, path, key = RUN, "POST", "/v1/allocations", keys["negotiator"]
            body = {"scenario_id": 1, "rule": rng.choice(["constrained", "equal", "proportional"])}
        elif roll < run_share + (1 - run_share) / 2:
            kind, method, path, key = (
                READ_SHARE,
                "GET",
                "/v1/ministries/JenV/share?year=2027",
                keys["finance"],
            )
            body = None
        else:
            kind, method, path, key = (
                READ_TABLE,
                "GET",
                "/v1/budget-table?from=2027&to=2031",
                keys["reader"],
            )
            body = None
        started = time.perf_counter()
        try:
            response = await http.request(
                method, path, json=body, headers={"Authorization": f"Bearer {key}"}
            )
        except httpx.HTTPError as exc:
            result.errors.append(f"{kind}: {type(exc).__name__}")
            continue
        result.latencies.setdefault(kind, []).append(time.perf_counter() - started)
        expected = 201 if kind == RUN else 200
        if response.status_code != expected:
            result.errors.append(f"{kind}: HTTP {response.status_code} {response.text[:200]}")
        elif kind == RUN:
            result.created_ids.append(response.json()["id"])


async def _load(
    base: str, keys: dict[str, str], *, clients: int, seconds: float, run_share: float, seed: int
) -> LoadResult:
    result = LoadResult(seconds=seconds)
    until = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        await asyncio.gather(
            *(
                _client(
                    http,
                    keys=keys,
                    until=until,
                    result=result,
                    rng=random.Random(seed + i),
                    run_share=run_share,
                )
                for i in range(clients)
            )
        )
    return result


def run_load(
    base: str,
    keys: dict[str, str],
    *,
    clients: int,
    seconds: float,
    run_share: float = 0.2,
    seed: int = 2027,
) -> LoadResult:
    """Drive the server at ``base`` (loopback only) and return what happened."""
    if not base.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise ValueError("load is only ever sent to this machine's loopback")
    return asyncio.run(
        _load(base, keys, clients=clients, seconds=seconds, run_share=run_share, seed=seed)
    )
