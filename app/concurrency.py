"""How much work runs at once, and who waits behind whom.

Sync handlers run on a pool of worker threads. Requests that solve linear programs are CPU-bound
and, on SQLite, end by waiting for the database's write lock; if they could fill the whole
pool, the one request holding the lock could not get a thread to finish, and everyone would
wait for the busy timeout. So solving requests are admitted through limiters of their own and
wait for them in the event loop, holding no thread.

Runs (allocations, comparisons, plans, sweeps) and verifications (re-performing stored reports)
have separate queues: a negotiator's run never waits behind an auditor's verification of the
largest report. Each solve is also bounded in time by the engine's own budget, and each key may
start only so many solves a minute (:class:`RateLimiter`).
"""

from __future__ import annotations

import asyncio
import math
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread

P = ParamSpec("P")
T = TypeVar("T")

_limiters: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[str, anyio.CapacityLimiter]
] = weakref.WeakKeyDictionary()


def limiter(name: str, size: int) -> anyio.CapacityLimiter:
    """The event loop's limiter called ``name`` (limiters cannot be shared between loops)."""
    per_loop = _limiters.setdefault(asyncio.get_running_loop(), {})
    if name not in per_loop:
        per_loop[name] = anyio.CapacityLimiter(size)
    return per_loop[name]


def _cores() -> int:
    return max(1, os.cpu_count() or 1)


def engine_work() -> anyio.CapacityLimiter:
    """Admission for requests that run the engine on a negotiator's input: two per core."""
    return limiter("engine-work", 2 * _cores())


def verification_work() -> anyio.CapacityLimiter:
    """Admission for re-performing stored reports: half the cores, at least one, so that
    verifications can never take the whole machine from runs."""
    return limiter("verification-work", max(1, _cores() // 2))


def finishers() -> anyio.CapacityLimiter:
    """Threads reserved for ending transactions. A request that holds SQLite's write lock must
    be able to commit even while every worker thread waits for that lock; sharing their pool
    would deadlock until the waiters time out."""
    return limiter("finishers", 16)


async def solve_in_worker(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a sync service call that solves a negotiator's input, in a thread, once admitted."""
    return await anyio.to_thread.run_sync(partial(func, *args, **kwargs), limiter=engine_work())


async def verify_in_worker(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a sync verification in a thread, in the verifications' own queue."""
    return await anyio.to_thread.run_sync(
        partial(func, *args, **kwargs), limiter=verification_work()
    )


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per key: ``burst`` solves at once, refilled at ``per_minute``.

    In-process: with several worker processes each keeps its own buckets, so the limit per
    key is per process. ``per_minute`` 0 switches it off.
    """

    def __init__(self, *, per_minute: float, burst: int) -> None:
        self.per_second = per_minute / 60
        self.burst = max(1, burst)
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def admit(self, key: str, *, now: float | None = None) -> float:
        """0 when ``key`` may start a solve now (and it is counted), else the seconds until
        it may."""
        if self.per_second <= 0:
            return 0.0
        moment = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(float(self.burst), moment))
            bucket.tokens = min(
                self.burst, bucket.tokens + (moment - bucket.updated) * self.per_second
            )
            bucket.updated = moment
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.per_second


def retry_after(seconds: float) -> str:
    """A Retry-After value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
