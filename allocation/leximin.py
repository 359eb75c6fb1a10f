"""The leximin LP sequence (Ogryczak) for the ministry totals: which block at which level.

Each round minimises the largest relative deviation z of the items still free, with the
items blocked earlier held at their levels. An item whose deviation row has a clearly
non-zero dual is blocked at this round's level z* (strict complementary slackness: the row is
tight in every optimal solution). If no dual is clearly non-zero, either z* is zero (everything
left sits on target) or a check LP per tight item decides.

The output is structure, not numbers: per item its round and sign, plus the rows and cells the
duals certify as tight. ``allocation.exact`` turns that structure into exact fractions.

Every round is modelled with PuLP. With HiGHS the first round's model is handed over once and
later rounds only hold the newly blocked items' rows, so HiGHS restarts from its last basis;
with CBC each round is a fresh PuLP model solved by the CBC binary. (The cells, once the
totals are fixed, are split by exact cuts instead: ``allocation.cuts``.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from allocation.budget import UNLIMITED, Budget
from allocation.errors import Infeasible, SolverError
from allocation.model import (
    Cell,
    Problem,
    RoundLP,
    add_deviation_rows,
    constraint_rows,
    deviation_row_names,
    ministry_ratio_terms,
    model_constraints,
    new_round,
)
from allocation.solve import (
    RoundOutcome,
    WarmRounds,
    hold_slack,
    reported_precision,
    solve_round,
)

LP_TOLERANCE = 1e-9
"""The one tolerance on the way back from floats: a dual, reduced cost, level or slack smaller
than this counts as zero when reading structure from an LP. No euro figure is ever read from a
float; the exact recovery re-derives every value and verifies it."""

Item = TypeVar("Item", str, Cell)


@dataclass(frozen=True, slots=True)
class Attempt:
    """How strictly one pass reads the LPs.

    The first pass asks the solver for tight tolerances and reads structure at LP_TOLERANCE.
    If its structure fails exact verification, a second pass uses the solver's default
    tolerances and reads at a hundred times LP_TOLERANCE. Verification decides, so a pass
    either yields the unique exact answer or nothing.
    """

    tight: bool
    tolerance: float


ATTEMPTS = (Attempt(tight=True, tolerance=LP_TOLERANCE), Attempt(False, 100 * LP_TOLERANCE))


@dataclass(frozen=True, slots=True)
class Blocked:
    """An item fixed at the level of round ``level``, above (+1) or below (-1) its target.

    Sign 0 means the item sits exactly on its target (the last level was zero). ``ratio`` is
    the item's ratio to target as the LP reported it; later rounds hold the item there.
    """

    level: int
    sign: int
    ratio: float = 1.0


Interval = tuple[float, float]
"""Bounds on an item's ratio to its target, for items held by earlier rounds."""


def hold_interval(blocked: Blocked, level: float, *, slack: float) -> Interval:
    """Where a blocked item is held in later rounds.

    The side it blocked on is held at the ratio the LP reported (relative slack only, so a
    ratio near zero keeps its precision); the other side at the level, as Ogryczak does.

    >>> hold_interval(Blocked(0, -1, 0.25), 0.75, slack=0.0)
    (0.25, 1.75)
    """
    loose = level * (1 + slack) + slack
    if blocked.sign > 0:
        return max(0.0, 1 - loose), blocked.ratio * (1 + slack)
    if blocked.sign < 0:
        return max(0.0, blocked.ratio * (1 - slack)), 1 + loose
    return max(0.0, 1 - loose), 1 + loose


@dataclass(slots=True)
class Structure(Generic[Item]):
    """What the LP rounds found: per item its block, the certified tight rows and cells."""

    blocked: dict[Item, Blocked] = field(default_factory=dict)
    levels: list[float] = field(default_factory=list)
    zero_levels: set[int] = field(default_factory=set)
    tight_rows: set[str] = field(default_factory=set)
    zero_cells: set[Cell] = field(default_factory=set)
    first: RoundOutcome | None = None
    last: RoundOutcome | None = None
    first_lp: RoundLP | None = None


RoundBuilder = Callable[[Sequence[Item], Mapping[Item, Interval]], RoundLP]
RatioReader = Callable[[Item, RoundOutcome], float]


