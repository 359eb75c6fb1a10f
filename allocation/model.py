"""Stage 2: the allocation problem in exact numbers, its named constraints, and its LPs.

``build_problem`` turns a scenario into pools (in cents), exact rational targets per cell
(ministry × pool) and bounds per ministry. One generator per constraint family yields
``NamedConstraint`` values such as ``ceiling__OCW`` or ``pool__hulplijn``; the same values
become LP rows, label the duals, word the explanation, and check a finished allocation in
exact arithmetic (``violations``), so the model and the validator cannot drift apart.

The LPs work in ratio variables ``u = x / t`` (a cell's amount over its target): a relative
deviation is then ``|u - 1|`` and every row is scaled by its own size, which keeps HiGHS and
CBC well conditioned whether the pool is one euro or a billion.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import chain

import pulp

from allocation.scenario import BASE_POOL, MAX_WEIGHT_PLACES, Scenario, Weights


@dataclass(frozen=True, slots=True, order=True)
class Cell:
    """One ministry's share of one pool."""

    ministry: str
    pool: str
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Cells key every table of the engine; hashing the pair once saves a tuple per lookup.
        object.__setattr__(self, "_hash", hash((self.ministry, self.pool)))

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True, slots=True)
class Pool:
    """An amount to be split (the base, or one channel) and who carries it by which weight."""

    name: str
    amount: int
    weights: Weights

    def weight(self, ministry: str) -> Decimal:
        """The ministry's weight in this pool; a ministry not named has weight 0."""
        return dict(self.weights).get(ministry, Decimal(0))


@dataclass(frozen=True, slots=True)
class Problem:
    """Everything the rules need, exact: pools in cents, targets as fractions of cents."""

    ministries: tuple[str, ...]
    pools: tuple[Pool, ...]
    cell_targets: Mapping[Cell, Fraction]
    floors: Mapping[str, int]
    ceilings: Mapping[str, int]
    fixed: Mapping[str, int]
    max_share: Decimal | None
    allowed: tuple[Cell, ...] = field(init=False)
    targets: Mapping[str, Fraction] = field(init=False)
    total: int = field(init=False)
    max_share_cents: int | None = field(init=False)
    _bounds: Mapping[str, tuple[int, int | None]] = field(init=False, repr=False)
    _cells: tuple[Cell, ...] = field(init=False, repr=False)
    _rows: Mapping[str, tuple[Cell, ...]] = field(init=False, repr=False)
    _columns: Mapping[str, tuple[Cell, ...]] = field(init=False, repr=False)
    _pools: Mapping[str, Pool] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Every cell once, in code order, and per ministry and per pool: read everywhere.
        rows = {m: tuple(Cell(m, pool.name) for pool in self.pools) for m in self.ministries}
        object.__setattr__(self, "_rows", rows)
        object.__setattr__(self, "_cells", tuple(cell for m in self.ministries for cell in rows[m]))
        columns = {
            pool.name: tuple(rows[m][index] for m in self.ministries)
            for index, pool in enumerate(self.pools)
        }
        object.__setattr__(self, "_columns", columns)
        object.__setattr__(self, "_pools", {pool.name: pool for pool in self.pools})
        carried = tuple(cell for cell in self._cells if self.cell_targets[cell] > 0)
        object.__setattr__(self, "allowed", carried)
        targets = {ministry: Fraction(0) for ministry in self.ministries}
        for cell in carried:
            targets[cell.ministry] += self.cell_targets[cell]
        object.__setattr__(self, "targets", targets)
        # T, the sum of all pools in cents, and max_share × T rounded down to whole cents
        # (so a bound is always a whole cent); read often, so computed once.
        total = sum(pool.amount for pool in self.pools)
        object.__setattr__(self, "total", total)
        cap = None if self.max_share is None else math.floor(Fraction(self.max_share) * total)
        object.__setattr__(self, "max_share_cents", cap)
        bounds = {m: (self._lower(m), self._upper(m)) for m in self.ministries}
        object.__setattr__(self, "_bounds", bounds)

    def cells(self) -> Iterator[Cell]:
        """Every cell, ministries in code order, pools in pool order."""
        return iter(self._cells)

    def row(self, ministry: str) -> tuple[Cell, ...]:
        """The ministry's cells, one per pool in pool order."""
        return self._rows[ministry]

    def column(self, pool: str) -> tuple[Cell, ...]:
        """The pool's cells, one per ministry in code order."""
        return self._columns[pool]

    def pool(self, name: str) -> Pool:
        """The pool called ``name``."""
        return self._pools[name]

    def target(self, ministry: str) -> Fraction:
        """t_i: what the ministry would pay if the weights were followed exactly."""
        return self.targets[ministry]

    def lower(self, ministry: str) -> int:
        """lo_i = max(floor, fixed); 0 when neither is set."""
        return self._bounds[ministry][0]

    def upper(self, ministry: str) -> int | None:
        """hi_i = min(ceiling, max_share × T, fixed); None when unbounded."""
        return self._bounds[ministry][1]

    def _lower(self, ministry: str) -> int:
        return max(self.floors.get(ministry, 0), self.fixed.get(ministry, 0))

    def _upper(self, ministry: str) -> int | None:
        candidates = [
            bound
            for bound in (
                self.ceilings.get(ministry),
                self.max_share_cents,
                self.fixed.get(ministry),
            )
            if bound is not None
        ]
        return min(candidates) if candidates else None

    def is_pinned(self, ministry: str) -> bool:
        """True when the bounds leave exactly one possible total (lo = hi)."""
        return self.upper(ministry) == self.lower(ministry)


