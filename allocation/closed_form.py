"""The closed form of the constrained rule where it provably applies.

**Totals.** When every ministry with a target has weight in every non-empty pool (one pool is
the simplest case), any totals within the bounds that add up to T can be carried, so the
leximin totals are ``X_i = clip(λ · t_i, lo_i, hi_i)`` with λ chosen so that Σ X_i = T:
ministries off their bounds all share one ratio λ to their target. ``clip`` is continuous and
non-decreasing in λ, so λ is found exactly, in fractions, between two breakpoints
``lo_i / t_i`` or ``hi_i / t_i``.

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

from fractions import Fraction

from allocation.model import Cell, Problem


def has_closed_form(problem: Problem) -> bool:
    """True when every ministry with a target has weight in every non-empty pool."""
    carriers = [m for m in problem.ministries if problem.target(m) > 0]
    pools = [pool.name for pool in problem.pools if pool.amount > 0]
    allowed = set(problem.allowed)
    return all(
        any(cell.ministry == m and cell.pool == p for cell in allowed)
        for m in carriers
        for p in pools
    )


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
    """λ with Σ clip(λ t_i) = T, by walking the sorted breakpoints."""
    total = Fraction(problem.total)
    points = {Fraction(0)}
    for ministry in carriers:
        target = problem.target(ministry)
        points.add(Fraction(problem.lower(ministry)) / target)
        upper = problem.upper(ministry)
        if upper is not None:
            points.add(Fraction(upper) / target)
    ordered = sorted(points)
    for low, high in zip(ordered, [*ordered[1:], None], strict=True):
        at_low = _sum_at(problem, carriers, ratio=low)
        if high is not None and _sum_at(problem, carriers, ratio=high) < total:
            continue
        slope = sum(
            (problem.target(m) for m in carriers if _is_free_above(problem, m, ratio=low)),
            Fraction(0),
        )
        return low if slope == 0 else low + (total - at_low) / slope
    raise ValueError("the bounds cannot reach T")


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
