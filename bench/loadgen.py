"""A bounded load generator: N keep-alive connections on loopback for D seconds, mixing reads
of shares and budget tables with allocation runs. Raw sockets (bench/rawload.py), so the client
does not saturate a core of its own before the server does. Stops by itself; counts every
outcome.

    python bench/load.py --clients 50 --seconds 60          (see bench/load.py)
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench.rawload import LEAD, Pace, paces, read_response, request_bytes

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


Chooser = Callable[[random.Random], tuple[str, str, str, str, dict[str, Any] | None]]


def mix(keys: dict[str, str], *, run_share: float) -> Chooser:
    """What a client sends next: a run, a share read or a budget-table read."""

    def choose(rng: random.Random) -> tuple[str, str, str, str, dict[str, Any] | None]:
        roll = rng.random()
        if roll < run_share:
            rule = rng.choice(["constrained", "equal", "proportional"])
            body = {"scenario_id": 1, "rule": rule}
            return RUN, "POST", "/v1/allocations", keys["negotiator"], body
        if roll < run_share + (1 - run_share) / 2:
            return READ_SHARE, "GET", "/v1/ministries/JenV/share?year=2027", keys["finance"], None
        return READ_TABLE, "GET", "/v1/budget-table?from=2027&to=2031", keys["reader"], None

    return choose


async def _client(
    host: str,
    port: int,
    *,
    choose: Chooser,
    until: float,
    result: LoadResult,
    rng: random.Random,
    pace: Pace | None,
) -> None:
    """Requests one after another; with a ``pace``, each when it is due, timed from then."""
    reader, writer = await asyncio.open_connection(host, port)
    due = pace.first if pace else 0.0
    try:
        while time.monotonic() < until:
            kind, method, path, key, body = choose(rng)
            payload = json.dumps(body).encode() if body is not None else b""
            headers = {"Authorization": f"Bearer {key}"}
            started = time.perf_counter()
            if pace is not None:
                if not await pace.wait(due):
                    break
                started, due = due, due + pace.interval
            writer.write(request_bytes(method, path, f"{host}:{port}", headers, payload))
            await writer.drain()
            status, answer = await asyncio.wait_for(read_response(reader), timeout=60)
            result.latencies.setdefault(kind, []).append(time.perf_counter() - started)
            expected = 201 if kind == RUN else 200
            if status != expected:
                result.errors.append(f"{kind}: HTTP {status} {answer[:200]!r}")
            elif kind == RUN:
                result.created_ids.append(json.loads(answer)["id"])
    except (ConnectionError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
        result.errors.append(f"connection: {type(exc).__name__}")
    finally:
        writer.close()


async def _load(
    base: str,
    keys: dict[str, str],
    *,
    clients: int,
    seconds: float,
    run_share: float,
    seed: int,
    rate: float | None,
) -> LoadResult:
    result = LoadResult(seconds=seconds)
    until = time.monotonic() + seconds + (LEAD if rate else 0.0)
    parts = urlsplit(base)
    choose = mix(keys, run_share=run_share)
    await asyncio.gather(
        *(
            _client(
                parts.hostname or "127.0.0.1",
                parts.port or 80,
                choose=choose,
                until=until,
                result=result,
                rng=random.Random(seed + i),
                pace=pace,
            )
            for i, pace in enumerate(paces(clients, rate, seconds))
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
    rate: float | None = None,
) -> LoadResult:
    """Drive the server at ``base`` (loopback only) and return what happened.

    Without ``rate`` each client sends again as soon as it is answered (a closed loop: the
    throughput); with it the clients together offer ``rate`` requests a second, evenly spaced
    (an open loop: the latency callers see at that load).
    """
    if not base.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise ValueError("load is only ever sent to this machine's loopback")
    return asyncio.run(
        _load(
            base,
            keys,
            clients=clients,
            seconds=seconds,
            run_share=run_share,
            seed=seed,
            rate=rate,
        )
    )
