"""Exact recovery of the totals from the LP rounds' structure, and the exact checks.

Every free ministry ends blocked at the level of some round, so its total is
``t * (1 + sign * d_round)``. The unknown levels follow from linear equations that hold in
every optimal solution: the bounds and zero cells the duals certified as tight, and the pools
each connected part must carry. We solve them with ``fractions.Fraction`` and insist that
every level is determined. Whatever path found them, allocations are then verified against
every bound (``check_split``; the cents later against every named constraint,
``check_allocation``) and the totals against an exact optimality
certificate (``check_totals_optimal``); anything short of that raises ``ExactnessError``
rather than return cents nobody can vouch for. ``peel_forced_cells`` fixes the cells the
totals alone determine; the rest are split by ``allocation.cuts``, whose cuts certify them.
``check_cells_leximin`` is an independent certificate of the cells the tests apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from allocation.errors import ExactnessError
from allocation.leximin import Blocked, Structure
from allocation.model import Cell, Problem, all_constraints, bound_constraints, violations


@dataclass(slots=True)
class LinearForm:
    """``constant + sum(coefficients[k] * d_k)`` over the unknown levels d_k."""

    constant: Fraction
    coefficients: dict[int, Fraction] = field(default_factory=dict)

    def add(self, other: LinearForm) -> None:
        """Add another form into this one."""
        self.constant += other.constant
        for level, coefficient in other.coefficients.items():
            self.coefficients[level] = self.coefficients.get(level, Fraction(0)) + coefficient

    def value(self, levels: Mapping[int, Fraction]) -> Fraction:
        """The form's value once the levels are known."""
        return self.constant + sum(
            (coefficient * levels[level] for level, coefficient in self.coefficients.items()),
            Fraction(0),
        )


Equation = tuple[LinearForm, Fraction]


def solve_levels(equations: Sequence[Equation]) -> dict[int, Fraction]:
    """Solve ``form = rhs`` equations exactly; every level must be determined.

    >>> x = LinearForm(Fraction(1), {0: Fraction(2)})
    >>> solve_levels([(x, Fraction(2))])
    {0: Fraction(1, 2)}
    """
    rows = [
        ({k: c for k, c in form.coefficients.items() if c}, rhs - form.constant)
        for form, rhs in equations
    ]
    unknowns = sorted({k for coefficients, _ in rows for k in coefficients})
    pivots: dict[int, int] = {}
    for unknown in unknowns:
        pivot = next(
            (r for r, (cs, _) in enumerate(rows) if unknown in cs and r not in pivots.values()),
            None,
        )
        if pivot is None:
            raise ExactnessError(f"level {unknown} is not determined by the tight equations")
        _eliminate(rows, pivot, unknown=unknown)
        pivots[unknown] = pivot
    for coefficients, rhs in rows:
        if not coefficients and rhs != 0:
            raise ExactnessError("the tight equations contradict each other")
    return {unknown: rows[row][1] for unknown, row in pivots.items()}


def _eliminate(
    rows: list[tuple[dict[int, Fraction], Fraction]], pivot: int, *, unknown: int
) -> None:
    coefficients, rhs = rows[pivot]
    scale = coefficients[unknown]
    coefficients = {k: c / scale for k, c in coefficients.items()}
    rhs = rhs / scale
    rows[pivot] = (coefficients, rhs)
    for index, (other, other_rhs) in enumerate(rows):
        factor = other.get(unknown)
        if index == pivot or not factor:
            continue
        merged = dict(other)
        for k, c in coefficients.items():
            merged[k] = merged.get(k, Fraction(0)) - factor * c
        rows[index] = ({k: c for k, c in merged.items() if c}, other_rhs - factor * rhs)


def blocked_form(target: Fraction, block: Blocked, *, zero_levels: set[int]) -> LinearForm:
    """``t * (1 + sign * d_level)``; just ``t`` when the level is known to be zero."""
    if block.sign == 0 or block.level in zero_levels:
        return LinearForm(target)
    return LinearForm(target, {block.level: block.sign * target})


# --- ministry totals -----------------------------------------------------------------------


