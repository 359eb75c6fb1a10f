"""The cells' leximin split by exact cuts, once the ministry totals are fixed.

The cells left open by ``exact.peel_forced_cells`` must add up to what each ministry and each
pool still has to place. They are split part by part, a part being a connected set of open
cells, by one step repeated:

* At a level z the cells of a part fit within ``t(1 - z) ≤ x ≤ t(1 + z)`` (and ``x ≥ 0``)
  unless a *cut* forbids it (Gale, Hoffman): ministries S and pools Q of the part such that S
  must place more than Q's amounts and S's cells in the other pools can take. Each cut bounds
  the level from below by a ratio of exact sums, so the smallest level that fits is the largest
  such ratio.
* An elastic LP (``model.elastic_lp``) at level z says whether the cells fit. If they do not, a
  breadth-first search over the cells that can still move finds a violated cut, whose ratio is
  the next, higher, z (Dinkelbach's method). Once they fit, the last cut is tight: its crossing
  cells sit on their bounds in every split of that level, so they are fixed at exactly
  ``t(1 ± z)``, z being the cut's exact ratio, and the part falls apart along the cut.
* Exact arithmetic decides. A cut's level is computed in fractions; the amounts left for the
  new parts must balance exactly; no part may end above its parent's level. Together the cuts
  are the certificate: each proves no split does better at its level, and the split found
  shows the level is reached. An LP that misjudged a level by less than its tolerance shows up
  as an imbalance, whose own cut then raises the level.

Floats only propose cuts. A fixed cell enters later solves at its exact value, so nothing
drifts however many levels there are. Where the work goes:

* a part of at most ``FLOW_CELLS`` cells is tested by a max-flow in Python
  (``allocation.flows``), larger parts by one elastic LP solve for all of them together;
* a cell alone in a row of its part is forced and fixed at once;
* a run of ministries that each block alone (common: a ministry's own level does not move
  when others are fixed) is verified by one solve and then cut one by one;
* without an LP (``solver`` None) every test is an exact max-flow: slow, immune to scale, the
  fallback when the floats cannot resolve a problem.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TypeVar

from allocation.budget import UNLIMITED, Budget
from allocation.errors import SolverError
from allocation.exact import Margins
from allocation.flows import shortfall_cut
from allocation.leximin import Attempt
from allocation.model import Cell, Problem, ScaledRow, Sense, elastic_lp, scaled_row
from allocation.solve import (
    ElasticOutcome,
    FreshElastic,
    WarmElastic,
    elastic_solver,
    reported_precision,
)

Number = TypeVar("Number", float, Fraction)
Amount = TypeVar("Amount", float, Fraction)
Weight = TypeVar("Weight", float, int)

NOISE = 1e-14
"""Slack in the elastic LP below this is rounding; above it, the LP's cut is tried."""

FLOW_CELLS = 60
"""Parts with at most this many open cells are settled by max-flows in floats, not the LP:
for a few dozen cells a flow in Python is cheaper than a solve."""

FLOW_NOISE = 1e-12
"""In the float max-flow, shortfalls below this share of the amounts are rounding."""

MAX_BATCH = 64
"""The most ministries one solve may verify as blocking one after another."""

LAZY_CELLS = 4 * FLOW_CELLS
"""The larger side of a cut is grouped again only when it has at most this many cells."""

FLOAT_STEP = 1e-12
"""A float cut must raise the level by more than this share to count as progress."""


def lowest_level(needed: Number, up: Number, down: Number) -> Number | None:
    """The smallest z ≥ 0 with ``needed ≤ up·(1 + z) − down·max(0, 1 − z)``; None if none.

    A cut must place ``needed`` through cells that can rise (targets summing to ``up``) and
    cells that can fall (targets summing to ``down``).

    >>> lowest_level(Fraction(3), Fraction(2), Fraction(0)), lowest_level(1.0, 2.0, 1.0)
    (Fraction(1, 2), 0.0)
    """
    if needed <= up - down:
        return up * 0
    if needed <= 2 * up:
        return (needed - up + down) / (up + down)
    if up > 0:
        return needed / up - 1
    return None


