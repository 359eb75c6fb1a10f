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
    problem: Problem,
    cells: Mapping[Cell, Fraction],
    *,
    totals: Mapping[str, Fraction] | None = None,
    budget: Budget = UNLIMITED,
) -> RoundedAllocation:
    """Round an exact allocation to cents, keeping pools exact and totals within a cent.

    ``totals`` are the exact ministry totals when the caller has them (else they are summed).

    >>> from allocation.scenario import parse_scenario
    >>> from allocation.model import build_problem
    >>> doc = {"year": 2027, "base": "0.02", "weights": {"A": 1, "B": 1, "C": 1}}
    >>> p = build_problem(parse_scenario(doc))
    >>> round_allocation(p, dict(p.cell_targets)).totals
    {'A': 1, 'B': 1, 'C': 0}
    """
    table = _TableRounding(problem, cells, totals=totals, budget=budget)
    table.decide_totals()
    table.decide_cells()
    return table.result()


def _fraction_part(value: Fraction) -> Fraction:
    return value - math.floor(value)


Step = tuple[Cell, bool]  # the cell, and True to round it up, False to round it back down
State = tuple[int, bool]  # a row (ministry or pool, by number), and whether it raises next


class _TableRounding:
    """Chooses which cells round up: a b-matching between pools and ministries.

    ``up`` is the current set of cells rounded up. Each pool needs exactly ``need[p]`` of
    them; each ministry between ``low[m]`` and ``high[m]``. Changes keep every count valid by
    flipping alternating paths found breadth-first in a fixed order.

    Rows are numbered (ministries first, then pools) and, per row, the rows it can reach by
    raising or by lowering one cell are kept as bit masks, so a search touches each row once
    instead of every cell: the same paths, found in the same order, at a fraction of the cost.
    """

    def __init__(
        self,
        problem: Problem,
        cells: Mapping[Cell, Fraction],
        *,
        totals: Mapping[str, Fraction] | None,
        budget: Budget,
    ) -> None:
        self.problem = problem
        self.budget = budget
        zero = Fraction(0)
        self.exact: dict[Cell, Fraction] = {}
        floors: dict[Cell, int] = {}
        self.remainder: dict[Cell, Fraction] = {}
        for cell in problem.cells():
            value = cells.get(cell, zero)
            if not isinstance(value, Fraction):
                value = Fraction(value)
            self.exact[cell] = value
            floor = value.numerator // value.denominator
            floors[cell] = floor
            if value.denominator != 1:
                self.remainder[cell] = value - floor
        self.cell_order = self._ordered_cells()
        if totals is None:
            summed = {m: Fraction(0) for m in problem.ministries}
            for cell, value in self.exact.items():
                summed[cell.ministry] += value
            totals = summed
        self.totals = {m: Fraction(totals[m]) for m in problem.ministries}
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
        self.names = [*problem.ministries, *(pool.name for pool in problem.pools)]
        self.row_of = {("m", m): i for i, m in enumerate(problem.ministries)}
        offset = len(problem.ministries)
        self.row_of.update({("p", p.name): offset + j for j, p in enumerate(problem.pools)})
        self.count = [0] * len(self.names)
        self.ends: dict[Cell, tuple[int, int]] = {}
        self.between: list[dict[int, Cell]] = [{} for _ in self.names]
        self.rank: dict[Cell, int] = {}
        self.raisable = [0] * len(self.names)
        self.lowerable = [0] * len(self.names)
        for index, cell in enumerate(self.cell_order):
            ministry, pool = self.row_of[("m", cell.ministry)], self.row_of[("p", cell.pool)]
            self.ends[cell] = (ministry, pool)
            self.between[ministry][pool] = cell
            self.between[pool][ministry] = cell
            self.rank[cell] = index
            self.raisable[ministry] |= 1 << pool
            self.raisable[pool] |= 1 << ministry
        self._start()

    def _ordered_cells(self) -> list[Cell]:
        """The cells with a remainder, by ``_cell_rank``.

        float() is monotone, so when no two remainders have the same float they are ordered
        by their floats alone, and the exact keys are only built where floats tie.
        """
        as_float = {cell: -float(remainder) for cell, remainder in self.remainder.items()}
        if len(set(as_float.values())) == len(as_float):
            return sorted(as_float, key=as_float.__getitem__)
        return sorted(self.remainder, key=self._cell_rank)

    def _cell_rank(self, cell: Cell) -> tuple[object, ...]:
        remainder = self.remainder[cell]
        target = self.problem.cell_targets[cell]
        # The float comes first only to spare exact comparisons: float() is monotone, so it
        # orders the same way wherever it differs, and ties fall through to the fractions.
        return (-float(remainder), -remainder, -target, cell.ministry, cell.pool)

    def _ministry_rank(self, ministry: str) -> tuple[object, ...]:
        remainder = _fraction_part(self.totals[ministry])
        return (-float(remainder), -remainder, -self.problem.target(ministry), ministry)

    # --- counts and moves ---

    def _degree(self, kind: str, name: str) -> int:
        return self.count[self.row_of[(kind, name)]]

    def _flip(self, cell: Cell, raise_it: bool) -> None:
        ministry, pool = self.ends[cell]
        if raise_it:
            self.up.add(cell)
            self._mark(cell, raisable=False, lowerable=cell not in self.locked)
        else:
            self.up.discard(cell)
            self._mark(cell, raisable=cell not in self.forbidden, lowerable=False)
        delta = 1 if raise_it else -1
        self.count[ministry] += delta
        self.count[pool] += delta

    def _mark(self, cell: Cell, *, raisable: bool, lowerable: bool) -> None:
        ministry, pool = self.ends[cell]
        for row, other in ((ministry, pool), (pool, ministry)):
            bit = 1 << other
            self.raisable[row] = self.raisable[row] | bit if raisable else self.raisable[row] & ~bit
            self.lowerable[row] = (
                self.lowerable[row] | bit if lowerable else self.lowerable[row] & ~bit
            )

    def _lock(self, cell: Cell) -> None:
        self.locked.add(cell)
        self._mark(cell, raisable=False, lowerable=False)

    def _forbid(self, cell: Cell) -> None:
        self.forbidden.add(cell)
        self._mark(cell, raisable=False, lowerable=False)

    def _apply(self, path: Sequence[Step]) -> None:
        for cell, raise_it in path:
            self._flip(cell, raise_it)

    def _search(
        self,
        start: int,
        *,
        raise_first: bool,
        ends: tuple[int, int],
        skip: Cell | None = None,
    ) -> list[Step] | None:
        """Shortest alternating path from row ``start`` to an end, breadth-first.

        ``ends[arrived_by_raise]`` is the bit mask of rows that end a path when reached by
        lowering (0) or raising (1) a cell. Rows are visited in the order cells are ranked,
        so the path found is the same as a search over the cells one by one would find.
        """
        skipped = self.ends[skip] if skip is not None else (-1, -1)
        if not self._reaches(start, raise_first=raise_first, ends=ends, skipped=skipped):
            return None
        seen = [0, 0]
        seen[raise_first] |= 1 << start
        previous: dict[State, tuple[State, Cell]] = {}
        queue = deque([(start, raise_first)])
        while queue:
            state = queue.popleft()
            row, raise_it = state
            following_flag = not raise_it
            reach = (self.raisable if raise_it else self.lowerable)[row]
            reach &= ~seen[following_flag]
            if row == skipped[0]:
                reach &= ~(1 << skipped[1])
            elif row == skipped[1]:
                reach &= ~(1 << skipped[0])
            if not reach:
                continue
            found = []
            while reach:
                low_bit = reach & -reach
                reach ^= low_bit
                other = low_bit.bit_length() - 1
                cell = self.between[row][other]
                found.append((self.rank[cell], other, cell))
            found.sort()
            end_mask = ends[raise_it]
            for _, other, cell in found:
                following = (other, following_flag)
                seen[following_flag] |= 1 << other
                previous[following] = (state, cell)
                if end_mask >> other & 1:
                    return self._trace(previous, following)
                queue.append(following)
        return None

    def _reaches(
        self, start: int, *, raise_first: bool, ends: tuple[int, int], skipped: tuple[int, int]
    ) -> bool:
        """Whether any end can be reached at all: whole layers at a time, as bit masks.

        Most searches of the cell phase find nothing; this answers them without tracking
        paths, and only a search that will succeed is run again in order.
        """
        seen = [0, 0]
        seen[raise_first] = frontier = 1 << start
        raise_it = raise_first
        while frontier:
            reach = 0
            moves = self.raisable if raise_it else self.lowerable
            rest = frontier
            while rest:
                low_bit = rest & -rest
                rest ^= low_bit
                row = low_bit.bit_length() - 1
                found = moves[row]
                if row == skipped[0]:
                    found &= ~(1 << skipped[1])
                elif row == skipped[1]:
                    found &= ~(1 << skipped[0])
                reach |= found
            following = not raise_it
            reach &= ~seen[following]
            if reach & ends[raise_it]:
                return True
            seen[following] |= reach
            frontier, raise_it = reach, following
        return False

    @staticmethod
    def _trace(previous: Mapping[State, tuple[State, Cell]], state: State) -> list[Step]:
        path: list[Step] = []
        while state in previous:
            earlier, cell = previous[state]
            path.append((cell, earlier[1]))
            state = earlier
        return path[::-1]

    def _ministries_where(self, keep: Callable[[str, int], bool]) -> int:
        """The bit mask of ministries for which ``keep(name, row)`` holds."""
        mask = 0
        for row, name in enumerate(self.problem.ministries):
            if keep(name, row):
                mask |= 1 << row
        return mask

    # --- phases ---

    def _start(self) -> None:
        """A first valid choice: greedy in rank order, then repaired by augmenting paths."""
        for cell in self.cell_order:
            if (
                self._degree("p", cell.pool) < self.need[cell.pool]
                and self._degree("m", cell.ministry) < self.high[cell.ministry]
            ):
                self._flip(cell, True)
        for name in sorted(self.need):
            while self._degree("p", name) < self.need[name]:
                self._augment_pool(name)
        for ministry in sorted(self.low):
            while self._degree("m", ministry) < self.low[ministry]:
                can_give = self._ministries_where(lambda m, row: self.count[row] > self.low[m])
                if not self._raise(ministry, can_give):
                    raise ExactnessError(f"no rounding of {ministry}'s total to cents exists")

    def _augment_pool(self, name: str) -> None:
        room = self._ministries_where(lambda m, row: self.count[row] < self.high[m])
        path = self._search(self.row_of[("p", name)], raise_first=True, ends=(0, room))
        if path is None:
            raise ExactnessError(f"no rounding of pool {name} to whole cents exists")
        self._apply(path)

    def _raise(self, ministry: str, can_give: int) -> bool:
        start = self.row_of[("m", ministry)]
        path = self._search(start, raise_first=True, ends=(can_give & ~(1 << start), 0))
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
            if self._degree("m", ministry) == self.high[ministry] or self._raise(
                ministry,
                self._ministries_where(
                    lambda m, row: m in undecided and self.count[row] == self.high[m]
                ),
            ):
                self.low[ministry] = self.high[ministry]
            else:
                self.high[ministry] = self.low[ministry]

    def decide_cells(self) -> None:
        """Cells in rank order: round up if the fixed margins can still be met."""
        for cell in self.cell_order:
            self.budget.check()
            if cell in self.up:
                self._lock(cell)
                continue
            ministry, pool = self.ends[cell]
            path = self._search(ministry, raise_first=False, ends=(1 << pool, 0), skip=cell)
            if path is None:
                self._forbid(cell)
                continue
            self._apply([(cell, True), *path])
            self._lock(cell)

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