def recover_totals(
    problem: Problem, structure: Structure[str], *, thorough: bool, tolerance: float
) -> dict[str, Fraction]:
    """Exact ministry totals from the rounds' structure.

    With ``thorough`` the equations also include bounds and zero cells that are merely tight
    in the last LP solution (not certified by a dual): a second attempt for degenerate cases.
    """
    forms = _total_forms(problem, structure)
    zero_cells = set(structure.zero_cells)
    tight = set(structure.tight_rows)
    if thorough and structure.last is not None:
        zero_cells |= {c for c, v in structure.last.ratios.items() if v <= tolerance}
        tight |= _primal_tight_bounds(problem, structure, tolerance=tolerance)
    equations = list(_component_equations(problem, forms, zero_cells=zero_cells))
    for constraint in bound_constraints(problem):
        if constraint.name in tight and problem.target(constraint.subject) > 0:
            equations.append((forms[constraint.subject], Fraction(constraint.bound)))
    levels = solve_levels(equations)
    return {ministry: form.value(levels) for ministry, form in forms.items()}


def _total_forms(problem: Problem, structure: Structure[str]) -> dict[str, LinearForm]:
    forms = {}
    for ministry in problem.ministries:
        target = problem.target(ministry)
        if target == 0:
            forms[ministry] = LinearForm(Fraction(0))
        elif problem.is_pinned(ministry):
            forms[ministry] = LinearForm(Fraction(problem.lower(ministry)))
        else:
            block = structure.blocked[ministry]
            forms[ministry] = blocked_form(target, block, zero_levels=structure.zero_levels)
    return forms


def _primal_tight_bounds(
    problem: Problem, structure: Structure[str], *, tolerance: float
) -> set[str]:
    assert structure.last is not None
    ratios: dict[str, float] = {}
    for cell, value in structure.last.ratios.items():
        share = float(problem.cell_targets[cell] / problem.target(cell.ministry))
        ratios[cell.ministry] = ratios.get(cell.ministry, 0.0) + share * value
    tight = set()
    for constraint in bound_constraints(problem):
        target = problem.target(constraint.subject)
        if target > 0:
            gap = ratios.get(constraint.subject, 0.0) - float(constraint.bound / target)
            if abs(gap) <= tolerance:
                tight.add(constraint.name)
    return tight


