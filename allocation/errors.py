"""The errors the allocation engine raises, and when.

    AllocationError                 base class: anything the engine refuses or cannot do
     ├── InvalidScenario            the document breaks the contract (field path + reason)
     ├── UnknownSolver              a solver name outside allocation.SOLVERS was asked for
     ├── Infeasible                 internal: the bounds cannot all be met; callers of
     │                              allocate() never see it, they get status "infeasible"
     ├── SolverError                the LP solver failed or answered something unexpected
     ├── ExactnessError             the exact rational solution failed verification; the
     │                              engine refuses to return cents it cannot vouch for
     └── BudgetExceeded             allocate()'s time_limit ran out before a verified
                                    answer; carries the problem's size and the budget

Infeasible input is an answer, not a crash: ``allocate`` turns ``Infeasible`` into a report
with status "infeasible" and the problems named in euros.
"""

from __future__ import annotations


class AllocationError(Exception):
    """Base class of every error raised by the allocation engine."""


class InvalidScenario(AllocationError):
    """Raised when a scenario document breaks the contract.

    ``field`` is a path such as ``"weights.BZK"`` or ``"variable[0].contacts"``; ``message``
    says what is wrong, e.g. ``"must be ≥ 0, got -1"``.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownSolver(AllocationError):
    """Raised when a solver name is not one of ``allocation.SOLVERS``."""


class Infeasible(AllocationError):
    """Raised internally when the bounds cannot all be met; carries the problems in euros."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class SolverError(AllocationError):
    """Raised when the LP solver fails or reports a status the engine cannot use."""


class ExactnessError(AllocationError):
    """Raised when the exact solution recovered from the LP fails verification."""


class BudgetExceeded(AllocationError):
    """Raised when an allocation needs more than its ``time_limit``.

    ``ministries``, ``pools`` and ``cells`` (cells with weight) give the problem's size,
    ``budget`` the limit in seconds. The message says so plainly, e.g. "the problem
    (200 ministries × 21 pools, 3,312 cells) needs more than the 3.0 s budget".
    """

    def __init__(self, *, ministries: int, pools: int, cells: int, budget: float) -> None:
        super().__init__(
            f"the problem ({ministries:,} ministries × {pools:,} pools, {cells:,} cells) "
            f"needs more than the {seconds_text(budget)} s budget"
        )
        self.ministries = ministries
        self.pools = pools
        self.cells = cells
        self.budget = budget


def seconds_text(seconds: float) -> str:
    """Seconds as people write a budget: ``3.0``, ``0.25``, ``120.0``.

    >>> seconds_text(3), seconds_text(0.25), seconds_text(0.001)
    ('3.0', '0.25', '0.001')
    """
    return f"{seconds:.1f}" if seconds >= 1 else f"{seconds:.3g}"
