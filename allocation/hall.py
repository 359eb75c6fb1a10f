"""The ministry totals' leximin in exact fractions, by Hall's conditions over sets of pools.

Totals X can be carried by the pools exactly when, for every set Q of pools, the ministries
with weight in Q can take Q's amount, ``P(Q) ≤ Σ_{i touches Q} X_i``, and the ministries with
weight only in Q can be served by it, ``Σ_{i inside Q} X_i ≤ P(Q)`` (Hall's theorem, as in
``allocation.diagnose``). At a level z a free ministry's total may lie anywhere in
``[max(lo, t(1 − z)), min(hi, t(1 + z))]``; the smallest level at which every condition can
hold is found by Dinkelbach's method over the conditions, each solved for z exactly. The
ministries in a condition that is tight at that level are fixed at their end of the interval
(they are there in every split of that level), and the rest go on to the next level.

No LP and no tolerance: every step is exact. It enumerates the 2^P sets of pools, so it serves
as the engine's fallback when the LP rounds cannot resolve the totals (pools or targets many
orders of magnitude apart) and there are at most ``ENUMERATION_LIMIT`` pools.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

from allocation.budget import UNLIMITED, Budget
from allocation.diagnose import ENUMERATION_LIMIT
from allocation.errors import ExactnessError
from allocation.model import Problem


def applies(problem: Problem) -> bool:
    """True when the non-empty pools are few enough to enumerate their sets."""
    return sum(1 for pool in problem.pools if pool.amount > 0) <= ENUMERATION_LIMIT


class _Totals:
    """The conditions of one problem and the totals fixed so far."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        pools = [pool for pool in problem.pools if pool.amount > 0]
        bit = {pool.name: 1 << index for index, pool in enumerate(pools)}
        self.masks = range(1, 1 << len(pools))
        self.amount = [0] * (1 << len(pools))
        for mask in self.masks:
            self.amount[mask] = sum(p.amount for p in pools if bit[p.name] & mask)
        self.reach: dict[str, int] = {}
        for cell in problem.allowed:
            if cell.pool in bit:
                self.reach[cell.ministry] = self.reach.get(cell.ministry, 0) | bit[cell.pool]
        self.fixed: dict[str, Fraction] = {}
        self.free: list[str] = []
        for ministry in problem.ministries:
            if problem.target(ministry) == 0:
                self.fixed[ministry] = Fraction(0)
            elif problem.is_pinned(ministry):
                self.fixed[ministry] = Fraction(problem.lower(ministry))
            else:
                self.free.append(ministry)

    # --- a ministry's interval at level z ---

    def low(self, ministry: str, level: Fraction) -> Fraction:
        if ministry in self.fixed:
            return self.fixed[ministry]
        target = self.problem.target(ministry)
        return max(Fraction(self.problem.lower(ministry)), target * max(Fraction(0), 1 - level))

    def up(self, ministry: str, level: Fraction) -> Fraction:
        if ministry in self.fixed:
            return self.fixed[ministry]
        value = self.problem.target(ministry) * (1 + level)
        upper = self.problem.upper(ministry)
        return value if upper is None else min(value, Fraction(upper))

    def breakpoints(self, ministries: Sequence[str]) -> list[Fraction]:
        """Levels where some interval end changes slope: at a bound, and where t(1 − z) = 0."""
        points = {Fraction(0), Fraction(1)}
        for ministry in ministries:
            if ministry in self.fixed:
                continue
            target = self.problem.target(ministry)
            upper = self.problem.upper(ministry)
            points.add(max(Fraction(0), Fraction(self.problem.lower(ministry)) / target - 1))
            points.add(max(Fraction(0), 1 - Fraction(self.problem.lower(ministry)) / target))
            if upper is not None:
                points.add(max(Fraction(0), Fraction(upper) / target - 1))
                points.add(max(Fraction(0), 1 - Fraction(upper) / target))
        return sorted(points)

    # --- the conditions ---

    def touching(self, mask: int) -> list[str]:
        return [m for m, reach in self.reach.items() if reach & mask]

    def inside(self, mask: int) -> list[str]:
        return [m for m, reach in self.reach.items() if reach & ~mask == 0]

    def worst(self, level: Fraction) -> tuple[Fraction, int, bool]:
        """The most violated condition at ``level``: by how much, its pools, carry or serve."""
        ups = {m: self.up(m, level) for m in self.reach}
        lows = {m: self.low(m, level) for m in self.reach}
        worst: tuple[Fraction, int, bool] = (Fraction(0), 0, True)
        for mask in self.masks:
            carry = self.amount[mask] - sum((ups[m] for m in self.touching(mask)), Fraction(0))
            serve = sum((lows[m] for m in self.inside(mask)), Fraction(0)) - self.amount[mask]
            if carry > worst[0]:
                worst = (carry, mask, True)
            if serve > worst[0]:
                worst = (serve, mask, False)
        for ministry in self.free:
            gap = lows[ministry] - ups[ministry]
            if gap > worst[0]:
                worst = (gap, 0, True)
        return worst

    def own_level(self, ministry: str) -> Fraction:
        """The level a ministry's own bounds force: its interval is empty below it."""
        target = self.problem.target(ministry)
        upper = self.problem.upper(ministry)
        forced = max(Fraction(0), Fraction(self.problem.lower(ministry)) / target - 1)
        if upper is not None:
            forced = max(forced, 1 - Fraction(upper) / target)
        return forced

    def level_of(self, mask: int, carry: bool) -> Fraction:
        """The smallest level at which the condition holds, solved exactly piece by piece."""
        if carry:
            members = self.touching(mask)

            def slack(level: Fraction) -> Fraction:
                return sum((self.up(m, level) for m in members), Fraction(0)) - self.amount[mask]

        else:
            members = self.inside(mask)

            def slack(level: Fraction) -> Fraction:
                return self.amount[mask] - sum((self.low(m, level) for m in members), Fraction(0))

        return _first_level(slack, self.breakpoints(members))

    def tight(self, level: Fraction) -> dict[str, Fraction]:
        """Free ministries forced at ``level``: fixed ends of every tight condition."""
        found: dict[str, Fraction] = {}
        for mask in self.masks:
            members = [m for m in self.touching(mask) if m not in self.fixed]
            ups = sum((self.up(m, level) for m in self.touching(mask)), Fraction(0))
            if members and ups == self.amount[mask]:
                found.update({m: self.up(m, level) for m in members})
            inner = [m for m in self.inside(mask) if m not in self.fixed]
            lows = sum((self.low(m, level) for m in self.inside(mask)), Fraction(0))
            if inner and lows == self.amount[mask]:
                for m in inner:
                    if m in found and found[m] != self.low(m, level):
                        raise ExactnessError(f"{m} is forced to both ends of its interval")
                    found[m] = self.low(m, level)
        for ministry in self.free:
            if self.low(ministry, level) == self.up(ministry, level):
                found.setdefault(ministry, self.low(ministry, level))
        return found


