"""The baseline: the same leximin LPs solved with bare highspy, in floats, nothing else.

Ogryczak's rounds as a plain implementation would run them: the totals first (minimise the
largest relative deviation, block the ministries whose deviation row has a non-zero dual,
hold them at that level, repeat), then the cells with the totals fixed, by the same rounds.
One highspy model per stage built from arrays, warm-started between rounds; no PuLP, no
fractions, no recovery, no certificate, no rounding to cents, no report. It is what the
engine's LPs cost by themselves, and what ``bench/engine.py`` compares ``allocate()`` to.
Not a test: nothing is asserted, and its floats are not an allocation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import highspy

from allocation.model import Problem

TOLERANCE = 1e-9
INFINITY = highspy.kHighsInf


class _Rounds:
    """One stage's LP: ratio columns, the level z, fixed rows, deviation rows per item."""

    def __init__(self, columns: int) -> None:
        self.model = highspy.Highs()
        self.model.setOptionValue("output_flag", False)
        self.model.setOptionValue("presolve", "off")
        self.model.setOptionValue("threads", 1)
        self.model.addVars(columns + 1, [0.0] * (columns + 1), [INFINITY] * (columns + 1))
        self.level = columns
        self.model.changeColsCost(1, [self.level], [1.0])
        self.rows = 0

    def add_rows(
        self,
        rows: Sequence[tuple[Sequence[tuple[int, float]], float, float]],
    ) -> list[int]:
        """Rows ``low ≤ Σ coefficient·column ≤ high`` in bulk; their indices."""
        starts, indices, values, lows, highs = [], [], [], [], []
        for terms, low, high in rows:
            starts.append(len(indices))
            for column, coefficient in terms:
                indices.append(column)
                values.append(coefficient)
            lows.append(low)
            highs.append(high)
        self.model.addRows(len(starts), lows, highs, len(indices), starts, indices, values)
        first = self.rows
        self.rows += len(starts)
        return list(range(first, self.rows))

    def run(self, items: Sequence[Sequence[tuple[int, float]]]) -> None:
        """Rounds until every item is held; an item is its ratio as terms over columns."""
        deviation = self.add_rows(
            [
                row
                for terms in items
                for row in (
                    ([*terms, (self.level, -1.0)], -INFINITY, 1.0),
                    ([*terms, (self.level, 1.0)], 1.0, INFINITY),
                )
            ]
        )
        free = set(range(len(items)))
        while free:
            self.model.run()
            solution = self.model.getSolution()
            level = solution.col_value[self.level]
            duals = solution.row_dual
            blocked = {
                k
                for k in free
                if abs(duals[deviation[2 * k]]) > TOLERANCE
                or abs(duals[deviation[2 * k + 1]]) > TOLERANCE
            }
            if not blocked:
                blocked = set(free)
            for k in blocked:
                for row, bounds in (
                    (deviation[2 * k], (-INFINITY, 1.0 + level)),
                    (deviation[2 * k + 1], (1.0 - level, INFINITY)),
                ):
                    self.model.changeCoeff(row, self.level, 0.0)
                    self.model.changeRowBounds(row, *bounds)
            free -= blocked

    def ratios(self) -> list[float]:
        return list(self.model.getSolution().col_value)[: self.level]


def bare_leximin(problem: Problem) -> list[float]:
    """The cells' ratios to target after both stages of rounds (floats)."""
    cells = problem.allowed
    column = {cell: k for k, cell in enumerate(cells)}
    target = [float(problem.cell_targets[cell]) for cell in cells]
    ministry_target = {m: float(problem.target(m)) for m in problem.ministries}
    totals = _Rounds(len(cells))
    pools: dict[str, list[int]] = {}
    mine: dict[str, list[int]] = {}
    for cell, k in column.items():
        pools.setdefault(cell.pool, []).append(k)
        mine.setdefault(cell.ministry, []).append(k)
    pool_rows: list[Any] = []
    for name, members in pools.items():
        scale = sum(target[k] for k in members)
        share = problem.pool(name).amount / scale
        pool_rows.append(([(k, target[k] / scale) for k in members], share, share))
    totals.add_rows(pool_rows)
    bounds = []
    for ministry, members in mine.items():
        scale = ministry_target[ministry]
        terms = [(k, target[k] / scale) for k in members]
        upper = problem.upper(ministry)
        high = INFINITY if upper is None else upper / scale
        bounds.append((terms, problem.lower(ministry) / scale, high))
    totals.add_rows(bounds)
    free = [m for m in mine if not problem.is_pinned(m)]
    totals.run([[(k, target[k] / ministry_target[m]) for k in mine[m]] for m in free])
    ratio = totals.ratios()
    cells_lp = _Rounds(len(cells))
    cells_lp.add_rows(pool_rows)
    fixed = []
    for ministry, members in mine.items():
        scale = ministry_target[ministry]
        total = sum(target[k] * ratio[k] for k in members) / scale
        fixed.append(([(k, target[k] / scale) for k in members], total, total))
    cells_lp.add_rows(fixed)
    cells_lp.run([[(k, 1.0)] for k in range(len(cells))])
    return cells_lp.ratios()