def build_problem(scenario: Scenario) -> Problem:
    """The exact problem behind a scenario.

    >>> from allocation.scenario import parse_scenario
    >>> p = build_problem(parse_scenario({"year": 2027, "base": 3, "weights": {"A": 1, "B": 2}}))
    >>> p.total, p.target("A"), p.target("B")
    (300, Fraction(100, 1), Fraction(200, 1))
    """
    pools = (Pool(BASE_POOL, scenario.base, scenario.weights),) + tuple(
        Pool(channel.name, channel.amount, channel.weights) for channel in scenario.variable
    )
    return Problem(
        ministries=scenario.ministries,
        pools=pools,
        cell_targets=_cell_targets(scenario.ministries, pools),
        floors=dict(scenario.constraints.floors),
        ceilings=dict(scenario.constraints.ceilings),
        fixed=dict(scenario.constraints.fixed),
        max_share=scenario.constraints.max_share,
    )


def _cell_targets(ministries: tuple[str, ...], pools: tuple[Pool, ...]) -> dict[Cell, Fraction]:
    targets: dict[Cell, Fraction] = {}
    zero = Fraction(0)
    for pool in pools:
        # Weights have at most six decimals, so in millionths they are whole numbers and
        # each target is one fraction amount × w / Σw.
        weights = {m: int(weight.scaleb(MAX_WEIGHT_PLACES)) for m, weight in pool.weights}
        weight_sum = sum(weights.values())
        for ministry in ministries:
            weight = weights.get(ministry, 0)
            share = Fraction(pool.amount * weight, weight_sum) if weight and weight_sum else zero
            targets[Cell(ministry, pool.name)] = share
    return targets


# --- named constraints -------------------------------------------------------------------


class Sense(StrEnum):
    """The direction of a constraint."""

    AT_MOST = "<="
    AT_LEAST = ">="
    EQUAL = "=="


@dataclass(frozen=True, slots=True)
class NamedConstraint:
    """``sum of cells  sense  bound`` with a stable name such as ``floor__JenV``."""

    name: str
    family: str
    subject: str
    cells: tuple[Cell, ...]
    sense: Sense
    bound: int

    def lhs(self, amounts: Mapping[Cell, Fraction | int]) -> Fraction | int:
        """The constrained sum for the given cell amounts (missing cells count as 0).

        Whole cents stay integers; fractions of cents stay exact fractions.
        """
        total: Fraction | int = 0
        for cell in self.cells:
            total += amounts.get(cell, 0)
        return total

    def excess(
        self, amounts: Mapping[Cell, Fraction | int], *, lhs: Fraction | int | None = None
    ) -> Fraction | int:
        """By how much the constraint is broken; 0 when it holds.

        ``lhs`` is the constrained sum when the caller has already computed it.

        >>> a = Cell("A", "base")
        >>> c = NamedConstraint("ceiling__A", "ceiling", "A", (a,), Sense.AT_MOST, 5)
        >>> c.excess({a: 7}), c.excess({a: 3}), c.excess({a: Fraction(11, 2)})
        (2, 0, Fraction(1, 2))
        """
        gap = (self.lhs(amounts) if lhs is None else lhs) - self.bound
        if self.sense is Sense.AT_MOST:
            return max(gap, 0)
        if self.sense is Sense.AT_LEAST:
            return max(-gap, 0)
        return gap if gap >= 0 else -gap