@dataclass(frozen=True, slots=True)
class Family(Generic[Item]):
    """How to build and read the rounds for one kind of item (ministry totals or cells)."""

    build: RoundBuilder[Item]
    ratio: RatioReader[Item]
    subject: Callable[[Item], str]


@dataclass(frozen=True, slots=True)
class _Reader(Generic[Item]):
    """Reads one solved round with the attempt's tolerance."""

    family: Family[Item]
    outcome: RoundOutcome
    tolerance: float
    precision: float

    def is_tight(self, item: Item) -> bool:
        """The item's deviation equals the level in this solution (a blocked item must).

        Compared at the precision the solver reports values with, not tighter.
        """
        deviation = abs(self.family.ratio(item, self.outcome) - 1)
        allowed = max(self.tolerance, 10 * self.precision) * max(1.0, self.outcome.level)
        return abs(deviation - self.outcome.level) <= allowed

    def sign_by_dual(self, item: Item) -> int:
        """+1 or -1 when a deviation row has a clearly non-zero dual, else 0."""
        above, below = deviation_row_names(self.family.subject(item))
        if abs(self.outcome.duals[above]) > self.tolerance:
            return 1
        if abs(self.outcome.duals[below]) > self.tolerance:
            return -1
        return 0


def run_rounds(
    items: Sequence[Item],
    family: Family[Item],
    *,
    solver: str,
    attempt: Attempt,
    budget: Budget = UNLIMITED,
) -> Structure[Item]:
    """Run Ogryczak rounds until every item is blocked; return the structure found."""
    structure: Structure[Item] = Structure()
    free = list(items)
    with _Rounds(family, solver=solver, attempt=attempt, budget=budget) as rounds:
        while free:
            budget.check()
            held = _holds(structure, slack=hold_slack(solver))
            outcome = rounds.next(free, held, structure)
            reader = _Reader(family, outcome, attempt.tolerance, reported_precision(solver))
            _collect_certificate(structure, reader)
            newly = _blocked_by_duals(free, reader)
            level_index = len(structure.levels)
            if not newly and outcome.level <= attempt.tolerance:
                structure.zero_levels.add(level_index)
                newly = dict.fromkeys(free, 0)
            elif not newly:
                newly = _blocked_by_checks(
                    free, held, reader=reader, solver=solver, attempt=attempt, budget=budget
                )
            structure.levels.append(max(outcome.level, 0.0))
            for item, sign in newly.items():
                structure.blocked[item] = Blocked(level_index, sign, family.ratio(item, outcome))
            free = [item for item in free if item not in newly]
    return structure


def first_round(
    items: Sequence[Item],
    family: Family[Item],
    *,
    solver: str,
    attempt: Attempt,
    budget: Budget = UNLIMITED,
) -> Structure[Item]:
    """Only the first, min-max round: its level and duals, for the marginals."""
    structure: Structure[Item] = Structure()
    with _Rounds(family, solver=solver, attempt=attempt, budget=budget) as rounds:
        outcome = rounds.next(items, {}, structure)
    structure.levels.append(max(outcome.level, 0.0))
    return structure


def _holds(structure: Structure[Item], *, slack: float) -> dict[Item, Interval]:
    return {
        item: hold_interval(b, structure.levels[b.level], slack=slack)
        for item, b in structure.blocked.items()
    }


class _Rounds(Generic[Item]):
    """Solves successive rounds: one warm HiGHS model, or a fresh PuLP model each round."""

    def __init__(
        self, family: Family[Item], *, solver: str, attempt: Attempt, budget: Budget
    ) -> None:
        self.budget = budget
        self.family: Family[Item] = family
        self.solver = solver
        self.attempt = attempt
        self.warm: WarmRounds | None = None
        self.held: set[Item] = set()

    def __enter__(self) -> _Rounds[Item]:
        return self

    def __exit__(self, *_: object) -> None:
        """Release the warm HiGHS model, if one was made, however the rounds ended."""
        if self.warm is not None:
            self.warm.close()
            self.warm = None

    def next(
        self, free: Sequence[Item], held: Mapping[Item, Interval], structure: Structure[Item]
    ) -> RoundOutcome:
        """Solve the round with ``free`` items and ``held`` ones; record first and last."""
        if self.solver == "highs":
            outcome = self._warm(free, held, structure)
        else:
            round_lp = self.family.build(free, held)
            outcome = _solve(round_lp, self.solver, attempt=self.attempt, budget=self.budget)
            if structure.first_lp is None:
                structure.first_lp = round_lp
        if structure.first is None:
            structure.first = outcome
        structure.last = outcome
        return outcome

    def _warm(
        self, free: Sequence[Item], held: Mapping[Item, Interval], structure: Structure[Item]
    ) -> RoundOutcome:
        if self.warm is None:
            round_lp = self.family.build(free, held)
            structure.first_lp = round_lp
            self.warm = WarmRounds(round_lp, tight=self.attempt.tight)
            self.held = set(held)
        for item, interval in held.items():
            if item not in self.held:
                self.warm.hold(deviation_row_names(self.family.subject(item)), interval)
                self.held.add(item)
        try:
            return self.warm.solve(self.budget)
        except Infeasible as error:
            raise SolverError(f"highs lost feasibility in a leximin round: {error}") from error