def _first_level(slack: Callable[[Fraction], Fraction], points: Sequence[Fraction]) -> Fraction:
    """The smallest z ≥ 0 with ``slack(z) ≥ 0``, for a non-decreasing piecewise-linear slack."""
    previous = points[0]
    if slack(previous) >= 0:
        return previous
    for point in [*points[1:], points[-1] + 1]:
        here = slack(point)
        if here >= 0:
            before = slack(previous)
            return previous + (point - previous) * (-before) / (here - before)
        previous = point
    rise = slack(previous + 1) - slack(previous)
    if rise <= 0:
        raise ExactnessError("no level lets the totals meet a condition")
    return previous + 1 + (-slack(previous + 1)) / rise


def exact_totals(problem: Problem, *, budget: Budget = UNLIMITED) -> dict[str, Fraction]:
    """The leximin ministry totals, exactly; assumes the bounds are feasible (``diagnose``).

    >>> from allocation.scenario import parse_scenario
    >>> from allocation.model import build_problem
    >>> doc = {"year": 2027, "base": 100, "weights": {"A": 1, "B": 1},
    ...        "constraints": {"ceilings": {"A": 20}}}
    >>> exact_totals(build_problem(parse_scenario(doc)))
    {'A': Fraction(2000, 1), 'B': Fraction(8000, 1)}
    """
    state = _Totals(problem)
    while state.free:
        level = max(state.own_level(m) for m in state.free)
        while True:
            budget.check()
            violation, mask, carry = state.worst(level)
            if violation <= 0:
                break
            raised = level_for(state, mask, carry)
            if raised <= level:
                raise ExactnessError("a violated condition does not raise the level")
            level = raised
        forced = state.tight(level)
        if not forced:
            raise ExactnessError("no ministry is forced at the level the totals reach")
        state.fixed.update(forced)
        state.free = [m for m in state.free if m not in forced]
    return {m: state.fixed[m] for m in problem.ministries}


def level_for(state: _Totals, mask: int, carry: bool) -> Fraction:
    """The level a violated condition forces (a ministry's own interval when ``mask`` is 0)."""
    if mask == 0:
        return max(state.own_level(m) for m in state.free)
    return state.level_of(mask, carry)
