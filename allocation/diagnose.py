"""Why the bounds cannot all be met, in euros, naming the smallest conflict we can find.

The feasible ministry totals are those a flow can deliver: pools send their amounts through
cells with weight to ministries, each taking between lo_i and hi_i. By Hoffman's circulation
theorem such a flow exists exactly when

* every ministry has lo_i ≤ hi_i (checked pair by pair: floor, fixed, ceiling, max_share),
* every set of pools can be carried by the ministries with weight in them, within their upper
  bounds (Hall's condition; the set of all pools is "upper bounds sum to less than T"), and
* every set of ministries can be served by the pools they have weight in, up to their lower
  bounds (the set of all ministries is "floors sum to more than T").

Checks run from the smallest conflicts up. With at most ``ENUMERATION_LIMIT`` pools every
set of pools is tried, so each reported set is minimal; beyond that a max-flow finds one.
An empty result means the constrained rule has a solution.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from itertools import combinations

from allocation.model import Problem
from allocation.money import euro_text

ENUMERATION_LIMIT = 12
MAX_PROBLEMS = 10


def diagnose(problem: Problem) -> tuple[str, ...]:
    """Every conflict found among the bounds, worded in euros; empty when feasible.

    >>> from allocation.scenario import parse_scenario
    >>> from allocation.model import build_problem
    >>> doc = {"year": 2027, "base": 100, "weights": {"A": 1, "B": 1},
    ...        "constraints": {"ceilings": {"A": 30, "B": 30}}}
    >>> diagnose(build_problem(parse_scenario(doc)))
    ('ceilings sum to €60.00 but €100.00 must be allocated',)
    """
    for check in (_pair_conflicts, _sum_conflicts, _reach_conflicts):
        problems = tuple(check(problem))[:MAX_PROBLEMS]
        if problems:
            return problems
    return ()


# --- one ministry --------------------------------------------------------------------------


def _lower_sources(problem: Problem, ministry: str) -> list[tuple[str, int]]:
    sources = []
    if ministry in problem.floors:
        sources.append((f"floor of {ministry}", problem.floors[ministry]))
    if ministry in problem.fixed:
        sources.append((f"fixed amount of {ministry}", problem.fixed[ministry]))
    return sources


def _upper_sources(problem: Problem, ministry: str) -> list[tuple[str, int]]:
    """Each upper bound with its wording, e.g. ``its ceiling (€300,000.00)``."""
    sources = []
    if ministry in problem.fixed:
        fixed = problem.fixed[ministry]
        sources.append((f"its fixed amount ({euro_text(fixed)})", fixed))
    if ministry in problem.ceilings:
        ceiling = problem.ceilings[ministry]
        sources.append((f"its ceiling ({euro_text(ceiling)})", ceiling))
    cap = problem.max_share_cents
    if cap is not None and problem.max_share is not None:
        share = f"{_share_text(problem.max_share)} × {euro_text(problem.total)}"
        sources.append((f"{share} = {euro_text(cap)}", cap))
    return sources


def _pair_conflicts(problem: Problem) -> Iterator[str]:
    for ministry in problem.ministries:
        for lower_name, lower in _lower_sources(problem, ministry):
            if lower > 0 and problem.target(ministry) == 0:
                yield _cannot_carry(problem, lower_name, lower=lower, ministry=ministry)
                continue
            for upper_name, upper in _upper_sources(problem, ministry):
                same_bound = lower_name.startswith("fixed") and upper_name.startswith("its fixed")
                if lower > upper and not same_bound:
                    yield f"{lower_name} ({euro_text(lower)}) exceeds {upper_name}"


def _cannot_carry(problem: Problem, lower_name: str, *, lower: int, ministry: str) -> str:
    if problem.total == 0:
        return f"{lower_name} ({euro_text(lower)}) cannot be met: there is nothing to allocate"
    return (
        f"{lower_name} ({euro_text(lower)}) cannot be met: {ministry} has zero weight in every pool"
    )


def _share_text(share: Decimal) -> str:
    """``max_share 0.40``: at least two decimals, as people write shares."""
    exponent = share.as_tuple().exponent
    assert isinstance(exponent, int)
    return f"max_share {share:.2f}" if exponent > -2 else f"max_share {share}"


# --- sums over everyone --------------------------------------------------------------------


def _carriers(problem: Problem) -> list[str]:
    return [m for m in problem.ministries if problem.target(m) > 0]


def _sum_conflicts(problem: Problem) -> Iterator[str]:
    lowers = {m: problem.lower(m) for m in problem.ministries}
    if sum(lowers.values()) > problem.total:
        families = _lower_family_words(problem, [m for m, v in lowers.items() if v > 0])
        yield (
            f"{families} sum to {euro_text(sum(lowers.values()))} "
            f"but only {euro_text(problem.total)} is to be allocated"
        )
        return
    carriers = _carriers(problem)
    uppers = [problem.upper(m) for m in carriers]
    if carriers and all(u is not None for u in uppers):
        covered = sum(u for u in uppers if u is not None)
        if covered < problem.total:
            yield _upper_sum_text(problem, carriers, covered=covered)


def _lower_family_words(problem: Problem, ministries: Sequence[str]) -> str:
    floors = any(problem.floors.get(m, 0) == problem.lower(m) for m in ministries)
    fixed = any(problem.fixed.get(m, -1) == problem.lower(m) for m in ministries)
    if floors and fixed:
        return "floors and fixed amounts"
    return "fixed amounts" if fixed else "floors"


def _upper_family(problem: Problem, ministry: str) -> str:
    upper = problem.upper(ministry)
    if problem.fixed.get(ministry) == upper:
        return "fixed amounts"
    if problem.ceilings.get(ministry) == upper:
        return "ceilings"
    return "max_share"


def _upper_sum_text(problem: Problem, carriers: Sequence[str], *, covered: int) -> str:
    total = euro_text(problem.total)
    families = sorted({_upper_family(problem, m) for m in carriers})
    if families == ["max_share"] and problem.max_share is not None:
        share = _share_text(problem.max_share)
        reach = Fraction(problem.max_share) * len(carriers)
        if reach < 1:
            percent = Decimal(reach.numerator) / Decimal(reach.denominator) * 100
            return (
                f"{share} × {len(carriers)} ministries covers only {percent.normalize():f}% "
                f"of {total}"
            )
        return (
            f"{share} × {len(carriers)} ministries covers only {euro_text(covered)} of {total}: "
            "each share is rounded down to whole cents"
        )
    if families == ["ceilings"]:
        return f"ceilings sum to {euro_text(covered)} but {total} must be allocated"
    words = " and ".join(families)
    return f"upper bounds ({words}) sum to {euro_text(covered)} but {total} must be allocated"


# --- who can carry which pool --------------------------------------------------------------


def _reach_conflicts(problem: Problem) -> Iterator[str]:
    pools = [pool.name for pool in problem.pools if pool.amount > 0]
    if len(pools) <= ENUMERATION_LIMIT:
        yield from _enumerated_conflicts(problem, pools)
    else:
        yield from _flow_conflicts(problem, pools)


def _carried_by(problem: Problem, pools: Sequence[str]) -> list[str]:
    names = set(pools)
    return sorted({cell.ministry for cell in problem.allowed if cell.pool in names})


def _served_only_by(problem: Problem, pools: Sequence[str]) -> list[str]:
    names = set(pools)
    reach: dict[str, set[str]] = {}
    for cell in problem.allowed:
        reach.setdefault(cell.ministry, set()).add(cell.pool)
    return sorted(m for m, own in reach.items() if own <= names and problem.lower(m) > 0)


def _enumerated_conflicts(problem: Problem, pools: Sequence[str]) -> Iterator[str]:
    found: list[frozenset[str]] = []
    conflicting = _conflicting_masks(problem, pools)
    bit = {name: 1 << index for index, name in enumerate(pools)}
    for size in range(1, len(pools)):
        for chosen in combinations(pools, size):
            if sum(bit[name] for name in chosen) not in conflicting:
                continue
            if any(earlier <= set(chosen) for earlier in found):
                continue
            problem_text = _pool_set_conflict(problem, chosen)
            if problem_text:
                found.append(frozenset(chosen))
                yield problem_text


def _conflicting_masks(problem: Problem, pools: Sequence[str]) -> set[int]:
    """Every set of pools (as a bit mask) that breaks a Hall condition, found by subset sums.

    Sums over "ministries with weight only inside the set" come from one pass of the
    subset-sum (zeta) transform, so each of the 2^P sets costs a few integer operations.
    """
    bit = {name: 1 << index for index, name in enumerate(pools)}
    reach: dict[str, int] = {}
    for cell in problem.allowed:
        if cell.pool in bit:
            reach[cell.ministry] = reach.get(cell.ministry, 0) | bit[cell.pool]
    size = 1 << len(pools)
    upper_inside, unbounded_inside, lower_inside = [0] * size, [0] * size, [0] * size
    for ministry, mask in reach.items():
        upper = problem.upper(ministry)
        if upper is None:
            unbounded_inside[mask] += 1
        else:
            upper_inside[mask] += upper
        lower_inside[mask] += problem.lower(ministry)
    for table in (upper_inside, unbounded_inside, lower_inside):
        for index in range(len(pools)):
            step = 1 << index
            for mask in range(size):
                if mask & step:
                    table[mask] += table[mask ^ step]
    amount = [0] * size
    for mask in range(1, size):
        low = mask & -mask
        amount[mask] = amount[mask ^ low] + problem.pool(pools[low.bit_length() - 1]).amount
    full = size - 1
    found = set()
    for mask in range(1, full):
        outside = full ^ mask
        unbounded = unbounded_inside[full] - unbounded_inside[outside]
        carried = upper_inside[full] - upper_inside[outside]
        if (unbounded == 0 and carried < amount[mask]) or lower_inside[mask] > amount[mask]:
            found.add(mask)
    return found


def _pool_set_conflict(problem: Problem, pools: Sequence[str]) -> str | None:
    amount = sum(problem.pool(name).amount for name in pools)
    carriers = _carried_by(problem, pools)
    uppers = [problem.upper(m) for m in carriers]
    if all(u is not None for u in uppers):
        covered = sum(u for u in uppers if u is not None)
        if covered < amount:
            return _carry_text(pools, amount, carriers=carriers, covered=covered)
    served = _served_only_by(problem, pools)
    needed = sum(problem.lower(m) for m in served)
    if needed > amount:
        return _serve_text(problem, pools, amount=amount, served=served, needed=needed)
    return None


def _pool_words(pools: Sequence[str], amount: int) -> str:
    if len(pools) == 1:
        return f"pool {pools[0]} ({euro_text(amount)})"
    return f"pools {', '.join(pools)} (together {euro_text(amount)})"


def _carry_text(pools: Sequence[str], amount: int, *, carriers: Sequence[str], covered: int) -> str:
    return (
        f"{_pool_words(pools, amount)} can only be carried by {', '.join(carriers)}, "
        f"whose upper bounds sum to {euro_text(covered)}"
    )


def _serve_text(
    problem: Problem, pools: Sequence[str], *, amount: int, served: Sequence[str], needed: int
) -> str:
    families = _lower_family_words(problem, served)
    only = "the only pool they have" if len(pools) == 1 else "the only pools they have"
    if len(served) == 1:
        families = families.removesuffix("s").replace("floors and fixed amount", "lower bound")
        return (
            f"{families} of {served[0]} ({euro_text(needed)}) exceeds "
            f"{_pool_words(pools, amount)}, {only.replace('they have', 'it has')} weight in"
        )
    return (
        f"{families} of {', '.join(served)} (together {euro_text(needed)}) exceed "
        f"{_pool_words(pools, amount)}, {only} weight in"
    )


def _flow_conflicts(problem: Problem, pools: Sequence[str]) -> Iterator[str]:
    """One violated Hall condition each way, read off a minimum cut."""
    for bound in ("upper", "lower"):
        chosen = _min_cut_pools(problem, pools, bound=bound)
        if chosen is not None:
            text = _pool_set_conflict(problem, chosen)
            if text:
                yield text


def _min_cut_pools(problem: Problem, pools: Sequence[str], *, bound: str) -> list[str] | None:
    """Pools on the source side of a minimum cut, when the flow falls short."""
    infinite = problem.total + sum(problem.lower(m) for m in problem.ministries) + 1
    graph = _FlowGraph()
    for name in pools:
        graph.add("source", f"p:{name}", capacity=problem.pool(name).amount)
    for cell in problem.allowed:
        graph.add(f"p:{cell.pool}", f"m:{cell.ministry}", capacity=infinite)
    for ministry in _carriers(problem):
        limit = problem.upper(ministry) if bound == "upper" else problem.lower(ministry)
        graph.add(f"m:{ministry}", "sink", capacity=infinite if limit is None else limit)
    flow = graph.max_flow("source", "sink")
    needed = (
        problem.total if bound == "upper" else sum(problem.lower(m) for m in problem.ministries)
    )
    if flow >= needed:
        return None
    side = graph.reachable("source")
    if bound == "upper":
        return [name for name in pools if f"p:{name}" in side]
    return [name for name in pools if f"p:{name}" not in side]


class _FlowGraph:
    """A small integer max-flow (Edmonds–Karp); exact because capacities are cents."""

    def __init__(self) -> None:
        self.capacity: dict[str, dict[str, int]] = {}

    def add(self, tail: str, head: str, *, capacity: int) -> None:
        self.capacity.setdefault(tail, {})
        self.capacity.setdefault(head, {})
        self.capacity[tail][head] = self.capacity[tail].get(head, 0) + capacity
        self.capacity[head].setdefault(tail, 0)

    def max_flow(self, source: str, sink: str) -> int:
        total = 0
        while True:
            path = self._augmenting_path(source, sink)
            if path is None:
                return total
            pushed = min(self.capacity[a][b] for a, b in zip(path, path[1:], strict=False))
            for a, b in zip(path, path[1:], strict=False):
                self.capacity[a][b] -= pushed
                self.capacity[b][a] += pushed
            total += pushed

    def _augmenting_path(self, source: str, sink: str) -> list[str] | None:
        previous: dict[str, str] = {source: source}
        queue = deque([source])
        while queue:
            node = queue.popleft()
            for head, room in self.capacity[node].items():
                if room > 0 and head not in previous:
                    previous[head] = node
                    if head == sink:
                        return self._path(previous, source, sink=sink)
                    queue.append(head)
        return None

    @staticmethod
    def _path(previous: dict[str, str], source: str, *, sink: str) -> list[str]:
        path = [sink]
        while path[-1] != source:
            path.append(previous[path[-1]])
        return path[::-1]

    def reachable(self, source: str) -> set[str]:
        seen = {source}
        queue = deque([source])
        while queue:
            node = queue.popleft()
            for head, room in self.capacity[node].items():
                if room > 0 and head not in seen:
                    seen.add(head)
                    queue.append(head)
        return seen