def _component_equations(
    problem: Problem, forms: Mapping[str, LinearForm], *, zero_cells: set[Cell]
) -> Iterable[Equation]:
    """Per connected part of the ministry–pool graph: its ministries carry its pools exactly."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(node: tuple[str, str]) -> tuple[str, str]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for cell in problem.allowed:
        if cell not in zero_cells:
            parent[find(("m", cell.ministry))] = find(("p", cell.pool))
    sums: dict[tuple[str, str], tuple[LinearForm, Fraction]] = {}
    for ministry in problem.ministries:
        if problem.target(ministry) > 0:
            root = find(("m", ministry))
            form, _ = sums.setdefault(root, (LinearForm(Fraction(0)), Fraction(0)))
            form.add(forms[ministry])
    for pool in problem.pools:
        if pool.amount > 0:
            root = find(("p", pool.name))
            form, amount = sums.setdefault(root, (LinearForm(Fraction(0)), Fraction(0)))
            sums[root] = (form, amount + pool.amount)
    return list(sums.values())


# --- cells ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Margins:
    """Cells fixed by their margins alone, and what is left to place over the other cells."""

    fixed: Mapping[Cell, Fraction]
    cells: tuple[Cell, ...]
    rows: Mapping[str, Fraction]
    pools: Mapping[str, Fraction]


def peel_forced_cells(problem: Problem, totals: Mapping[str, Fraction]) -> Margins:
    """Fix every cell that is alone in its ministry or pool, repeatedly.

    >>> from allocation.scenario import parse_scenario
    >>> from allocation.model import build_problem
    >>> p = build_problem(parse_scenario({"year": 2027, "base": 3, "weights": {"A": 1, "B": 2}}))
    >>> peel_forced_cells(p, {"A": Fraction(100), "B": Fraction(200)}).cells
    ()
    """
    rows = {m: totals[m] for m in problem.ministries if problem.target(m) > 0}
    pools = {p.name: Fraction(p.amount) for p in problem.pools if p.amount > 0}
    members: dict[tuple[str, str], set[Cell]] = {}
    for cell in problem.allowed:
        members.setdefault(("m", cell.ministry), set()).add(cell)
        members.setdefault(("p", cell.pool), set()).add(cell)
    fixed: dict[Cell, Fraction] = {}
    lonely = [key for key, cells in members.items() if len(cells) == 1]
    while lonely:
        # Ministries first, as a cell alone in both its row and its pool takes the row's
        # amount; the check of every constraint then finds any pool that disagrees.
        lonely.sort(key=lambda key: key[0] == "p")
        key = lonely.pop(0)
        if len(members[key]) != 1:
            continue
        (cell,) = members[key]
        value = rows[cell.ministry] if key[0] == "m" else pools[cell.pool]
        fixed[cell] = value
        rows[cell.ministry] -= value
        pools[cell.pool] -= value
        for other in (("m", cell.ministry), ("p", cell.pool)):
            members[other].discard(cell)
            if len(members[other]) == 1:
                lonely.append(other)
    ordered = tuple(cell for cell in problem.allowed if cell not in fixed)
    live_rows = {m: v for m, v in rows.items() if members.get(("m", m))}
    live_pools = {p: v for p, v in pools.items() if members.get(("p", p))}
    return Margins(fixed, ordered, live_rows, live_pools)


# --- verification --------------------------------------------------------------------------


def check_split(
    problem: Problem, totals: Mapping[str, Fraction], *, cells: Mapping[Cell, Fraction]
) -> None:
    """The exact split before rounding: totals within every bound and adding up to T, no cell
    negative, no cell without weight carrying anything; else ``ExactnessError``.

    That each pool and each ministry's cells add up exactly is not summed again here: the
    split guarantees it (``peel_forced_cells`` and ``allocation.cuts`` end with nothing left
    on any row, checked exactly; the closed form is exact by construction), and the cents are
    checked against every named constraint after rounding (``check_allocation``). Summing a
    few thousand fractions of a thousand digits each costs more than the rest of the split.
    """
    if sum(totals.values(), Fraction(0)) != problem.total:
        raise ExactnessError("the totals do not add up to what is to be allocated")
    for constraint in bound_constraints(problem):
        if constraint.excess({}, lhs=totals[constraint.subject]) > 0:
            raise ExactnessError(f"the exact solution breaks {constraint.name}")
    allowed = set(problem.allowed)
    for cell, value in cells.items():
        if value < 0:
            raise ExactnessError(f"cell {cell} is negative")
        if value and cell not in allowed:
            raise ExactnessError(f"the exact solution breaks zero__{cell.ministry}__{cell.pool}")


def check_allocation(problem: Problem, cells: Mapping[Cell, Fraction] | Mapping[Cell, int]) -> None:
    """Every named constraint holds exactly and no cell is negative, or ``ExactnessError``.

    Used twice: on the exact fractions, and on the cents after rounding.
    """
    negative = [cell for cell, value in cells.items() if value < 0]
    if negative:
        raise ExactnessError(f"cell {negative[0]} is negative")
    broken = violations(all_constraints(problem), cells)
    if broken:
        names = ", ".join(constraint.name for constraint, _ in broken)
        raise ExactnessError(f"the exact solution breaks {names}")


def check_totals_optimal(
    problem: Problem, totals: Mapping[str, Fraction], *, cells: Mapping[Cell, Fraction]
) -> None:
    """Certify the totals are the leximin optimum, or raise ``ExactnessError``.

    The totals minimise ``sum (X_i - t_i)^2 / t_i`` over the feasible set, which is a base
    polytope, so they are also leximin in ``|X_i - t_i| / t_i``. They are optimal exactly when
    no feasible transfer moves money from a ministry j to a ministry i with a lower ratio
    ``X_i / t_i``. A transfer is feasible when i can rise (below its upper bound), j can fall
    (above its lower bound) and a chain of pools links them: i takes more of a pool it has
    weight in, some ministry gives that pool up and takes another, ..., j gives one up.
    """
    ratio = {m: totals[m] / problem.target(m) for m in problem.ministries if problem.target(m) > 0}
    givers: dict[str, list[str]] = {}
    takers: dict[str, list[str]] = {}
    for cell in problem.allowed:
        takers.setdefault(cell.ministry, []).append(cell.pool)
        if cells.get(cell, 0) > 0:
            givers.setdefault(cell.pool, []).append(cell.ministry)
    can_fall = {m for m in ratio if totals[m] > problem.lower(m)}
    # Per pool, the two highest ratios among the ministries that can fall and that a chain
    # from the pool reaches: a ministry taking the pool may receive from the highest other.
    best: dict[str, list[tuple[Fraction, str]]] = {}
    ranked_for: dict[frozenset[str], list[tuple[Fraction, str]]] = {}
    for pool in givers:
        reached = frozenset(_reachable_from(pool, takers, givers=givers))
        if reached not in ranked_for:
            eligible = [m for m in reached if m in can_fall]
            # Floats first spare exact comparisons; float() is monotone, fractions break ties.
            eligible.sort(key=lambda m: (float(ratio[m]), ratio[m], m), reverse=True)
            ranked_for[reached] = [(ratio[m], m) for m in eligible[:2]]
        best[pool] = ranked_for[reached]
    for ministry in ratio:
        upper = problem.upper(ministry)
        if upper is not None and totals[ministry] >= upper:
            continue
        for pool in takers.get(ministry, []):
            for other_ratio, other in best.get(pool, []):
                if other != ministry:
                    if other_ratio > ratio[ministry]:
                        raise ExactnessError(
                            f"moving money from {other} to {ministry} would lower the deviation"
                        )
                    break


def _reachable_from(
    pool: str, takers: Mapping[str, list[str]], *, givers: Mapping[str, list[str]]
) -> set[str]:
    """Ministries a chain from ``pool`` reaches: its givers, the pools they take, theirs..."""
    seen_pools = {pool}
    seen_ministries: set[str] = set()
    frontier = [pool]
    while frontier:
        current = frontier.pop()
        for giver in givers.get(current, []):
            if giver in seen_ministries:
                continue
            seen_ministries.add(giver)
            for taken in takers.get(giver, []):
                if taken not in seen_pools:
                    seen_pools.add(taken)
                    frontier.append(taken)
    return seen_ministries


def check_cells_leximin(problem: Problem, cells: Mapping[Cell, Fraction]) -> None:
    """Certify the cells are leximin in relative deviation, or raise ``ExactnessError``.

    Independent of how the cells were found: the engine's own certificate is the sequence of
    cuts in ``allocation.cuts``; the tests hold every split to this check as well.

    Moving money around a cycle of cells (ministry i gains in pool p, pool p's loss is some
    ministry j's, ... back to i) keeps every margin. Such a move improves the sorted deviation
    vector exactly when some cell it relieves deviates by D and every cell it burdens deviates
    by less than D. So for each deviation level D we keep only the moves allowed at D and ask,
    with strongly connected components, whether a cell at D lies on a cycle. With none, no
    direction improves, and for this convex problem the local optimum is the global one.
    """
    moves = [_cell_moves(problem, cells, cell=cell) for cell in problem.allowed]
    distinct = sorted({Fraction(0), *(move.deviation for move in moves)})
    rank_of = {deviation: rank for rank, deviation in enumerate(distinct)}
    ranked = [(rank_of[move.deviation], move) for move in moves]
    for level in range(len(distinct) - 1, 0, -1):
        arcs: dict[Node, list[Node]] = {}
        for rank, move in ranked:
            if move.can_grow and (move.grows_toward_target or rank < level):
                arcs.setdefault(move.ministry, []).append(move.pool)
            if move.can_shrink and (move.shrinks_toward_target or rank < level):
                arcs.setdefault(move.pool, []).append(move.ministry)
        component = _components(arcs)
        for rank, move in ranked:
            if rank == level and _same_component(component, move):
                raise ExactnessError(
                    f"a cycle through {move.cell} would lower the largest deviation"
                )


Node = tuple[str, str]


@dataclass(frozen=True, slots=True)
class _CellMove:
    """How a cell can move in a cycle, and whether that relieves or burdens it."""

    cell: Cell
    ministry: Node
    pool: Node
    deviation: Fraction
    can_grow: bool
    can_shrink: bool
    grows_toward_target: bool
    shrinks_toward_target: bool


def _cell_moves(problem: Problem, cells: Mapping[Cell, Fraction], *, cell: Cell) -> _CellMove:
    value, target = cells[cell], problem.cell_targets[cell]
    return _CellMove(
        cell=cell,
        ministry=("m", cell.ministry),
        pool=("p", cell.pool),
        deviation=abs(value - target) / target,
        can_grow=True,
        can_shrink=value > 0,
        grows_toward_target=value < target,
        shrinks_toward_target=value > target,
    )


def _same_component(component: Mapping[Node, int], move: _CellMove) -> bool:
    own = component.get(move.ministry)
    return own is not None and own == component.get(move.pool)


def _components(arcs: Mapping[Node, list[Node]]) -> dict[Node, int]:
    """Strongly connected components (iterative Tarjan): node → component number."""
    index: dict[Node, int] = {}
    low: dict[Node, int] = {}
    component: dict[Node, int] = {}
    stack: list[Node] = []
    on_stack: set[Node] = set()
    for root in list(arcs):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            successors = arcs.get(node, [])
            if position < len(successors):
                work.append((node, position + 1))
                following = successors[position]
                if following not in index:
                    work.append((following, 0))
                elif following in on_stack:
                    low[node] = min(low[node], index[following])
                continue
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = index[node]
                    if member == node:
                        break
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return component