def _ministry_cells(problem: Problem, ministry: str) -> tuple[Cell, ...]:
    return problem.row(ministry)


def pool_constraints(problem: Problem) -> Iterator[NamedConstraint]:
    """``pool__p``: every pool is allocated exactly."""
    for pool in problem.pools:
        cells = problem.column(pool.name)
        yield NamedConstraint(
            f"pool__{pool.name}", "pool", pool.name, cells, Sense.EQUAL, pool.amount
        )


def floor_constraints(problem: Problem) -> Iterator[NamedConstraint]:
    """``floor__i``: a ministry pays at least its floor."""
    for ministry, bound in sorted(problem.floors.items()):
        cells = _ministry_cells(problem, ministry)
        yield NamedConstraint(f"floor__{ministry}", "floor", ministry, cells, Sense.AT_LEAST, bound)


def ceiling_constraints(problem: Problem) -> Iterator[NamedConstraint]:
    """``ceiling__i``: a ministry pays at most its ceiling."""
    for ministry, bound in sorted(problem.ceilings.items()):
        cells = _ministry_cells(problem, ministry)
        yield NamedConstraint(
            f"ceiling__{ministry}", "ceiling", ministry, cells, Sense.AT_MOST, bound
        )


def max_share_constraints(problem: Problem) -> Iterator[NamedConstraint]:
    """``max_share__i``: no ministry pays more than max_share × T (rounded down to cents)."""
    bound = problem.max_share_cents
    if bound is None:
        return
    for ministry in problem.ministries:
        cells = _ministry_cells(problem, ministry)
        yield NamedConstraint(
            f"max_share__{ministry}", "max_share", ministry, cells, Sense.AT_MOST, bound
        )


def fixed_constraints(problem: Problem) -> Iterator[NamedConstraint]:
    """``fixed__i``: a ministry pays exactly its fixed amount."""
    for ministry, bound in sorted(problem.fixed.items()):
        cells = _ministry_cells(problem, ministry)
        yield NamedConstraint(f"fixed__{ministry}", "fixed", ministry, cells, Sense.EQUAL, bound)


def zero_weight_constraints(problem: Problem) -> Iterator[NamedConstraint]:
    """``zero__i__p``: a cell without weight (or of an empty pool) stays zero.

    The LPs honour this family by having no variable for such a cell; the validator checks it.
    """
    for cell in problem.cells():
        if problem.cell_targets[cell] == 0:
            yield NamedConstraint(
                f"zero__{cell.ministry}__{cell.pool}",
                "zero",
                f"{cell.ministry}__{cell.pool}",
                (cell,),
                Sense.EQUAL,
                0,
            )


BOUND_FAMILIES = ("floor", "ceiling", "max_share", "fixed")


def bound_constraints(problem: Problem) -> Iterator[NamedConstraint]:
    """Every bound on a ministry's total, family by family."""
    return chain(
        floor_constraints(problem),
        ceiling_constraints(problem),
        max_share_constraints(problem),
        fixed_constraints(problem),
    )


def model_constraints(problem: Problem) -> Iterator[NamedConstraint]:
    """The constraints the constrained rule must honour: pools and bounds."""
    return chain(pool_constraints(problem), bound_constraints(problem))


def violations(
    constraints: Iterable[NamedConstraint], amounts: Mapping[Cell, Fraction | int]
) -> list[tuple[NamedConstraint, Fraction | int]]:
    """The constraints an allocation breaks, each with by how much (in cents).

    >>> c = NamedConstraint("fixed__A", "fixed", "A", (Cell("A", "base"),), Sense.EQUAL, 5)
    >>> [(v.name, gap) for v, gap in violations([c], {Cell("A", "base"): 5})]
    []
    """
    broken = []
    sums: dict[tuple[Cell, ...], Fraction | int] = {}
    for constraint in constraints:
        # A ministry's floor, ceiling and max_share share one sum.
        if constraint.cells not in sums:
            sums[constraint.cells] = constraint.lhs(amounts)
        gap = constraint.excess(amounts, lhs=sums[constraint.cells])
        if gap > 0:
            broken.append((constraint, gap))
    return broken


def all_constraints(problem: Problem) -> Iterator[NamedConstraint]:
    """Pools, bounds and zero cells: what a constrained allocation must satisfy exactly."""
    return chain(model_constraints(problem), zero_weight_constraints(problem))


# --- LPs -----------------------------------------------------------------------------------


