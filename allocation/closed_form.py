"""The closed form of the constrained rule where it provably applies.

**Totals.** When every ministry with a target has weight in every non-empty pool (one pool is
the simplest case), any totals within the bounds that add up to T can be carried, so the
leximin totals are ``X_i = clip(λ · t_i, lo_i, hi_i)`` with λ chosen so that Σ X_i = T:
ministries off their bounds all share one ratio λ to their target. ``clip`` is continuous and
non-decreasing in λ, so λ is found exactly, in fractions, between two breakpoints
``lo_i / t_i`` or ``hi_i / t_i``.

**Totals the pools can carry.** When some carrier has no weight in some pool, the same
clipped totals are still the leximin optimum whenever the pools can carry them, that is when
cells on the allowed (ministry, pool) pairs can give every ministry its total and every pool
its amount. They are the optimum over every set of totals within the bounds that adds up to T,
whichever pool each euro comes from; the totals the pools can carry are a part of that set,
and these totals lie in it. Whether they can be carried is a max-flow from the pools to the
ministries, exact in whole numbers (``can_carry``). When they cannot, the LP rounds decide.

**Cells.** When moreover every non-empty pool has the same weight profile (each pool's
weights proportional to every other's, so ``t_ip = t_i · P_p / T``), splitting each total in
proportion to the ministry's targets, ``x_ip = X_i · t_ip / t_i``, puts every cell of a
ministry at that ministry's relative deviation. That is leximin: a ministry's cells average
its deviation, so at least one deviates as much, and all do only if all deviate equally.

The engine takes these paths when their condition holds (checked exactly), and still runs
the first LP round for the marginals its report explains; the exact checks and the totals'
optimality certificate run as on every other path.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TypeVar

from allocation.budget import UNLIMITED, Budget
from allocation.flows import SINK, SOURCE, MaxFlow
from allocation.model import Cell, Problem


def has_closed_form(problem: Problem) -> bool:
    """True when every ministry with a target has weight in every non-empty pool."""
    carriers = [m for m in problem.ministries if problem.target(m) > 0]
    pools = [pool.name for pool in problem.pools if pool.amount > 0]
    allowed = {(cell.ministry, cell.pool) for cell in problem.allowed}
    return all((m, p) in allowed for m in carriers for p in pools)


def carried_totals(problem: Problem, *, budget: Budget = UNLIMITED) -> dict[str, Fraction] | None:
    """The clipped totals when they are the leximin optimum: always with every carrier in every
    pool, else when the pools can carry them; None when only the LP rounds can tell.

    >>> from allocation.scenario import parse_scenario
    >>> from allocation.model import build_problem
    >>> doc = {"year": 2027, "base": 100, "weights": {"A": 1, "B": 1},
    ...        "variable": [{"channel": "c", "rate_per_contact": 1, "contacts": 100,
    ...                      "weights": {"A": 1}}]}
    >>> {m: str(v / 100) for m, v in carried_totals(build_problem(parse_scenario(doc))).items()}
    {'A': '150', 'B': '50'}
    >>> doc["constraints"] = {"ceilings": {"A": 90}}
    >>> carried_totals(build_problem(parse_scenario(doc))) is None
    True
    """
    totals = clipped_totals(problem)
    if has_closed_form(problem):
        carried = sum(totals.values()) == problem.total
    else:
        carried = can_carry(problem, totals, budget=budget)
    return totals if carried else None


def can_carry(problem: Problem, totals: dict[str, Fraction], *, budget: Budget = UNLIMITED) -> bool:
    """True when cells ``x ≥ 0`` on the allowed cells give every ministry exactly its total
    and every pool exactly its amount.

    A max-flow from the pools (each sending its amount) through the allowed cells to the
    ministries (each taking its total), in whole numbers: everything is first multiplied by
    the totals' common denominator, so the test is exact and cheap.

    >>> from allocation.scenario import parse_scenario
    >>> from allocation.model import build_problem
    >>> doc = {"year": 2027, "base": 100, "weights": {"A": 1, "B": 1},
    ...        "variable": [{"channel": "c", "rate_per_contact": 1, "contacts": 100,
    ...                      "weights": {"A": 1}}]}
    >>> p = build_problem(parse_scenario(doc))
    >>> can_carry(p, {"A": Fraction(15000), "B": Fraction(5000)})
    True
    >>> can_carry(p, {"A": Fraction(9000), "B": Fraction(11000)})
    False
    """
    if sum(totals.values()) != problem.total:
        return False
    scale = math.lcm(*(total.denominator for total in totals.values()))
    ministry_node = {m: index for index, m in enumerate(problem.ministries)}
    pool_node = {pool.name: len(ministry_node) + index for index, pool in enumerate(problem.pools)}
    arcs: dict[int, dict[int, int]] = {}
    for pool in problem.pools:
        arcs.setdefault(SOURCE, {})[pool_node[pool.name]] = pool.amount * scale
    for cell in problem.allowed:
        arcs.setdefault(pool_node[cell.pool], {})[ministry_node[cell.ministry]] = (
            problem.pool(cell.pool).amount * scale
        )
    wanted = 0
    for ministry, total in totals.items():
        units = total.numerator * (scale // total.denominator)
        wanted += units
        if units:
            arcs.setdefault(ministry_node[ministry], {})[SINK] = units
    return MaxFlow(arcs, noise=0, budget=budget).run() == wanted


def clipped_totals(problem: Problem) -> dict[str, Fraction]:
    """``clip(λ t_i, lo_i, hi_i)`` summing to T; assumes the bounds are feasible.

    >>> from allocation.scenario import parse_scenario
    >>> from allocation.model import build_problem
    >>> doc = {"year": 2027, "base": 100, "weights": {"A": 1, "B": 1, "C": 2},
    ...        "constraints": {"ceilings": {"C": 40}}}
    >>> {m: str(v / 100) for m, v in clipped_totals(build_problem(parse_scenario(doc))).items()}
    {'A': '30', 'B': '30', 'C': '40'}
    """
    carriers = [m for m in problem.ministries if problem.target(m) > 0]
    ratio = _ratio(problem, carriers)
    totals = {m: Fraction(0) for m in problem.ministries}
    for ministry in carriers:
        totals[ministry] = _clip(problem, ministry, ratio=ratio)
    return totals


def _clip(problem: Problem, ministry: str, *, ratio: Fraction) -> Fraction:
    value = max(ratio * problem.target(ministry), Fraction(problem.lower(ministry)))
    upper = problem.upper(ministry)
    return value if upper is None else min(value, Fraction(upper))


def _sum_at(problem: Problem, carriers: list[str], *, ratio: Fraction) -> Fraction:
    return sum((_clip(problem, m, ratio=ratio) for m in carriers), Fraction(0))


def _ratio(problem: Problem, carriers: list[str]) -> Fraction:
    """λ with Σ clip(λ t_i) = T: proposed in floats and confirmed exactly, else by bisection.

    Any λ with that sum gives the same totals: where the sum is flat, every carrier sits on a
    bound.
    """
    found = _ratio_from_floats(problem, carriers)
    return found if found is not None else _ratio_by_bisection(problem, carriers)


def _ratio_from_floats(problem: Problem, carriers: list[str]) -> Fraction | None:
    """λ from the carriers a float λ puts on their bounds; None if the floats misjudged one.

    With the carriers at their lower bounds L and upper bounds U fixed there, λ solves
    ``Σ_L lo_i + Σ_U hi_i + λ Σ_free t_i = T`` exactly; it is confirmed when every carrier is
    where the floats put it: ``λ t_i ≤ lo_i`` in L, ``λ t_i ≥ hi_i`` in U, between the two
    otherwise. The sum is then T by construction.
    """
    rows = []
    for ministry in carriers:
        upper = problem.upper(ministry)
        rows.append((problem.target(ministry), problem.lower(ministry), upper))
    as_float = [
        (float(target), float(low), None if high is None else float(high))
        for target, low, high in rows
    ]
    total = float(problem.total)

    def sum_at(ratio: float) -> float:
        found = 0.0
        for target, low, high in as_float:
            value = max(ratio * target, low)
            found += value if high is None else min(value, high)
        return found

    points = sorted(
        {0.0}
        | {low / target for target, low, _ in as_float}
        | {high / target for target, _, high in as_float if high is not None}
    )
    start = _segment_start(points, lambda ratio: sum_at(ratio) < total)
    slope = sum(
        target
        for target, low, high in as_float
        if start * target >= low and (high is None or start * target < high)
    )
    ratio = start if slope == 0 else start + (total - sum_at(start)) / slope
    fixed, free, placed = 0, Fraction(0), []
    for (target, low, high), (float_target, _, _) in zip(rows, as_float, strict=True):
        at = ratio * float_target
        side = -1 if at <= low else 1 if high is not None and at >= high else 0
        placed.append(side)
        if side < 0:
            fixed += low
        elif side > 0:
            assert high is not None
            fixed += high
        else:
            free += target
    if free == 0:
        return None
    exact = (problem.total - fixed) / free
    for (target, low, high), side in zip(rows, placed, strict=True):
        value = exact * target
        if side < 0 and value > low:
            return None
        if side > 0 and high is not None and value < high:
            return None
        if side == 0 and (value < low or (high is not None and value > high)):
            return None
    return exact


def _ratio_by_bisection(problem: Problem, carriers: list[str]) -> Fraction:
    """λ exactly: the segment between breakpoints found by bisection (the sum is
    non-decreasing in λ), then λ on it."""
    total = Fraction(problem.total)
    points = {Fraction(0)}
    for ministry in carriers:
        target = problem.target(ministry)
        points.add(Fraction(problem.lower(ministry)) / target)
        upper = problem.upper(ministry)
        if upper is not None:
            points.add(Fraction(upper) / target)
    low = _segment_start(
        sorted(points), lambda ratio: _sum_at(problem, carriers, ratio=ratio) < total
    )
    slope = sum(
        (problem.target(m) for m in carriers if _is_free_above(problem, m, ratio=low)),
        Fraction(0),
    )
    return low if slope == 0 else low + (total - _sum_at(problem, carriers, ratio=low)) / slope


Ratio = TypeVar("Ratio", float, Fraction)


def _segment_start(points: Sequence[Ratio], below: Callable[[Ratio], bool]) -> Ratio:
    """The breakpoint that starts the segment on which the sum reaches T, by bisection (the
    sum is non-decreasing in λ): the one before the first breakpoint after 0 where the sum is
    no longer ``below`` T; past the last one the segment is unbounded."""
    first, last = 1, len(points)
    while first < last:
        middle = (first + last) // 2
        if below(points[middle]):
            first = middle + 1
        else:
            last = middle
    return points[first - 1]


def _is_free_above(problem: Problem, ministry: str, *, ratio: Fraction) -> bool:
    """True when clip(λ t_i) still grows just above ``ratio``."""
    target = problem.target(ministry)
    upper = problem.upper(ministry)
    above_lower = ratio * target >= problem.lower(ministry)
    below_upper = upper is None or ratio * target < upper
    return above_lower and below_upper


def has_one_profile(problem: Problem) -> bool:
    """True when the closed form applies to the totals and every non-empty pool's weights are
    proportional to every other's: ``t_ip · T = t_i · P_p`` for every cell, exactly.

    >>> from allocation.scenario import parse_scenario
    >>> from allocation.model import build_problem
    >>> doc = {"year": 2027, "base": 100, "weights": {"A": 1, "B": 3},
    ...        "variable": [{"channel": "c", "rate_per_contact": 1, "contacts": 8}]}
    >>> has_one_profile(build_problem(parse_scenario(doc)))
    True
    """
    if problem.total == 0 or not has_closed_form(problem):
        return False
    for cell in problem.allowed:
        share = problem.pool(cell.pool).amount
        if problem.cell_targets[cell] * problem.total != problem.target(cell.ministry) * share:
            return False
    return True


def profile_cells(problem: Problem, totals: dict[str, Fraction]) -> dict[Cell, Fraction]:
    """Each total split in proportion to the ministry's targets: ``x_ip = X_i · t_ip / t_i``."""
    cells = {cell: Fraction(0) for cell in problem.cells()}
    for cell in problem.allowed:
        cells[cell] = (
            totals[cell.ministry] * problem.cell_targets[cell] / problem.target(cell.ministry)
        )
    return cells
