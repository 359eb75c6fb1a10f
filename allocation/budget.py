"""A time budget for one allocation: checked between steps, handed to the LP solver as its limit.

``allocate(..., time_limit=3.0)`` starts a ``Budget``; every LP (leximin rounds, elastic LPs,
check LPs) gets the time still left as the solver's own limit (HiGHS ``time_limit``, CBC
``-sec``), and the loops between them check the deadline. Running out raises
``BudgetExceeded`` with the problem's size. Nothing is interrupted from outside: no thread is
killed, the engine stops itself at the next step.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

from allocation.errors import BudgetExceeded
from allocation.model import Problem


@dataclass(frozen=True, slots=True)
class Budget:
    """The deadline of one allocation, and the size of its problem for the error message.

    ``seconds`` None means no limit.

    >>> Budget.start(None).remaining() is None
    True
    """

    seconds: float | None
    deadline: float
    ministries: int = 0
    pools: int = 0
    cells: int = 0

    @classmethod
    def start(cls, seconds: float | None) -> Budget:
        """A budget of ``seconds`` from now; raises ``ValueError`` unless positive and finite."""
        if seconds is None:
            return cls(None, math.inf)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise ValueError(f"time_limit must be a number of seconds, got {seconds!r}")
        if not math.isfinite(seconds) or seconds <= 0:
            raise ValueError(f"time_limit must be a positive number of seconds, got {seconds!r}")
        return cls(float(seconds), time.monotonic() + seconds)

    def sized(self, problem: Problem) -> Budget:
        """The same deadline, knowing the problem it is for."""
        return replace(
            self,
            ministries=len(problem.ministries),
            pools=len(problem.pools),
            cells=len(problem.allowed),
        )

    def remaining(self) -> float | None:
        """Seconds left (possibly ≤ 0), or None without a limit."""
        return None if self.seconds is None else self.deadline - time.monotonic()

    def check(self) -> None:
        """Raise ``BudgetExceeded`` if the deadline has passed."""
        if self.seconds is not None and time.monotonic() >= self.deadline:
            raise self.exceeded()

    def lp_limit(self) -> float | None:
        """The time an LP may take: what is left, or None; raises if nothing is left."""
        left = self.remaining()
        if left is not None and left <= 0:
            raise self.exceeded()
        return left

    def exceeded(self) -> BudgetExceeded:
        """The error to raise: the problem's size and the budget."""
        return BudgetExceeded(
            ministries=self.ministries,
            pools=self.pools,
            cells=self.cells,
            budget=self.seconds or 0.0,
        )


UNLIMITED = Budget(None, math.inf)
"""No limit: the default of every stage that takes a budget."""