def _lowest_in_units(
    numerator: int, denominator: int, up: int, down: int, unit: int
) -> Fraction | None:
    """``lowest_level(needed, up / unit, down / unit)`` for ``needed = numerator / denominator``,
    in whole numbers up to the one fraction it returns.

    >>> _lowest_in_units(3, 1, 2, 0, 1), lowest_level(Fraction(3), Fraction(2), Fraction(0))
    (Fraction(1, 2), Fraction(1, 2))
    """
    scaled = numerator * unit
    if scaled <= (up - down) * denominator:
        return Fraction(0)
    if scaled <= 2 * up * denominator:
        return Fraction(scaled - (up - down) * denominator, (up + down) * denominator)
    if up > 0:
        return Fraction(scaled - up * denominator, up * denominator)
    return None


def _orient_in_units(needed: Fraction, up: int, down: int, unit: int) -> tuple[Fraction, int]:
    """``_orient`` for exact amounts and targets in whole units: the same fractions."""
    numerator, denominator = needed.numerator, needed.denominator
    rise = _lowest_in_units(numerator, denominator, up, down, unit)
    fall = _lowest_in_units(-numerator, denominator, down, up, unit)
    if rise is None or fall is None:
        raise SolverError("a cut no level can meet: the totals cannot be split")
    return (rise, 1) if rise >= fall else (fall, -1)


def _bound_ratio(level: Fraction, *, rise: bool) -> Fraction:
    """A blocked cell's ratio to its target: ``1 + z`` rising, ``1 − z`` (not below 0) falling."""
    if rise:
        return 1 + level
    return 1 - level if level < 1 else Fraction(0)


def _orient(needed: Number, up: Number, down: Number) -> tuple[Number, int]:
    """The level a cut forces either way: +1 if its ministries must rise, -1 if they fall."""
    rise = lowest_level(needed, up, down)
    fall = lowest_level(-needed, down, up)
    if rise is None or fall is None:
        raise SolverError("a cut no level can meet: the totals cannot be split")
    return (rise, 1) if rise >= fall else (fall, -1)


@dataclass(slots=True)
class _Part:
    """A connected set of open cells, the level tried for it and the cut behind that level."""

    cells: list[int]
    nodes: list[int]
    ceiling: Fraction | None
    level: float = 0.0
    side: frozenset[int] | None = None
    fresh: bool = True
    batch: list[tuple[int, Fraction, int]] = field(default_factory=list)
    """Ministries proposed to block one after the other, each alone, with level and side."""


