"""costshare's allocation engine: splits Offlimits' yearly cost over ministries, exactly.

Pure: the standard library, PuLP and highspy only.
"""

from allocation.errors import (
    AllocationError,
    ExactnessError,
    Infeasible,
    InvalidScenario,
    SolverError,
    UnknownSolver,
)
from allocation.scenario import Rule, Scenario, parse_scenario
from allocation.solve import SOLVERS
from allocation.version import __version__

__all__ = [
    "SOLVERS",
    "AllocationError",
    "ExactnessError",
    "Infeasible",
    "InvalidScenario",
    "Rule",
    "Scenario",
    "SolverError",
    "UnknownSolver",
    "__version__",
    "parse_scenario",
]
