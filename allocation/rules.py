"""The three rules, each giving an exact allocation (fractions of cents) per cell.

* proportional: every cell at its target ``t_ip = amount_p × w_ip / Σ_j w_jp``;
* equal: every pool split equally over all ministries in the weights, whatever their weight;
* constrained: the leximin split that honours every bound and pool (see ``constrained``).

Rounding to cents happens later, in ``allocation.rounding``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from allocation import closed_form, hall
from allocation.budget import UNLIMITED, Budget
from allocation.cuts import leximin_cells
from allocation.diagnose import diagnose
from allocation.errors import AllocationError, ExactnessError, Infeasible, SolverError
from allocation.exact import (
    check_split,
    check_totals_optimal,
    peel_forced_cells,
    recover_totals,
)
from allocation.leximin import (
    ATTEMPTS,
    LP_TOLERANCE,
    Attempt,
    Structure,
    first_round,
    run_rounds,
    totals_family,
)
from allocation.model import Cell, Problem, Sense, bound_constraints
from allocation.money import CENTS_PER_EURO
from allocation.scenario import Rule


@dataclass(frozen=True, slots=True)
class Marginal:
    """A bound's first-round dual: the change in the largest relative deviation per euro.

    ``per_euro`` is the change when the bound is relaxed by €1 (a ceiling or max_share cap
    raised, a floor lowered) or, for a fixed amount, raised by €1. It explains; it is not money.
    """

    constraint: str
    family: str
    ministry: str
    per_euro: float


@dataclass(frozen=True, slots=True)
class ExactAllocation:
    """An allocation in exact fractions of cents, before rounding."""

    rule: Rule
    cells: Mapping[Cell, Fraction]
    free: tuple[str, ...] = ()
    marginals: tuple[Marginal, ...] = ()
    totals: Mapping[str, Fraction] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.totals:
            totals: dict[str, Fraction] = {}
            for cell, value in self.cells.items():
                totals[cell.ministry] = totals.get(cell.ministry, Fraction(0)) + value
            object.__setattr__(self, "totals", totals)

    def total(self, ministry: str) -> Fraction:
        """The ministry's exact total over all pools."""
        return self.totals.get(ministry, Fraction(0))


def proportional(problem: Problem) -> ExactAllocation:
    """Every cell at its target.

    >>> from allocation.scenario import parse_scenario
    >>> from allocation.model import build_problem
    >>> p = build_problem(parse_scenario({"year": 2027, "base": 3, "weights": {"A": 1, "B": 2}}))
    >>> proportional(p).total("B")
    Fraction(200, 1)
    """
    return ExactAllocation(Rule.PROPORTIONAL, dict(problem.cell_targets))


def equal(problem: Problem) -> ExactAllocation:
    """Every pool split equally over all ministries in the weights.

    >>> from allocation.scenario import parse_scenario
    >>> from allocation.model import build_problem
    >>> p = build_problem(parse_scenario({"year": 2027, "base": 3, "weights": {"A": 1, "B": 2}}))
    >>> equal(p).total("B")
    Fraction(150, 1)
    """
    count = len(problem.ministries)
    cells = {cell: Fraction(problem.pool(cell.pool).amount, count) for cell in problem.cells()}
    return ExactAllocation(Rule.EQUAL, cells)


def constrained(
    problem: Problem, *, solver: str, budget: Budget = UNLIMITED, closed_form_first: bool = True
) -> ExactAllocation:
    """The leximin-optimal split within every bound; raises ``Infeasible`` when there is none.

    First the ministry totals: minimise the largest relative deviation |X_i - t_i| / t_i, then
    the next largest, and so on. Then, with those totals fixed, the cells by the same principle.
    Both results are unique, so they do not depend on the solver. Where the closed form
    provably applies it is used: the clipped totals whenever the pools can carry them
    (``closed_form_first`` False forces the LP rounds).

    >>> from allocation.scenario import parse_scenario
    >>> from allocation.model import build_problem
    >>> doc = {"year": 2027, "base": 100, "weights": {"A": 1, "B": 1},
    ...        "constraints": {"ceilings": {"A": 20}}}
    >>> result = constrained(build_problem(parse_scenario(doc)), solver="highs")
    >>> result.total("A"), result.total("B")
    (Fraction(2000, 1), Fraction(8000, 1))
    """
    problems = diagnose(problem)
    if problems:
        raise Infeasible(problems)
    failures: list[AllocationError] = []
    carried = closed_form.carried_totals(problem, budget=budget) if closed_form_first else None
    if carried is not None:
        try:
            return _closed_form_pass(problem, carried, solver=solver, budget=budget)
        except (ExactnessError, SolverError) as error:
            failures.append(error)
    for attempt in ATTEMPTS:
        try:
            return _constrained_pass(problem, solver=solver, attempt=attempt, budget=budget)
        except (ExactnessError, SolverError) as error:
            failures.append(error)
    if hall.applies(problem):
        try:
            return _exact_pass(problem, solver=solver, budget=budget)
        except (ExactnessError, SolverError) as error:
            failures.append(error)
    raise ExactnessError(
        "no verified exact split: " + "; then ".join(str(failure) for failure in failures)
    )


def _closed_form_pass(
    problem: Problem, totals: dict[str, Fraction], *, solver: str, budget: Budget
) -> ExactAllocation:
    """Totals in closed form (every carrier in every pool, or totals the pools can carry),
    and the cells too when every pool shares one weight profile (``allocation.closed_form``);
    the same checks and certificate follow."""
    cells = (
        closed_form.profile_cells(problem, totals) if closed_form.has_one_profile(problem) else None
    )
    return _verified(problem, totals, cells=cells, solver=solver, budget=budget, trust_lp=True)


