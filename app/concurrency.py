"""How much work runs at once.

Sync handlers run on a pool of worker threads. Requests that solve linear programs are CPU-bound
and, on SQLite, end by waiting for the database's write lock; if they could fill the whole
pool, the one request holding the lock could not get a thread to finish, and everyone would
wait for the busy timeout. So solving requests are admitted through a small limiter of their
own and wait for it in the event loop, holding no thread.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Callable
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


def engine_work() -> anyio.CapacityLimiter:
    """Admission for requests that run the engine: two per core."""
    return limiter("engine-work", 2 * max(1, os.cpu_count() or 1))


def finishers() -> anyio.CapacityLimiter:
    """Threads reserved for ending transactions. A request that holds SQLite's write lock must
    be able to commit even while every worker thread waits for that lock; sharing their pool
    would deadlock until the waiters time out."""
    return limiter("finishers", 16)


async def solve_in_worker(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a sync service call that solves, in a worker thread, once admitted."""
    return await anyio.to_thread.run_sync(partial(func, *args, **kwargs), limiter=engine_work())
