"""costshare's allocation engine: splits Offlimits' yearly cost over ministries, exactly.

Pure: the standard library, PuLP and highspy only. The stages, one module each:
``scenario`` (read the document) → ``model`` (exact problem, named constraints, LPs) →
``leximin``/``solve``/``exact`` (LP rounds of the totals, solver, exact recovery and checks)
→ ``cuts`` (the cells by exact cuts) → ``rounding`` (cents) → ``report`` (figures,
explanation, hashes); plus ``closed_form`` and ``hall`` (totals without LP rounds where they
apply), ``diagnose``, ``budget`` (the time limit), ``projection`` and ``cli``.
"""

from allocation.engine import allocate
from allocation.errors import (
    AllocationError,
    BudgetExceeded,
    ExactnessError,
    Infeasible,
    InvalidScenario,
    SolverError,
    UnknownSolver,
)
from allocation.projection import MultiYearReport, allocate_year, allocate_years
from allocation.report import AllocationReport, canonical_json, sha256_of
from allocation.scenario import Rule, Scenario, parse_scenario
from allocation.solve import SOLVERS
from allocation.version import __version__

__all__ = [
    "SOLVERS",
    "AllocationError",
    "AllocationReport",
    "BudgetExceeded",
    "ExactnessError",
    "Infeasible",
    "InvalidScenario",
    "MultiYearReport",
    "Rule",
    "Scenario",
    "SolverError",
    "UnknownSolver",
    "__version__",
    "allocate",
    "allocate_year",
    "allocate_years",
    "canonical_json",
    "parse_scenario",
    "sha256_of",
]