def _solve(round_lp: RoundLP, solver: str, *, attempt: Attempt, budget: Budget) -> RoundOutcome:
    """Solve a round; the bounds were checked exactly beforehand, so infeasible is numerical."""
    try:
        return solve_round(round_lp, solver, tight=attempt.tight, budget=budget)
    except Infeasible as error:
        raise SolverError(f"{solver} lost feasibility in a leximin round: {error}") from error


def _collect_certificate(structure: Structure[Item], reader: _Reader[Item]) -> None:
    outcome, tolerance = reader.outcome, reader.tolerance
    duals = outcome.duals if outcome.bound_duals is None else outcome.bound_duals
    for name, dual in duals.items():
        if abs(dual) > tolerance and not name.startswith("deviation_"):
            structure.tight_rows.add(name)
    for cell, cost in outcome.reduced_costs.items():
        if cost > tolerance and outcome.ratios[cell] <= tolerance:
            structure.zero_cells.add(cell)


def _blocked_by_duals(free: Sequence[Item], reader: _Reader[Item]) -> dict[Item, int]:
    """Items whose deviation row has a clearly non-zero dual and which sit at the level."""
    newly: dict[Item, int] = {}
    for item in free:
        sign = reader.sign_by_dual(item)
        if sign and reader.is_tight(item):
            newly[item] = sign
    return newly


def _blocked_by_checks(
    free: Sequence[Item],
    held: Mapping[Item, Interval],
    *,
    reader: _Reader[Item],
    solver: str,
    attempt: Attempt,
    budget: Budget,
) -> dict[Item, int]:
    """Decide blocking item by item: can this item alone get below the level z*?"""
    level, family = reader.outcome.level, reader.family
    newly: dict[Item, int] = {}
    for item in free:
        if not reader.is_tight(item):
            continue
        others = {other: (max(0.0, 1 - level), 1 + level) for other in free if other != item}
        round_lp = family.build([item], {**held, **others})
        check = _solve(round_lp, solver, attempt=attempt, budget=budget)
        if check.level >= level - attempt.tolerance * max(1.0, level):
            newly[item] = 1 if family.ratio(item, check) >= 1 else -1
    if not newly:
        raise SolverError("no item blocks at the optimal level; the LP answers are inconsistent")
    return newly


# --- the two families ----------------------------------------------------------------------


def totals_family(problem: Problem) -> Family[str]:
    """Rounds over ministry totals: relative deviation of X_i from t_i, all bounds and pools."""
    rows = constraint_rows(problem, model_constraints(problem), cells=problem.allowed)
    ratio_terms = ministry_ratio_terms(problem)

    def build(free: Sequence[str], held: Mapping[str, Interval]) -> RoundLP:
        round_lp = new_round(problem.allowed, bounds={})
        for row in rows:
            round_lp.add_scaled(row)
        for ministry in free:
            terms = round_lp.variables_of(ratio_terms[ministry])
            add_deviation_rows(round_lp, ministry, terms=terms, within=None)
        for ministry, interval in held.items():
            terms = round_lp.variables_of(ratio_terms[ministry])
            add_deviation_rows(round_lp, ministry, terms=terms, within=interval)
        return round_lp

    def ratio(ministry: str, outcome: RoundOutcome) -> float:
        return sum(share * outcome.ratios[cell] for cell, share in ratio_terms[ministry])

    return Family(build=build, ratio=ratio, subject=str)
