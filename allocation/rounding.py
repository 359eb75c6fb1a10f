"""Stage 4: from exact fractions of cents to whole cents, without breaking anything.

Every cell becomes the floor or the ceiling of its exact value; every pool still sums to its
amount; every ministry total becomes the floor or the ceiling of its exact total (so integer
bounds that held exactly still hold); the totals add up to T. Such a rounding of a 2-D table
always exists (the exact table is a feasible fractional flow, so an integral one exists).

Which values round up is decided by largest remainder, greedily, in a fixed order:

* ministry totals: larger exact remainder first, then larger target, then ministry code in
  Unicode order; a ministry is rounded up when a consistent rounding of its cells still exists;
* cells: larger exact remainder first, then larger target, then ministry code, then pool name;
  a cell is rounded up when the margins fixed so far can still be met.

Input order never matters. With six equal weights on €5,000,000.00 each exact total is
€833,333.33⅓; two cents are left over and go to BZ and BZK, first in code order.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

from allocation.budget import UNLIMITED, Budget
from allocation.errors import ExactnessError
from allocation.model import Cell, Problem

Key = TypeVar("Key", bound=Hashable)


def largest_remainder(
    values: Mapping[Key, Fraction], total: int, *, order: Callable[[Key], tuple[object, ...]]
) -> dict[Key, int]:
    """Round exact values to integers summing to ``total``: larger remainders round up first.

    Ties go by ``order`` (ascending). ``total`` must equal the exact sum rounded to an integer
    between the sum of floors and the sum of ceilings.

    >>> largest_remainder({"a": Fraction(1, 2), "b": Fraction(1, 2)}, 1, order=lambda k: (k,))
    {'a': 1, 'b': 0}
    """
    floors = {key: math.floor(value) for key, value in values.items()}
    spare = total - sum(floors.values())
    ranked = sorted(values, key=lambda key: (-(values[key] - floors[key]), *order(key)))
    if not 0 <= spare <= sum(1 for key in values if values[key] != floors[key]):
        raise ExactnessError(f"cannot round to a total of {total}")
    for key in ranked[:spare]:
        floors[key] += 1
    return floors


@dataclass(frozen=True, slots=True)
class RoundedAllocation:
    """Whole cents per cell and per ministry."""

    cells: Mapping[Cell, int]
    totals: Mapping[str, int]


def round_allocation(
    problem: Problem, cells: Mapping[Cell, Fraction], *, budget: Budget = UNLIMITED
) -> RoundedAllocation:
    """Round an exact allocation to cents, keeping pools exact and totals within a cent.

    >>> from allocation.scenario import parse_scenario
    >>> from allocation.model import build_problem
    >>> doc = {"year": 2027, "base": "0.02", "weights": {"A": 1, "B": 1, "C": 1}}
    >>> p = build_problem(parse_scenario(doc))
    >>> round_allocation(p, dict(p.cell_targets)).totals
    {'A': 1, 'B': 1, 'C': 0}
    """
    table = _TableRounding(problem, cells, budget=budget)
    table.decide_totals()
    table.decide_cells()
    return table.result()


def _fraction_part(value: Fraction) -> Fraction:
    return value - math.floor(value)


Node = tuple[str, str]  # ("m", ministry) or ("p", pool)
Step = tuple[Cell, bool]  # the cell, and True to round it up, False to round it back down


class _TableRounding:
    """Chooses which cells round up: a b-matching between pools and ministries.

    ``up`` is the current set of cells rounded up. Each pool needs exactly ``need[p]`` of
    them; each ministry between ``low[m]`` and ``high[m]``. Changes keep every count valid by
    flipping alternating paths found breadth-first in a fixed order.
    """

    def __init__(self, problem: Problem, cells: Mapping[Cell, Fraction], *, budget: Budget) -> None:
        self.problem = problem
        self.budget = budget
        self.exact = {cell: Fraction(cells.get(cell, 0)) for cell in problem.cells()}
        self.cell_order = sorted(
            (c for c, v in self.exact.items() if _fraction_part(v)), key=self._cell_rank
        )
        self.totals = {m: Fraction(0) for m in problem.ministries}
        for cell, value in self.exact.items():
            self.totals[cell.ministry] += value
        floors = {cell: math.floor(value) for cell, value in self.exact.items()}
        self.floors = floors
        self.need = {p.name: p.amount for p in problem.pools}
        self.low = {m: math.floor(v) for m, v in self.totals.items()}
        for cell, floor in floors.items():
            self.need[cell.pool] -= floor
            self.low[cell.ministry] -= floor
        self.high = {
            m: self.low[m] + (1 if _fraction_part(v) else 0) for m, v in self.totals.items()
        }
        self.up: set[Cell] = set()
        self.locked: set[Cell] = set()
        self.forbidden: set[Cell] = set()
        self.count: dict[Node, int] = {}
        self.edges: dict[Node, list[Cell]] = {}
        for cell in self.cell_order:
            self.edges.setdefault(("m", cell.ministry), []).append(cell)
            self.edges.setdefault(("p", cell.pool), []).append(cell)
        self._start()

    def _cell_rank(self, cell: Cell) -> tuple[object, ...]:
        value = self.exact[cell]
        target = self.problem.cell_targets[cell]
        return (-_fraction_part(value), -target, cell.ministry, cell.pool)

    def _ministry_rank(self, ministry: str) -> tuple[object, ...]:
        return (-_fraction_part(self.totals[ministry]), -self.problem.target(ministry), ministry)

    # --- counts and moves ---

    def _degree(self, node: Node) -> int:
        return self.count.get(node, 0)

    def _flip(self, cell: Cell, raise_it: bool) -> None:
        delta = 1 if raise_it else -1
        if raise_it:
            self.up.add(cell)
        else:
            self.up.discard(cell)
        for node in (("m", cell.ministry), ("p", cell.pool)):
            self.count[node] = self._degree(node) + delta

    def _apply(self, path: Sequence[Step]) -> None:
        for cell, raise_it in path:
            self._flip(cell, raise_it)

    def _moves(self, node: Node, raise_it: bool, *, skip: Cell | None) -> list[tuple[Cell, Node]]:
        moves = []
        for cell in self.edges.get(node, []):
            if cell == skip:
                continue
            if raise_it and cell not in self.up and cell not in self.forbidden:
                pass
            elif not raise_it and cell in self.up and cell not in self.locked:
                pass
            else:
                continue
            other: Node = ("p", cell.pool) if node[0] == "m" else ("m", cell.ministry)
            moves.append((cell, other))
        return moves

    def _search(
        self,
        start: Node,
        *,
        raise_first: bool,
        is_end: Callable[[Node, bool], bool],
        skip: Cell | None = None,
    ) -> list[Step] | None:
        """Shortest alternating path from ``start``; ``is_end(node, arrived_by_raise)``."""
        seen = {(start, raise_first)}
        previous: dict[tuple[Node, bool], tuple[tuple[Node, bool], Cell]] = {}
        queue = deque([(start, raise_first)])
        while queue:
            state = queue.popleft()
            node, raise_it = state
            for cell, other in self._moves(node, raise_it, skip=skip):
                following = (other, not raise_it)
                if following in seen:
                    continue
                seen.add(following)
                previous[following] = (state, cell)
                if is_end(other, raise_it):
                    return self._trace(previous, following)
                queue.append(following)
        return None

    @staticmethod
    def _trace(
        previous: Mapping[tuple[Node, bool], tuple[tuple[Node, bool], Cell]],
        state: tuple[Node, bool],
    ) -> list[Step]:
        path: list[Step] = []
        while state in previous:
            earlier, cell = previous[state]
            path.append((cell, earlier[1]))
            state = earlier
        return path[::-1]

    # --- phases ---

    def _start(self) -> None:
        """A first valid choice: greedy in rank order, then repaired by augmenting paths."""
        for cell in self.cell_order:
            if (
                self._degree(("p", cell.pool)) < self.need[cell.pool]
                and self._degree(("m", cell.ministry)) < self.high[cell.ministry]
            ):
                self._flip(cell, True)
        for name in sorted(self.need):
            while self._degree(("p", name)) < self.need[name]:
                self._augment_pool(name)
        for ministry in sorted(self.low):
            while self._degree(("m", ministry)) < self.low[ministry]:
                if not self._raise(ministry, lambda m: self._degree(m) > self.low[m[1]]):
                    raise ExactnessError(f"no rounding of {ministry}'s total to cents exists")

    def _augment_pool(self, name: str) -> None:
        def has_room(node: Node, arrived_by_raise: bool) -> bool:
            return node[0] == "m" and arrived_by_raise and self._degree(node) < self.high[node[1]]

        path = self._search(("p", name), raise_first=True, is_end=has_room)
        if path is None:
            raise ExactnessError(f"no rounding of pool {name} to whole cents exists")
        self._apply(path)

    def _raise(self, ministry: str, can_give: Callable[[Node], bool]) -> bool:
        def is_end(node: Node, arrived_by_raise: bool) -> bool:
            return (
                node[0] == "m" and not arrived_by_raise and node[1] != ministry and can_give(node)
            )

        path = self._search(("m", ministry), raise_first=True, is_end=is_end)
        if path is None:
            return False
        self._apply(path)
        return True

    def decide_totals(self) -> None:
        """Ministries in rank order: round up if a consistent table still exists."""
        undecided = {m for m in self.totals if self.high[m] > self.low[m]}
        for ministry in sorted(undecided, key=self._ministry_rank):
            self.budget.check()
            undecided.discard(ministry)
            node: Node = ("m", ministry)
            if self._degree(node) == self.high[ministry] or self._raise(
                ministry,
                lambda m: m[1] in undecided and self._degree(m) == self.high[m[1]],
            ):
                self.low[ministry] = self.high[ministry]
            else:
                self.high[ministry] = self.low[ministry]

    def decide_cells(self) -> None:
        """Cells in rank order: round up if the fixed margins can still be met."""
        for cell in self.cell_order:
            self.budget.check()
            if cell in self.up:
                self.locked.add(cell)
                continue
            pool: Node = ("p", cell.pool)

            def closes(node: Node, arrived_by_raise: bool, *, pool: Node = pool) -> bool:
                return node == pool and not arrived_by_raise

            path = self._search(("m", cell.ministry), raise_first=False, is_end=closes, skip=cell)
            if path is None:
                self.forbidden.add(cell)
                continue
            self._apply([(cell, True), *path])
            self.locked.add(cell)

    def result(self) -> RoundedAllocation:
        cells = {c: self.floors[c] + (1 if c in self.up else 0) for c in self.exact}
        totals = dict.fromkeys(self.problem.ministries, 0)
        for cell, cents in cells.items():
            totals[cell.ministry] += cents
        for ministry, cents in totals.items():
            exact = self.totals[ministry]
            if not math.floor(exact) <= cents <= math.ceil(exact):
                raise ExactnessError(f"rounding moved {ministry} by more than a cent")
        for pool in self.problem.pools:
            if sum(cells[Cell(m, pool.name)] for m in self.problem.ministries) != pool.amount:
                raise ExactnessError(f"rounding broke pool {pool.name}")
        return RoundedAllocation(cells, totals)
