"""Max-flow tests of the cells' cuts: does a part fit at a level, and if not, which cut fails.

``allocation.cuts`` asks, for a part of the cells at level z, whether every cell can stay
within ``[t·max(0, 1 − z), t(1 + z)]`` while every row gets its amount. That is a flow:
pools send what is left of them above their cells' lower bounds through the cells (each up to
its room between its bounds) to the ministries, which must receive theirs. Edmonds–Karp finds
the most that can be sent; when it falls short, the rows the source cannot reach form a
violated cut. In fractions the test is exact; in floats, shortfalls below ``noise`` count as
rounding. Pure Python: for a part of a few dozen cells it is cheaper than an LP solve.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Mapping, Sequence
from fractions import Fraction
from typing import Generic, TypeVar

from allocation.budget import Budget

Number = TypeVar("Number", int, float, Fraction)

SOURCE, SINK = -1, -2


def shortfall_cut(
    cells: Sequence[tuple[int, int, Number]],
    need: Mapping[int, Number],
    *,
    pools: Collection[int],
    level: Number,
    noise: Number,
    budget: Budget,
) -> frozenset[int] | None:
    """The rows of a cut violated at ``level``, or None when every cell fits.

    ``cells`` are (ministry row, pool row, target); ``need`` what each row must still get;
    ``pools`` which rows are pools.

    >>> from allocation.budget import UNLIMITED
    >>> cells = [(0, 2, Fraction(1)), (1, 2, Fraction(1))]
    >>> need = {0: Fraction(3, 2), 1: Fraction(1, 2), 2: Fraction(2)}
    >>> shortfall_cut(cells, need, pools={2}, level=Fraction(1, 2), noise=Fraction(0),
    ...               budget=UNLIMITED) is None
    True
    >>> sorted(shortfall_cut(cells, need, pools={2}, level=Fraction(1, 4), noise=Fraction(0),
    ...                      budget=UNLIMITED))
    [1]
    """
    zero = noise - noise
    room: dict[int, dict[int, Number]] = {}
    left = dict(need)
    fall = 1 - level if level < 1 else zero
    for ministry, pool, target in cells:
        low = target * fall
        left[ministry] -= low
        left[pool] -= low
        room.setdefault(pool, {})[ministry] = target * (1 + level) - low
    short = [n for n, amount in left.items() if amount < -noise]
    if short:
        return frozenset({short[0]})
    flow = MaxFlow(room, noise=noise, budget=budget)
    for node, amount in left.items():
        if node in pools:
            flow.add(SOURCE, node, amount)
        else:
            flow.add(node, SINK, amount)
    wanted = sum((left[n] for n in left if n not in pools), zero)
    if flow.run() >= wanted - noise * len(left):
        return None
    reached = flow.reachable()
    return frozenset(n for n in left if n not in reached)


class MaxFlow(Generic[Number]):
    """Edmonds–Karp: shortest augmenting paths, found breadth-first.

    In fractions it is exact (``noise`` 0); in floats an arc with less room than ``noise``
    counts as full.
    """

    def __init__(
        self, arcs: Mapping[int, Mapping[int, Number]], *, noise: Number, budget: Budget
    ) -> None:
        self.budget = budget
        self.noise: Number = noise
        self.room: dict[int, dict[int, Number]] = {}
        for tail, heads in arcs.items():
            for head, capacity in heads.items():
                self.add(tail, head, capacity)

    def add(self, tail: int, head: int, capacity: Number) -> None:
        zero = capacity - capacity
        self.room.setdefault(tail, {})
        self.room.setdefault(head, {})
        self.room[tail][head] = self.room[tail].get(head, zero) + capacity
        self.room[head].setdefault(tail, zero)

    def run(self) -> Number:
        total = self._short_paths()
        while (path := self._path()) is not None:
            self.budget.check()
            pushed = min(self.room[a][b] for a, b in zip(path, path[1:], strict=False))
            for a, b in zip(path, path[1:], strict=False):
                self.room[a][b] -= pushed
                self.room[b][a] += pushed
            total += pushed
        return total

    def _short_paths(self) -> Number:
        """Push along every path source → a → b → sink first, without a search.

        The graphs here are bipartite (pools, then ministries), so most of the flow takes
        such a path; the breadth-first augmentations that follow only reroute the rest.
        """
        noise, room = self.noise, self.room
        total: Number = noise - noise
        source = room.get(SOURCE, {})
        for a in list(source):
            if a == SINK:
                continue
            for b, through in room[a].items():
                if source[a] <= noise:
                    break
                into = room[b].get(SINK) if b != SOURCE else None
                if into is None or through <= noise or into <= noise:
                    continue
                pushed = min(source[a], through, into)
                source[a] -= pushed
                room[a][SOURCE] += pushed
                room[a][b] -= pushed
                room[b][a] += pushed
                room[b][SINK] -= pushed
                room[SINK][b] += pushed
                total += pushed
        return total

    def _path(self) -> list[int] | None:
        previous = {SOURCE: SOURCE}
        queue = deque([SOURCE])
        noise = self.noise
        while queue:
            node = queue.popleft()
            for head, room in self.room.get(node, {}).items():
                if room > noise and head not in previous:
                    previous[head] = node
                    if head == SINK:
                        path = [SINK]
                        while path[-1] != SOURCE:
                            path.append(previous[path[-1]])
                        return path[::-1]
                    queue.append(head)
        return None

    def reachable(self) -> set[int]:
        seen = {SOURCE}
        queue = deque([SOURCE])
        while queue:
            node = queue.popleft()
            for head, room in self.room.get(node, {}).items():
                if room > self.noise and head not in seen:
                    seen.add(head)
                    queue.append(head)
        return seen
