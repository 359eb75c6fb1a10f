"""How much work runs at once.

Sync handlers run on a pool of worker threads. Requests that solve linear programs are CPU-bound
and, on SQLite, end by waiting for the database's write lock; if they could fill the whole
pool, the one request holding the lock could not get a thread to finish, and everyone would
wait for the busy timeout. So solving requests are admitted through a small limiter of their
own and wait for it in the event loop, holding no thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread

P = ParamSpec("P")
T = TypeVar("T")

_engine_work: anyio.CapacityLimiter | None = None


def engine_work() -> anyio.CapacityLimiter:
    """Admission for requests that run the engine: two per core."""
    global _engine_work
    if _engine_work is None:
        _engine_work = anyio.CapacityLimiter(2 * max(1, os.cpu_count() or 1))
    return _engine_work


async def solve_in_worker(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a sync service call that solves, in a worker thread, once admitted."""
    return await anyio.to_thread.run_sync(partial(func, *args, **kwargs), limiter=engine_work())