class _Split:
    """The state of one split: exact amounts left per row, fixed cells, the elastic LP."""

    def __init__(
        self,
        problem: Problem,
        margins: Margins,
        *,
        solver: str | None,
        attempt: Attempt,
        budget: Budget,
    ) -> None:
        self.budget = budget
        self.cells = margins.cells
        names = [*(f"total__{m}" for m in margins.rows), *(f"pool__{p}" for p in margins.pools)]
        amounts = [*margins.rows.values(), *margins.pools.values()]
        node_of = {name: index for index, name in enumerate(names)}
        self.is_pool = [name.startswith("pool__") for name in names]
        self.ends = [
            (node_of[f"total__{cell.ministry}"], node_of[f"pool__{cell.pool}"])
            for cell in self.cells
        ]
        self.target = [problem.cell_targets[cell] for cell in self.cells]
        self.target_float = [float(target) for target in self.target]
        # Targets as whole multiples of one unit, 1 / (their common denominator): sums of
        # targets are then sums of integers.
        self.unit = math.lcm(*(target.denominator for target in self.target)) if self.target else 1
        self.units = [
            target.numerator * (self.unit // target.denominator) for target in self.target
        ]
        self.residual = list(amounts)
        self.residual_float = [float(amount) for amount in amounts]
        self.open_cells: list[set[int]] = [set() for _ in names]
        for index, (ministry, pool) in enumerate(self.ends):
            self.open_cells[ministry].add(index)
            self.open_cells[pool].add(index)
        self.open_target = [sum(self.target_float[k] for k in cells) for cells in self.open_cells]
        self.problem, self.names, self.amounts = problem, names, amounts
        self.solver, self.attempt = solver, attempt
        self.lp: WarmElastic | FreshElastic | None = None
        self.tolerance = max(attempt.tolerance, reported_precision(solver or "highs"))
        self.values: dict[int, Fraction] = {}
        self.pending: dict[int, float] = {}
        self.parent = list(range(len(names)))
        self.batch_size = 8

    def _elastic(self) -> WarmElastic | FreshElastic:
        """The elastic LP over every open cell, built the first time a part needs it."""
        if self.lp is None:
            assert self.solver is not None
            rows: list[ScaledRow] = []
            members_of: list[list[int]] = [[] for _ in self.names]
            for index, (ministry, pool) in enumerate(self.ends):
                members_of[ministry].append(index)
                members_of[pool].append(index)
            for name, amount, members in zip(self.names, self.amounts, members_of, strict=True):
                row = scaled_row(
                    self.problem,
                    name,
                    cells=[self.cells[k] for k in members],
                    sense=Sense.EQUAL,
                    amount=amount,
                )
                if row is None:
                    raise SolverError(f"row {name} has no open cell")
                rows.append(row)
            elastic = elastic_lp(self.cells, rows)
            self.lp = elastic_solver(elastic, self.solver, tight=self.attempt.tight)
            for cell, value in self.values.items():
                self.pending[cell] = float(value / self.target[cell])
        return self.lp

    # --- the loop ------------------------------------------------------------------------

    def run(self) -> dict[Cell, Fraction]:
        """Split every part until every open cell is fixed; the exact values."""
        try:
            return self._run()
        finally:
            if self.lp is not None:
                self.lp.close()
                self.lp = None

    def _run(self) -> dict[Cell, Fraction]:
        every = self._components(range(len(self.cells)))
        parts = [self._part(cells, ceiling=None) for cells in every]
        parts = [piece for part in parts for piece in self._peeled(part)]
        for part in parts:
            balance = sum(
                (-self.residual[n] if self.is_pool[n] else self.residual[n] for n in part.nodes),
                Fraction(0),
            )
            if balance:
                raise SolverError("the totals do not add up to the pools they can carry")
        while parts:
            self.budget.check()
            exact = self.solver is None
            small = [p for p in parts if exact or len(p.cells) <= FLOW_CELLS]
            large = [p for p in parts if not exact and len(p.cells) > FLOW_CELLS]
            following = [child for part in small for child in self._settle(part, exact=exact)]
            if large:
                outcome = self._solve(large)
                following += [child for part in large for child in self._advance(part, outcome)]
            parts = following
        return {self.cells[index]: value for index, value in self.values.items()}

    def _settle(self, part: _Part, *, exact: bool) -> list[_Part]:
        """Dinkelbach's steps for one part with max-flows, in floats or in fractions."""
        level: float | Fraction = part.level
        if exact:
            level, part.side = Fraction(0), None
            for node in part.nodes:
                own, _ = self._level(part, frozenset({node}))
                if own > level:
                    level, part.side = own, frozenset({node})
        while (side := self._violation(part, level, exact=exact)) is not None:
            self.budget.check()
            raised = self._level(part, side)[0] if exact else self._float_level(part, side)
            if raised <= level * (1 + FLOAT_STEP if not exact else 1):
                if exact:
                    raise SolverError("an exact cut does not raise the level")
                break
            level, part.side = raised, side
        part.level = float(level)
        if part.side is None:
            return self._fix_at_target(part)
        return self._cut(part)

    def _violation(
        self, part: _Part, level: float | Fraction, *, exact: bool
    ) -> frozenset[int] | None:
        """The rows of a cut violated at ``level``, by a max-flow; None if all cells fit.

        Pools send what is left of them, above their cells' lower bounds, to ministries
        through their cells (up to each cell's room between its bounds). When the flow cannot
        meet every ministry, the rows the source cannot reach form a violated cut. In floats,
        shortfalls below a relative ``FLOW_NOISE`` count as rounding.
        """
        if exact:
            assert isinstance(level, Fraction)
            return self._flow_cut(part, level, self.residual, self.target, Fraction(0))
        scale = max(abs(self.residual_float[n]) for n in part.nodes)
        return self._flow_cut(
            part, float(level), self.residual_float, self.target_float, scale * FLOW_NOISE
        )

    def _flow_cut(
        self,
        part: _Part,
        level: Number,
        residual: Sequence[Number],
        target: Sequence[Number],
        noise: Number,
    ) -> frozenset[int] | None:
        cells: list[tuple[int, int, Number]] = []
        for cell in part.cells:
            ministry, pool = self.ends[cell]
            cells.append((ministry, pool, target[cell]))
        need = {node: residual[node] for node in part.nodes}
        pools = {node for node in part.nodes if self.is_pool[node]}
        return shortfall_cut(cells, need, pools=pools, level=level, noise=noise, budget=self.budget)

    def _solve(self, parts: Sequence[_Part]) -> ElasticOutcome:
        columns, low, high = [], [], []
        for column, ratio in self.pending.items():
            columns.append(column)
            low.append(ratio)
            high.append(ratio)
        self.pending.clear()
        for part in parts:
            if part.fresh:
                part.fresh = False
                part.batch = self._batch(part)
            level = float(part.batch[-1][1]) if part.batch else part.level
            lower, upper = max(0.0, 1.0 - level), 1.0 + level
            free = part.cells
            if part.batch:
                # A batch's ministries are fixed at their own levels, the rest share one.
                held: set[int] = set()
                for node, exact, rise in part.batch:
                    ratio = float(_bound_ratio(exact, rise=rise > 0))
                    held |= self.open_cells[node]
                    columns += self.open_cells[node]
                    low += [ratio] * len(self.open_cells[node])
                    high += [ratio] * len(self.open_cells[node])
                free = [cell for cell in part.cells if cell not in held]
            columns += free
            low += [lower] * len(free)
            high += [upper] * len(free)
        return self._elastic().solve(columns, low, high, budget=self.budget)

    def _batch(self, part: _Part) -> list[tuple[int, Fraction, int]]:
        """Ministries that may block one after another, each alone: tried in one solve.

        A ministry's own level (its amount left against its open targets) does not change
        when another ministry's cells are fixed, so if the part fits with the first k such
        ministries fixed at their own levels and the rest within the k-th level, each of them
        in turn is the tight cut at its level. Long runs of such levels are common; the batch
        grows while it holds and shrinks when it does not.
        """
        if part.side is None or self.batch_size < 2 or len(part.cells) <= FLOW_CELLS:
            return []
        (first,) = part.side
        if self.is_pool[first]:
            return []
        candidates = []
        for node in part.nodes:
            target = self.open_target[node]
            if not self.is_pool[node] and target > 0:
                candidates.append((abs(self.residual_float[node] / target - 1), node))
        candidates.sort(reverse=True)
        batch: list[tuple[int, Fraction, int]] = []
        for _, node in candidates[: self.batch_size]:
            level, rise = self._level(part, frozenset({node}))
            if level == 0 or (batch and level > batch[-1][1]):
                break
            batch.append((node, level, rise))
        if len(batch) < 2 or batch[0][0] != first:
            return []
        return batch

    def _advance(self, part: _Part, outcome: ElasticOutcome) -> list[_Part]:
        """Raise the part's level by a violated cut, or fix its tight cut and split it."""
        slack = sum(outcome.shortfalls[n] + outcome.excesses[n] for n in part.nodes)
        if part.batch:
            batch, part.batch = part.batch, []
            if slack > NOISE:
                self.batch_size = max(2, self.batch_size // 2)
                return [part]
            self.batch_size = min(2 * self.batch_size, MAX_BATCH)
            return self._commit(part, batch)
        if slack > NOISE:
            side = self._violated_side(part, outcome)
            level = self._float_level(part, side)
            if level > part.level * (1 + 1e-12):
                part.level, part.side = level, side
                return [part]
            if slack > self.tolerance:
                raise SolverError(
                    "the LP found no cut that raises the level; its answers are noise"
                )
        if part.side is None:
            return self._fix_at_target(part)
        return self._cut(part)

    def _commit(self, part: _Part, batch: Sequence[tuple[int, Fraction, int]]) -> list[_Part]:
        """Block a verified batch ministry by ministry, each as its own exact cut.

        Stops early if a ministry's own level is no longer what the solve verified (a cell
        forced in its row changed it) or a cut does not come out as planned.
        """
        done: list[_Part] = []
        current: _Part | None = part
        for index, (node, level, _) in enumerate(batch):
            if current is None or node not in current.nodes:
                break
            if self._level(current, frozenset({node}))[0] != level:
                break
            current.side, current.level = frozenset({node}), float(level)
            children = self._cut(current)
            if children == [current]:
                return [*done, current]
            following = batch[index + 1][0] if index + 1 < len(batch) else None
            holder = next((c for c in children if following in c.nodes), None)
            done += [child for child in children if child is not holder]
            current = holder
        return done if current is None else [*done, current]

    # --- cuts ----------------------------------------------------------------------------

    def _violated_side(self, part: _Part, outcome: ElasticOutcome) -> frozenset[int]:
        """Rows reachable from the worst-placed rows along cells that can still move.

        A ministry short of its amount can take more of a pool through a cell below its upper
        bound; a pool given too much can hand some back through a cell above its lower bound.
        With the LP optimal, what is reachable forms a violated cut.
        """
        short = {
            n: outcome.excesses[n] if self.is_pool[n] else outcome.shortfalls[n] for n in part.nodes
        }
        worst = max(short.values())
        start = [n for n, amount in short.items() if amount >= worst * 1e-3 and amount > 0]
        lower, upper = max(0.0, 1.0 - part.level), 1.0 + part.level
        room = self.tolerance
        seen = set(start)
        stack = list(start)
        while stack:
            node = stack.pop()
            pool = self.is_pool[node]
            for cell in self.open_cells[node]:
                ratio = outcome.ratios[cell]
                movable = ratio > lower + room if pool else ratio < upper - room
                other = self.ends[cell][0] if pool else self.ends[cell][1]
                if movable and other not in seen:
                    seen.add(other)
                    stack.append(other)
        return frozenset(seen)

    def _level(self, part: _Part, side: frozenset[int]) -> tuple[Fraction, int]:
        """The level a cut forces, exactly, and +1 if its own ministries must rise (-1: fall)."""
        needed, up, down = self._sums(part, side, self.residual, Fraction(0), self.units, 0)
        return _orient_in_units(needed, up, down, self.unit)

    def _float_level(self, part: _Part, side: frozenset[int]) -> float:
        """The level a cut forces, in floats: enough to choose the next level to try."""
        sums = self._sums(part, side, self.residual_float, 0.0, self.target_float, 0.0)
        return _orient(*sums)[0]

    def _sums(
        self,
        part: _Part,
        side: frozenset[int],
        residual: Sequence[Amount],
        nothing: Amount,
        target: Sequence[Weight],
        none: Weight,
    ) -> tuple[Amount, Weight, Weight]:
        """What the cut must place, and the targets of its rising and falling crossing cells.

        Summed over whichever of the cut and its complement touches fewer cells.
        """
        outside = frozenset(n for n in part.nodes if n not in side)
        flip = sum(len(self.open_cells[n]) for n in outside) < sum(
            len(self.open_cells[n]) for n in side
        )
        nodes = outside if flip else side
        needed, up, down = nothing, none, none
        for node in nodes:
            if self.is_pool[node]:
                needed -= residual[node]
            else:
                needed += residual[node]
            for cell in self.open_cells[node]:
                ministry, pool = self.ends[cell]
                if node == ministry and pool not in nodes:
                    up += target[cell]
                elif node == pool and ministry not in nodes:
                    down += target[cell]
        return (-needed, down, up) if flip else (needed, up, down)

    def _cut(self, part: _Part) -> list[_Part]:
        """Fix the tight cut's crossing cells at the exact level and split what is left."""
        assert part.side is not None
        level, orientation = self._level(part, part.side)
        if part.ceiling is not None and level > part.ceiling:
            raise SolverError("a part's level came out above its parent's")
        rising: list[int] = []
        falling: list[int] = []
        for node in part.side:
            for cell in self.open_cells[node]:
                ministry, pool = self.ends[cell]
                if node == ministry and pool not in part.side:
                    (rising if orientation > 0 else falling).append(cell)
                elif node == pool and ministry not in part.side:
                    (falling if orientation > 0 else rising).append(cell)
        if level >= 1:
            change = self._change(rising, [], level)
            ratios = {**dict.fromkeys(rising, 1 + level), **dict.fromkeys(falling, Fraction(0))}
        else:
            change = self._change(rising, falling, level)
            ratios = {**dict.fromkeys(rising, 1 + level), **dict.fromkeys(falling, 1 - level)}
        fixed = set(ratios)
        groups = self._groups(part, fixed)
        imbalance = self._imbalanced(part, change, groups)
        if imbalance is not None:
            raised, _ = self._level(part, imbalance)
            if raised <= level:
                raise SolverError("the amounts left after a cut do not balance")
            part.level, part.side = float(raised), imbalance
            return [part]
        self._fix(ratios, change)
        children = [self._part(group, ceiling=level) for group in groups]
        return [piece for child in children for piece in self._peeled(child)]

    def _change(
        self, rising: Sequence[int], falling: Sequence[int], level: Fraction
    ) -> dict[int, Fraction]:
        """What the fixed cells take from each row: targets summed first, the level once.

        A rising cell takes ``t(1 + z)``, a falling one ``t(1 − z)``; per row that is
        ``Σt + z·(Σt_rising − Σt_falling)``, one product with the level instead of one per cell.
        """
        base: dict[int, int] = {}
        slope: dict[int, int] = {}
        for cells, sign in ((rising, 1), (falling, -1)):
            for cell in cells:
                target = self.units[cell]
                for node in self.ends[cell]:
                    base[node] = base.get(node, 0) + target
                    slope[node] = slope.get(node, 0) + sign * target
        # With z = p / q each row's take is (Σt·q + (Σt_rising − Σt_falling)·p) / (unit·q):
        # whole numbers up to one division, instead of three operations on fractions.
        p, q = level.numerator, level.denominator
        below = self.unit * q
        return {node: Fraction(base[node] * q + slope[node] * p, below) for node in base}

    def _imbalanced(
        self, part: _Part, change: Mapping[int, Fraction], groups: Sequence[list[int]]
    ) -> frozenset[int] | None:
        """A set of rows whose amounts left would not balance exactly, if any.

        The part balances as a whole, so the largest group balances when the others do and
        only they are summed; a row left without open cells must have nothing left.
        """
        covered: set[int] = set()
        sets = [{node for cell in group for node in self.ends[cell]} for group in groups]
        for nodes in sets:
            covered |= nodes
        largest = max(range(len(sets)), key=lambda k: len(sets[k]), default=-1)
        for index, nodes in enumerate(sets):
            if index == largest:
                continue
            balance = Fraction(0)
            for n in nodes:
                left = self.residual[n] - change.get(n, 0)
                balance = balance - left if self.is_pool[n] else balance + left
            if balance:
                return frozenset(nodes)
        for node in part.nodes:
            if node not in covered and self.residual[node] != change.get(node, 0):
                return frozenset({node})
        return None

    # --- bookkeeping ---------------------------------------------------------------------

    def _fix_at_target(self, part: _Part) -> list[_Part]:
        ratios = dict.fromkeys(part.cells, Fraction(1))
        change = self._change(part.cells, [], Fraction(0))
        if self._imbalanced(part, change, []) is not None:
            raise SolverError("the cells fit at their targets in the LP but not exactly")
        self._fix(ratios, change)
        return []

    def _fix(self, ratios: Mapping[int, Fraction], change: Mapping[int, Fraction]) -> None:
        """Fix cells at ``ratio × target`` and take ``change`` from their rows."""
        as_float: dict[int, float] = {}  # by identity: hashing a fraction is dear
        for cell, ratio in ratios.items():
            self.values[cell] = self.target[cell] * ratio
            if id(ratio) not in as_float:
                as_float[id(ratio)] = float(ratio)
            self.pending[cell] = as_float[id(ratio)]
            for node in self.ends[cell]:
                self.open_cells[node].discard(cell)
                self.open_target[node] -= self.target_float[cell]
        for node, taken in change.items():
            self.residual[node] -= taken
            self.residual_float[node] = float(self.residual[node])

    def _part(self, cells: list[int], *, ceiling: Fraction | None) -> _Part:
        """A new part, starting at the largest level a single row forces on its own."""
        nodes = sorted({node for cell in cells for node in self.ends[cell]})
        part = _Part(cells, nodes, ceiling)
        best = 0.0
        for node in nodes:
            amount, target = self.residual_float[node], self.open_target[node]
            level = abs(amount / target - 1) if target > 0 else 0.0
            if level > best:
                best, part.side = level, frozenset({node})
        part.level = best
        return part

    def _peeled(self, part: _Part) -> list[_Part]:
        """Fix every cell alone in a row of the part (it takes that row's amount), repeatedly.

        Such a cell is forced, whatever the level; what is left may fall apart. A forced cell
        deviating more than the parent's level would contradict that level: refused.
        """
        leaves = [n for n in part.nodes if len(self.open_cells[n]) == 1]
        if not leaves:
            return [part]
        while leaves:
            node = leaves.pop()
            if len(self.open_cells[node]) != 1:
                continue
            (cell,) = self.open_cells[node]
            value = self.residual[node]
            ratio = value / self.target[cell]
            if value < 0 or (part.ceiling is not None and abs(ratio - 1) > part.ceiling):
                raise SolverError("a cell forced by its row breaks the level of its part")
            other = self.ends[cell][1] if self.ends[cell][0] == node else self.ends[cell][0]
            self._fix({cell: ratio}, {node: value, other: value})
            if not self.open_cells[other] and self.residual[other] != 0:
                raise SolverError("a row is left with an amount and no cell to carry it")
            if len(self.open_cells[other]) == 1:
                leaves.append(other)
        left = [cell for cell in part.cells if cell not in self.values]
        return [self._part(group, ceiling=part.ceiling) for group in self._components(left)]

    def _groups(self, part: _Part, fixed: set[int]) -> list[list[int]]:
        """What is left of a part after its cut, in connected groups.

        No cell joins the cut to the rest any more, so each side is grouped on its own; a
        large rest is kept whole (grouping it would cost as much as the LP solve that splits
        it next), which is safe: its pieces share a level until a cut separates them.
        """
        side = part.side or frozenset()
        inside: list[int] = []
        rest: list[int] = []
        for cell in part.cells:
            if cell not in fixed:
                (inside if self.ends[cell][0] in side else rest).append(cell)
        small, large = sorted((inside, rest), key=len)
        if len(large) <= LAZY_CELLS:
            return self._components(small) + self._components(large)
        return [*self._components(small), large]

    def _components(self, cells: Iterable[int]) -> list[list[int]]:
        """The connected groups of ``cells`` (through shared rows), by union-find."""
        parent = self.parent
        members = list(cells)
        touched = []
        for cell in members:
            a, b = self.ends[cell]
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            while parent[b] != b:
                parent[b] = parent[parent[b]]
                b = parent[b]
            if a != b:
                parent[a] = b
                touched.append(a)
        groups: dict[int, list[int]] = {}
        for cell in members:
            root = self.ends[cell][0]
            while parent[root] != root:
                root = parent[root]
            groups.setdefault(root, []).append(cell)
        for node in touched:
            parent[node] = node
        return list(groups.values())


def leximin_cells(
    problem: Problem,
    margins: Margins,
    *,
    solver: str | None,
    attempt: Attempt,
    budget: Budget = UNLIMITED,
) -> dict[Cell, Fraction]:
    """The exact leximin split of the open cells of ``margins``; raises ``SolverError``.

    ``solver`` None uses exact max-flows instead of an LP: slower, but immune to scale.

    >>> from allocation.scenario import parse_scenario
    >>> from allocation.model import build_problem
    >>> from allocation.exact import peel_forced_cells
    >>> from allocation.leximin import ATTEMPTS
    >>> doc = {"year": 2027, "base": 100, "weights": {"A": 1, "B": 1},
    ...        "variable": [{"channel": "c", "rate_per_contact": 1, "contacts": 100}]}
    >>> p = build_problem(parse_scenario(doc))
    >>> margins = peel_forced_cells(p, {"A": Fraction(15000), "B": Fraction(5000)})
    >>> cells = leximin_cells(p, margins, solver="highs", attempt=ATTEMPTS[0])
    >>> sorted((c.ministry, c.pool, str(v)) for c, v in cells.items())
    [('A', 'base', '7500'), ('A', 'c', '7500'), ('B', 'base', '2500'), ('B', 'c', '2500')]
    """
    return _Split(problem, margins, solver=solver, attempt=attempt, budget=budget).run()