@dataclass(slots=True)
class RoundLP:
    """One leximin round as a PuLP problem: minimise the level of the items still free.

    ``rows`` maps a domain row name (``ceiling__OCW``, ``deviation_above__JenV``) to its PuLP
    constraint, and ``scales`` to the cents that one unit of the scaled row stands for.
    """

    lp: pulp.LpProblem
    ratios: dict[Cell, pulp.LpVariable]
    level: pulp.LpVariable
    rows: dict[str, pulp.LpConstraint] = field(default_factory=dict)
    scales: dict[str, Fraction] = field(default_factory=dict)

    def add_row(
        self,
        name: str,
        terms: Sequence[tuple[pulp.LpVariable, float]],
        *,
        sense: Sense,
        rhs: float,
        scale: Fraction = Fraction(1),
    ) -> None:
        """Add a named row ``sum(terms) sense rhs``."""
        pulp_sense = {
            Sense.AT_MOST: pulp.LpConstraintLE,
            Sense.AT_LEAST: pulp.LpConstraintGE,
            Sense.EQUAL: pulp.LpConstraintEQ,
        }[sense]
        expression = pulp.LpAffineExpression(list(terms))
        row = pulp.LpConstraint(expression, pulp_sense, f"r{len(self.rows)}", rhs)
        self.lp.addConstraint(row)
        self.rows[name] = row
        self.scales[name] = scale

    def variables_of(
        self, terms: Iterable[tuple[Cell, float]]
    ) -> list[tuple[pulp.LpVariable, float]]:
        """Terms over cells as terms over this round's ratio variables."""
        return [(self.ratios[cell], coefficient) for cell, coefficient in terms]

    def add_scaled(self, row: ScaledRow) -> None:
        """Add a precomputed scaled row."""
        self.add_row(
            row.name, self.variables_of(row.terms), sense=row.sense, rhs=row.rhs, scale=row.scale
        )


def deviation_row_names(subject: str) -> tuple[str, str]:
    """The two rows bounding a relative deviation from above and from below."""
    return f"deviation_above__{subject}", f"deviation_below__{subject}"


def new_round(cells: Sequence[Cell], *, bounds: Mapping[Cell, tuple[float, float]]) -> RoundLP:
    """An empty round LP with a ratio variable per cell and the level variable z ≥ 0."""
    lp = pulp.LpProblem("leximin_round", pulp.LpMinimize)
    ratios = {}
    width = len(str(len(cells)))
    for index, cell in enumerate(cells):
        low, high = bounds[cell] if cell in bounds else (0.0, None)
        ratios[cell] = lp.add_variable(f"u{index:0{width}d}", low, high)
    level = lp.add_variable("z", 0.0)
    lp.setObjective(pulp.LpAffineExpression([(level, 1.0)]))
    return RoundLP(lp, ratios, level)


@dataclass(frozen=True, slots=True)
class ScaledRow:
    """A named row over ratio variables, scaled by its own size; computed once per problem.

    ``sum(coefficient * u_cell) sense rhs`` where a coefficient is ``t_cell / scale`` and
    ``scale`` is the row's size in cents (a pool amount or a ministry's target).
    """

    name: str
    terms: tuple[tuple[Cell, float], ...]
    sense: Sense
    rhs: float
    scale: Fraction


def scaled_row(
    problem: Problem,
    name: str,
    *,
    cells: Sequence[Cell],
    sense: Sense,
    amount: Fraction,
    scale: Fraction | None = None,
) -> ScaledRow | None:
    """The row ``sum of cells sense amount`` in ratio variables; None without cells.

    ``scale`` is the cells' target sum when the caller already knows it.
    """
    if not cells:
        return None
    targets = [problem.cell_targets[cell] for cell in cells]
    if scale is None:
        scale = sum(targets, Fraction(0))
    terms = tuple(
        (cell, _ratio(target, scale)) for cell, target in zip(cells, targets, strict=True)
    )
    return ScaledRow(name, terms, sense, _ratio(amount, scale), scale)


def _ratio(part: Fraction, whole: Fraction) -> float:
    """``float(part / whole)`` without building the fraction: int division rounds correctly."""
    return (part.numerator * whole.denominator) / (part.denominator * whole.numerator)