def _exact_pass(problem: Problem, *, solver: str, budget: Budget) -> ExactAllocation:
    """The fallback: totals by Hall's conditions in fractions, then the cells; no LP rounds.

    Marginals still come from the first LP round, if that round agrees with the exact top
    level; an LP that cannot resolve the problem explains nothing.
    """
    totals = hall.exact_totals(problem, budget=budget)
    return _verified(problem, totals, cells=None, solver=solver, budget=budget, trust_lp=False)


def _verified(
    problem: Problem,
    totals: dict[str, Fraction],
    *,
    cells: dict[Cell, Fraction] | None,
    solver: str,
    budget: Budget,
    trust_lp: bool,
) -> ExactAllocation:
    """Totals found without LP rounds: split (unless given), check, certify, explain.

    The marginals are the first LP round's duals, as on every path; with ``trust_lp`` False
    only if that round's level agrees with the exact top level.
    """
    if cells is None:
        cells = split_cells(problem, totals, solver=solver, attempt=ATTEMPTS[0], budget=budget)
    check_split(problem, totals, cells=cells)
    check_totals_optimal(problem, totals, cells=cells)
    free = _free(problem)
    marginals: tuple[Marginal, ...] = ()
    if free:
        family = totals_family(problem)
        first: Structure[str] = Structure()
        # As the LP rounds would, a round that fails at one attempt's tolerances is tried at
        # the next.
        for attempt in ATTEMPTS:
            try:
                first = first_round(free, family, solver=solver, attempt=attempt, budget=budget)
                break
            except (SolverError, Infeasible):
                continue
        top = max(abs(totals[m] - problem.target(m)) / problem.target(m) for m in free)
        agrees = bool(first.levels) and (
            abs(first.levels[0] - float(top)) <= 1e-9 * max(1.0, float(top))
        )
        if trust_lp or agrees:
            marginals = _marginals(problem, first)
    return ExactAllocation(Rule.CONSTRAINED, cells, free, marginals, totals)


def _free(problem: Problem) -> tuple[str, ...]:
    """Ministries with a target whose bounds leave room: the ones the leximin balances."""
    return tuple(
        m for m in problem.ministries if problem.target(m) > 0 and not problem.is_pinned(m)
    )


def _constrained_pass(
    problem: Problem, *, solver: str, attempt: Attempt, budget: Budget
) -> ExactAllocation:
    """One pass: LP rounds for the totals, exact recovery, cells, verification."""
    free = _free(problem)
    structure: Structure[str] = Structure()
    if free:
        family = totals_family(problem)
        structure = run_rounds(free, family, solver=solver, attempt=attempt, budget=budget)
    failure: ExactnessError | None = None
    tried: list[dict[str, Fraction]] = []
    for thorough in (False, True):
        try:
            totals = recover_totals(
                problem, structure, thorough=thorough, tolerance=attempt.tolerance
            )
            if totals in tried:
                continue
            tried.append(totals)
            cells = split_cells(problem, totals, solver=solver, attempt=attempt, budget=budget)
            check_split(problem, totals, cells=cells)
            check_totals_optimal(problem, totals, cells=cells)
        except ExactnessError as error:
            failure = error
            continue
        marginals = _marginals(problem, structure)
        return ExactAllocation(Rule.CONSTRAINED, cells, free, marginals, totals)
    raise failure or ExactnessError("the totals could not be recovered")


def split_cells(
    problem: Problem,
    totals: Mapping[str, Fraction],
    *,
    solver: str,
    attempt: Attempt,
    budget: Budget = UNLIMITED,
) -> dict[Cell, Fraction]:
    """Split fixed ministry totals over the pools, leximin in the cells' relative deviation."""
    margins = peel_forced_cells(problem, totals)
    cells = dict.fromkeys(problem.cells(), Fraction(0))
    cells.update(margins.fixed)
    if margins.cells:
        try:
            found = leximin_cells(problem, margins, solver=solver, attempt=attempt, budget=budget)
        except SolverError:
            found = leximin_cells(problem, margins, solver=None, attempt=attempt, budget=budget)
        cells.update(found)
    return cells


def _marginals(problem: Problem, structure: Structure[str]) -> tuple[Marginal, ...]:
    """Per-euro effects of the bounds on the first round's level, from its duals."""
    if structure.first is None or structure.first_lp is None:
        return ()
    scales = structure.first_lp.scales
    found = []
    for constraint in bound_constraints(problem):
        dual = structure.first.duals.get(constraint.name, 0.0)
        if abs(dual) <= LP_TOLERANCE:
            continue
        per_euro = dual * CENTS_PER_EURO / float(scales[constraint.name])
        relax = -1.0 if constraint.sense is Sense.AT_LEAST else 1.0
        found.append(
            Marginal(constraint.name, constraint.family, constraint.subject, relax * per_euro)
        )
    return tuple(found)


def exact_allocation(
    problem: Problem, rule: Rule, *, solver: str, budget: Budget = UNLIMITED
) -> ExactAllocation:
    """Apply one rule; raises ``Infeasible`` only for the constrained rule."""
    if rule is Rule.PROPORTIONAL:
        return proportional(problem)
    if rule is Rule.EQUAL:
        return equal(problem)
    return constrained(problem, solver=solver, budget=budget)
