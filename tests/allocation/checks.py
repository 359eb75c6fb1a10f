"""Independent checks of a constrained allocation, written apart from the engine's own.

They test necessary conditions of leximin optimality by brute force over small moves, in
exact fractions: no transfer between two ministries through a shared pool improves the
sorted deviation vector of the totals, and no 2×2 cycle of cells improves that of the cells.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from itertools import combinations, permutations

from allocation.model import Cell, Problem

STEP = Fraction(1, 10**6)


def _worse_or_equal(old: list[Fraction], new: list[Fraction]) -> bool:
    return sorted(new, reverse=True) >= sorted(old, reverse=True)


def improving_transfer(problem: Problem, cells: Mapping[Cell, Fraction]) -> str | None:
    """A ministry-to-ministry transfer through one pool that would improve the totals."""
    totals = {
        m: sum((cells[Cell(m, p.name)] for p in problem.pools), Fraction(0))
        for m in problem.ministries
    }
    allowed = set(problem.allowed)
    for giver, taker in permutations([m for m in problem.ministries if problem.target(m) > 0], 2):
        upper = problem.upper(taker)
        if totals[giver] - STEP < problem.lower(giver) or (
            upper is not None and totals[taker] + STEP > upper
        ):
            continue
        for pool in problem.pools:
            if Cell(taker, pool.name) in allowed and cells[Cell(giver, pool.name)] >= STEP:
                old = [_dev(totals[m], problem.target(m)) for m in (giver, taker)]
                new = [
                    _dev(totals[giver] - STEP, problem.target(giver)),
                    _dev(totals[taker] + STEP, problem.target(taker)),
                ]
                if not _worse_or_equal(old, new):
                    return f"{giver} → {taker} through {pool.name}"
    return None


def improving_cycle(problem: Problem, cells: Mapping[Cell, Fraction]) -> str | None:
    """A 2×2 cycle of cells (margins kept) that would improve the cells' deviations."""
    allowed = set(problem.allowed)
    targets = problem.cell_targets
    for first, second in combinations(problem.ministries, 2):
        for p, q in combinations([pool.name for pool in problem.pools], 2):
            cycle = [Cell(first, p), Cell(first, q), Cell(second, p), Cell(second, q)]
            if not all(cell in allowed for cell in cycle):
                continue
            for step in (STEP, -STEP):
                moved = [
                    cells[cycle[0]] + step,
                    cells[cycle[1]] - step,
                    cells[cycle[2]] - step,
                    cells[cycle[3]] + step,
                ]
                if min(moved) < 0:
                    continue
                old = [_dev(cells[c], targets[c]) for c in cycle]
                new = [_dev(v, targets[c]) for c, v in zip(cycle, moved, strict=True)]
                if not _worse_or_equal(old, new):
                    return f"cycle {first}/{second} over {p}/{q}"
    return None


def _dev(value: Fraction, target: Fraction) -> Fraction:
    return abs(value - target) / target