def constraint_rows(
    problem: Problem, constraints: Iterable[NamedConstraint], *, cells: Iterable[Cell]
) -> tuple[ScaledRow, ...]:
    """Named constraints as scaled rows over the given cells (others have no variable)."""
    present = set(cells)
    every = present == set(problem.allowed)
    rows = []
    scales: dict[tuple[Cell, ...], Fraction] = {}
    for constraint in constraints:
        kept = tuple(cell for cell in constraint.cells if cell in present)
        if kept not in scales:
            # A ministry's floor, ceiling and max_share rows share their cells, hence scale;
            # over every cell with weight, a ministry's targets add up to its target and a
            # pool's to its amount, exactly.
            if every and constraint.family == "pool":
                scales[kept] = Fraction(problem.pool(constraint.subject).amount)
            elif every and constraint.family in BOUND_FAMILIES:
                scales[kept] = problem.target(constraint.subject)
            else:
                scales[kept] = sum((problem.cell_targets[cell] for cell in kept), Fraction(0))
        row = scaled_row(
            problem,
            constraint.name,
            cells=kept,
            sense=constraint.sense,
            amount=Fraction(constraint.bound),
            scale=scales[kept],
        )
        if row is not None:
            rows.append(row)
    return tuple(rows)


def ministry_ratio_terms(problem: Problem) -> dict[str, tuple[tuple[Cell, float], ...]]:
    """Per ministry with a target, its ratio ``X_i / t_i`` as a combination of cell ratios."""
    terms: dict[str, list[tuple[Cell, float]]] = {}
    for cell in problem.allowed:
        share = _ratio(problem.cell_targets[cell], problem.target(cell.ministry))
        terms.setdefault(cell.ministry, []).append((cell, share))
    return {ministry: tuple(found) for ministry, found in terms.items()}


def add_deviation_rows(
    round_lp: RoundLP,
    subject: str,
    *,
    terms: Sequence[tuple[pulp.LpVariable, float]],
    within: tuple[float, float] | None,
) -> None:
    """Bound ``|ratio - 1|`` by the free level z, or hold the ratio ``within`` an interval."""
    above, below = deviation_row_names(subject)
    if within is None:
        z = round_lp.level
        round_lp.add_row(above, [*terms, (z, -1.0)], sense=Sense.AT_MOST, rhs=1.0)
        round_lp.add_row(below, [*terms, (z, 1.0)], sense=Sense.AT_LEAST, rhs=1.0)
    else:
        low, high = within
        round_lp.add_row(above, terms, sense=Sense.AT_MOST, rhs=high)
        round_lp.add_row(below, terms, sense=Sense.AT_LEAST, rhs=low)


@dataclass(slots=True)
class ElasticLP:
    """The cells' transportation LP with an elastic shortfall and excess on every margin row.

    Row ``k`` reads ``sum(t_c / scale_k * u_c) + shortfall_k - excess_k = amount_k / scale_k``
    and the objective is the sum of all shortfalls and excesses: zero exactly when the
    ratio bounds of that solve leave room for every margin. Bounds on the ratios ``u`` are
    set per solve; the rows never change.
    """

    lp: pulp.LpProblem
    ratios: list[pulp.LpVariable]
    rows: list[pulp.LpConstraint]
    shortfalls: list[pulp.LpVariable]
    excesses: list[pulp.LpVariable]


def elastic_lp(cells: Sequence[Cell], rows: Sequence[ScaledRow]) -> ElasticLP:
    """The elastic LP over ``cells`` (variables in that order) and the margin ``rows``."""
    lp = pulp.LpProblem("elastic_cells", pulp.LpMinimize)
    width = len(str(len(cells)))
    ratios = [lp.add_variable(f"u{index:0{width}d}", 0.0) for index in range(len(cells))]
    by_cell = dict(zip(cells, ratios, strict=True))
    shortfalls, excesses, constraints = [], [], []
    for index, row in enumerate(rows):
        # Named to sort after the ratios (PuLP orders variables by name): ratios, shortfalls,
        # excesses, each in index order, so a solver can read them back as three slices.
        shortfall = lp.add_variable(f"v_short{index:0{width}d}", 0.0)
        excess = lp.add_variable(f"v_xs{index:0{width}d}", 0.0)
        terms = [(by_cell[cell], coefficient) for cell, coefficient in row.terms]
        expression = pulp.LpAffineExpression([*terms, (shortfall, 1.0), (excess, -1.0)])
        constraint = pulp.LpConstraint(expression, pulp.LpConstraintEQ, f"r{index}", row.rhs)
        lp.addConstraint(constraint)
        shortfalls.append(shortfall)
        excesses.append(excess)
        constraints.append(constraint)
    lp.setObjective(pulp.LpAffineExpression([(v, 1.0) for v in (*shortfalls, *excesses)]))
    return ElasticLP(lp, ratios, constraints, shortfalls, excesses)
