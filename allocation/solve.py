"""Stage 3: run one LP with HiGHS (in-process highspy) or CBC (subprocess) through PuLP.

The outcome is mapped to domain terms: ratio values and reduced costs per cell, duals per
named row. An infeasible LP raises ``Infeasible``; any other non-optimal status raises
``SolverError``. Floats live only here and in the LP builders: the leximin stage turns them
into structure, never into money.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib.metadata
import io
import os
import re
import subprocess
import sys
import threading
from collections.abc import ItemsView, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pulp

from allocation.budget import UNLIMITED, Budget
from allocation.errors import Infeasible, SolverError, UnknownSolver
from allocation.model import Cell, ElasticLP, RoundLP

SOLVERS = ("highs", "cbc")


Key = TypeVar("Key")


class Indexed(Mapping[Key, float]):
    """Solver values read by key through a fixed index: no dictionary built per solve."""

    __slots__ = ("index", "numbers")

    def __init__(self, index: Mapping[Key, int], values: Sequence[float]) -> None:
        self.index = index
        self.numbers = values

    def __getitem__(self, key: Key) -> float:
        return self.numbers[self.index[key]]

    def __iter__(self) -> Iterator[Key]:
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)

    def items(self) -> ItemsView[Key, float]:
        """Pairs in index order, without a lookup per key."""
        return _IndexedItems(self)


class _IndexedItems(ItemsView[Key, float]):
    def __init__(self, indexed: Indexed[Key]) -> None:
        super().__init__(indexed)
        self.indexed = indexed

    def __iter__(self) -> Iterator[tuple[Key, float]]:
        numbers = self.indexed.numbers
        return ((key, numbers[i]) for key, i in self.indexed.index.items())


@dataclass(frozen=True, slots=True)
class RoundOutcome:
    """The solved round: the level z*, ratio values, reduced costs and named-row duals."""

    level: float
    ratios: Mapping[Cell, float]
    reduced_costs: Mapping[Cell, float]
    duals: Mapping[str, float]
    bound_duals: Mapping[str, float] | None = None
    """The duals of the rows other than deviation rows, when the solver keeps them apart."""


def check_solver(name: str) -> str:
    """Return ``name`` if it is one of ``SOLVERS``, else raise ``UnknownSolver``."""
    if name not in SOLVERS:
        raise UnknownSolver(f"unknown solver {name!r}; choose one of {', '.join(SOLVERS)}")
    return name


def solve_round(
    round_lp: RoundLP, solver: str, *, tight: bool = True, budget: Budget = UNLIMITED
) -> RoundOutcome:
    """Solve one round LP and read back values, reduced costs and duals.

    ``tight`` asks for 1e-10 feasibility tolerances instead of the solver's defaults; the
    solver may take what is left of ``budget``.
    """
    limit = budget.lp_limit()
    status = round_lp.lp.solve(_pulp_solver(solver, tight=tight, time_limit=limit))
    if status == pulp.LpStatusInfeasible:
        raise Infeasible(("the solver found that the bounds cannot all be met",))
    if status != pulp.LpStatusOptimal:
        budget.check()
        raise SolverError(f"{solver} stopped with status {pulp.LpStatus[status]!r}")
    return RoundOutcome(
        level=_number(round_lp.level.varValue),
        ratios={cell: _number(var.varValue) for cell, var in round_lp.ratios.items()},
        reduced_costs={cell: _number(var.dj) for cell, var in round_lp.ratios.items()},
        duals={name: _number(row.pi) for name, row in round_lp.rows.items()},
    )


def reported_precision(solver: str) -> float:
    """The relative precision of the values a solver reports back.

    HiGHS hands over doubles from a solve at 1e-10 tolerances; CBC writes its solution file
    with eight significant digits.
    """
    return 1e-10 if solver == "highs" else 1e-7


def hold_slack(solver: str) -> float:
    """Room for items held at an earlier round's level, relative to that level.

    HiGHS's levels are doubles and need none (its own tolerance absorbs the last bit). CBC's
    are rounded to eight digits and may read back low, which could make the next round
    infeasible, so they get the reporting precision as room.
    """
    return 0.0 if solver == "highs" else reported_precision(solver)


def _number(value: object) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    raise SolverError(f"the solver returned no value where a number was expected: {value!r}")


TIGHT_TOLERANCE = 1e-10


def _pulp_solver(name: str, *, tight: bool, time_limit: float | None = None) -> pulp.LpSolver:
    check_solver(name)
    if name == "highs":
        _swallow_highs_banner()
        tolerances = (
            {
                "primal_feasibility_tolerance": TIGHT_TOLERANCE,
                "dual_feasibility_tolerance": TIGHT_TOLERANCE,
            }
            if tight
            else {}
        )
        threads = 1 if _one_thread else None
        return BulkHiGHS(
            msg=False, presolve="off", threads=threads, timeLimit=time_limit, **tolerances
        )
    options = (
        [f"primalTolerance {TIGHT_TOLERANCE}", f"dualTolerance {TIGHT_TOLERANCE}"] if tight else []
    )
    return pulp.COIN_CMD(
        path=pulp.PULP_CBC_CMD.pulp_cbc_path,
        msg=False,
        mip=False,
        options=options,
        timeLimit=time_limit,
        timeMode="elapsed",
    )


class _IdleModels(threading.local):
    """HiGHS models this thread's solves have finished with, by tolerance, for the next ones.

    Creating a HiGHS model and freeing it again costs more than many of the engine's LPs
    take to solve; a model handed back is emptied at once (``clearModel``: rows, columns,
    basis and solution) and keeps only its options, which depend on nothing but ``tight``.
    """

    def __init__(self) -> None:
        self.models: dict[bool, list[Any]] = {False: [], True: []}


_idle = _IdleModels()

MAX_IDLE = 4
"""The most idle models a thread keeps per tolerance."""


def release_highs(model: Any, *, tight: bool) -> None:
    """Hand a model from ``new_highs`` back for reuse, emptied at once (an idle model holds
    no LP); its owner must not touch it again."""
    idle = _idle.models[tight]
    if model is not None and len(idle) < MAX_IDLE and all(model is not m for m in idle):
        model.clearModel()
        idle.append(model)


def new_highs(*, tight: bool) -> Any:
    """A silent in-process HiGHS model without presolve, on one thread where it may.

    An emptied model this thread released is reused when there is one (``release_highs``).

    One thread: the LPs are small and solved one after another, and HiGHS's thread pool
    costs more per solve (about 80 microseconds) than it can win back on them. HiGHS keeps
    one thread pool per process, though: if something else in the process started it with
    more threads first, a one-thread model refuses to run, and ``run`` falls back.
    """
    import highspy

    idle = _idle.models[tight]
    if idle:
        return idle.pop()
    _swallow_highs_banner()
    model = _bare_highs(highspy)()
    model.setOptionValue("output_flag", False)
    model.setOptionValue("presolve", "off")
    if _one_thread:
        model.setOptionValue("threads", 1)
    if tight:
        model.setOptionValue("primal_feasibility_tolerance", TIGHT_TOLERANCE)
        model.setOptionValue("dual_feasibility_tolerance", TIGHT_TOLERANCE)
    return model


def _bare_highs(highspy: Any) -> Any:
    """highspy's compiled HiGHS class, without the Python subclass ``highspy.Highs`` wraps
    it in where it has one.

    That subclass registers a Python callback on every model, for interrupts and callbacks
    this engine does not use; creating it costs three times as much, and every run then
    takes a fifth longer.
    """
    core = getattr(highspy, "_core", None)
    return getattr(core, "_Highs", highspy.Highs)


def hand_over(model: Any, lp: pulp.LpProblem, variables: list[pulp.LpVariable]) -> None:
    """Give a PuLP model to a highspy model in three bulk calls; sets each index."""
    import highspy

    infinity = highspy.kHighsInf
    for index, variable in enumerate(variables):
        variable.index = index
    model.addVars(
        len(variables),
        [-infinity if v.lowBound is None else v.lowBound for v in variables],
        [infinity if v.upBound is None else v.upBound for v in variables],
    )
    sign = -1.0 if lp.sense == pulp.LpMaximize else 1.0
    costs = [(v.index, sign * c) for v, c in lp.objective.items() if c]
    model.changeColsCost(len(costs), [i for i, _ in costs], [c for _, c in costs])
    starts: list[int] = []
    indices: list[int] = []
    values: list[float] = []
    lows: list[float] = []
    highs: list[float] = []
    for index, row in enumerate(lp.constraints()):
        row.index = index
        starts.append(len(indices))
        for variable, coefficient in row.items():
            if coefficient:
                indices.append(variable.index)
                values.append(coefficient)
        low, high = row.getLb(), row.getUb()
        lows.append(-infinity if low is None else low)
        highs.append(infinity if high is None else high)
    model.addRows(len(starts), lows, highs, len(indices), starts, indices, values)


class WarmRounds:
    """The rounds of one leximin sequence on one HiGHS model, warm-started.

    The first round is modelled with PuLP and handed over once. Later rounds only change
    rows: a newly blocked item's two deviation rows lose their z term and take the item's
    hold interval as bounds. HiGHS keeps its basis between runs, so a round costs a few
    simplex pivots rather than a new model: rebuilding thousands of rows through PuLP every
    round was what made large problems slow, and PuLP cannot change a HiGHS model in place.
    """

    def __init__(self, round_lp: RoundLP, *, tight: bool) -> None:
        self.tight = tight
        self.model = new_highs(tight=tight)
        hand_over(self.model, round_lp.lp, round_lp.lp.variables())
        self.columns = {cell: var.index for cell, var in round_lp.ratios.items()}
        self.level_column = round_lp.level.index
        self.rows = {name: row.index for name, row in round_lp.rows.items()}
        self.bound_rows = {n: i for n, i in self.rows.items() if not n.startswith("deviation_")}

    def close(self) -> None:
        """Release the HiGHS model for the next solves; this object is done (a second call
        does nothing)."""
        model, self.model = self.model, None
        release_highs(model, tight=self.tight)

    def hold(self, names: tuple[str, str], interval: tuple[float, float]) -> None:
        """Hold an item: its rows ``above`` and ``below`` drop z and bound it to ``interval``."""
        import highspy

        above, below = (self.rows[name] for name in names)
        low, high = interval
        for row in (above, below):
            self.model.changeCoeff(row, self.level_column, 0.0)
        self.model.changeRowBounds(above, -highspy.kHighsInf, high)
        self.model.changeRowBounds(below, low, highspy.kHighsInf)

    def solve(self, budget: Budget = UNLIMITED) -> RoundOutcome:
        """Run from the last basis and read the round back; infeasible raises ``Infeasible``."""
        import highspy

        _run_within(self.model, budget)
        status = self.model.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            raise Infeasible(("the solver found that the bounds cannot all be met",))
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverError(f"highs stopped with status {status.name}")
        solution = self.model.getSolution()
        values, costs = list(solution.col_value), list(solution.col_dual)
        duals = list(solution.row_dual)
        return RoundOutcome(
            level=float(values[self.level_column]),
            ratios=Indexed(self.columns, values),
            reduced_costs=Indexed(self.columns, costs),
            duals=Indexed(self.rows, duals),
            bound_duals=Indexed(self.bound_rows, duals),
        )


@dataclass(frozen=True, slots=True)
class ElasticOutcome:
    """One solve of the elastic LP: the ratio of every cell, the slack of every row."""

    ratios: Sequence[float]
    shortfalls: Sequence[float]
    excesses: Sequence[float]


class WarmElastic:
    """The elastic LP on one HiGHS model: each solve only moves column bounds.

    Handed over once; HiGHS restarts from its last basis, so a solve after a small change of
    bounds costs a few pivots.
    """

    def __init__(self, elastic: ElasticLP, *, tight: bool) -> None:
        self.tight = tight
        self.model = new_highs(tight=tight)
        hand_over(self.model, elastic.lp, elastic.lp.variables())
        self.ratio_columns = [variable.index for variable in elastic.ratios]
        self.shortfall_columns = [variable.index for variable in elastic.shortfalls]
        self.excess_columns = [variable.index for variable in elastic.excesses]
        ordered = [*self.ratio_columns, *self.shortfall_columns, *self.excess_columns]
        self.slices: tuple[int, int] | None = None
        if ordered == list(range(len(ordered))):
            self.slices = (
                len(self.ratio_columns),
                len(self.ratio_columns) + len(self.shortfall_columns),
            )

    def close(self) -> None:
        """Release the HiGHS model for the next solves; this object is done (a second call
        does nothing)."""
        model, self.model = self.model, None
        release_highs(model, tight=self.tight)

    def solve(
        self,
        columns: Sequence[int],
        low: Sequence[float],
        high: Sequence[float],
        *,
        budget: Budget = UNLIMITED,
    ) -> ElasticOutcome:
        """Set the bounds of the given cells' ratios, solve, read ratios and slacks back."""
        import highspy

        if columns:
            indices = [self.ratio_columns[column] for column in columns]
            changed = self.model.changeColsBounds(len(indices), indices, list(low), list(high))
            if changed != highspy.HighsStatus.kOk:
                raise SolverError(f"highs refused the bounds of {len(indices)} columns")
        _run_within(self.model, budget)
        status = self.model.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverError(f"highs stopped with status {status.name}")
        values = list(self.model.getSolution().col_value)
        if self.slices is not None:
            ratios, shortfalls = self.slices
            return ElasticOutcome(
                ratios=values[:ratios],
                shortfalls=values[ratios:shortfalls],
                excesses=values[shortfalls:],
            )
        return ElasticOutcome(
            ratios=[values[i] for i in self.ratio_columns],
            shortfalls=[values[i] for i in self.shortfall_columns],
            excesses=[values[i] for i in self.excess_columns],
        )


class FreshElastic:
    """The elastic LP solved by CBC through PuLP, the model written out afresh each solve."""

    def __init__(self, elastic: ElasticLP, *, tight: bool) -> None:
        self.elastic = elastic
        self.tight = tight

    def close(self) -> None:
        """Nothing to release: CBC runs in a process of its own for each solve."""

    def solve(
        self,
        columns: Sequence[int],
        low: Sequence[float],
        high: Sequence[float],
        *,
        budget: Budget = UNLIMITED,
    ) -> ElasticOutcome:
        """Set the bounds of the given cells' ratios, solve, read ratios and slacks back."""
        for column, lower, upper in zip(columns, low, high, strict=True):
            variable = self.elastic.ratios[column]
            variable.lowBound, variable.upBound = lower, upper
        solver = _pulp_solver("cbc", tight=self.tight, time_limit=budget.lp_limit())
        status = self.elastic.lp.solve(solver)
        if status != pulp.LpStatusOptimal:
            budget.check()
            raise SolverError(f"cbc stopped with status {pulp.LpStatus[status]!r}")
        return ElasticOutcome(
            ratios=[_number(v.varValue) for v in self.elastic.ratios],
            shortfalls=[_number(v.varValue) for v in self.elastic.shortfalls],
            excesses=[_number(v.varValue) for v in self.elastic.excesses],
        )


def elastic_solver(elastic: ElasticLP, solver: str, *, tight: bool) -> WarmElastic | FreshElastic:
    """The elastic LP's solver: a warm HiGHS model, or CBC afresh each solve."""
    check_solver(solver)
    if solver == "highs":
        return WarmElastic(elastic, tight=tight)
    return FreshElastic(elastic, tight=tight)


def _run_within(model: Any, budget: Budget) -> None:
    """Run a HiGHS model with what is left of the budget as its time limit."""
    import highspy

    limit = budget.lp_limit()
    model.setOptionValue("time_limit", highspy.kHighsInf if limit is None else limit)
    run(model)
    if model.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
        raise budget.exceeded()


_one_thread = True
"""False once HiGHS's thread pool turned out to be started with more threads (see run)."""


def run(model: Any) -> None:
    """``model.run()``; if HiGHS refuses one thread (its pool was started with more by
    something else in the process), run again with the pool as it is, and from then on
    create models without asking for one thread."""
    import highspy

    global _one_thread
    status = model.run()
    refused = model.getModelStatus() == highspy.HighsModelStatus.kNotset
    if status == highspy.HighsStatus.kError and refused:
        _one_thread = False
        model.setOptionValue("threads", 0)
        model.run()


class BulkHiGHS(pulp.HiGHS):  # type: ignore[misc]
    """PuLP's in-process HiGHS interface, handing the model over in bulk.

    PuLP's own interface adds columns and rows one call at a time and re-sorts the variable
    list several times per solve; for the many small LPs of a leximin sequence that overhead
    dwarfs the solve. Same model, same solver, same statuses; only the hand-over is faster.
    """

    def actualSolve(self, lp: pulp.LpProblem) -> int:  # noqa: N802 - PuLP's name
        """Solve ``lp`` and read values, reduced costs and duals back into it."""
        self.createAndConfigureSolver(lp)
        variables = lp.variables()
        hand_over(lp.solverModel, lp, variables)
        run(lp.solverModel)
        status, solution_status = self._read_back(lp, variables)
        lp.assignStatus(status, solution_status)
        return int(status)

    @staticmethod
    def _read_back(lp: pulp.LpProblem, variables: list[pulp.LpVariable]) -> tuple[int, int]:
        import highspy

        model = lp.solverModel
        solution = model.getSolution()
        values, costs = list(solution.col_value), list(solution.col_dual)
        for variable in variables:
            variable.varValue = values[variable.index]
            variable.dj = costs[variable.index]
        duals = list(solution.row_dual)
        for row in lp.constraints():
            row.pi = duals[row.index]
        status = model.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            return pulp.LpStatusOptimal, pulp.LpSolutionOptimal
        if status in (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible
        return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound


@functools.cache
def _swallow_highs_banner() -> None:
    """Create the first HiGHS instance with stdout muted.

    HiGHS prints a copyright banner on stdout when its first instance is created, even with
    output switched off; that would corrupt JSON written to stdout by the CLI.
    """
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(io.StringIO()):
            os.dup2(sink.fileno(), 1)
            highspy.Highs()  # type: ignore[no-untyped-call]
            _flush_c_stdout()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _flush_c_stdout() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).fflush(None)


def solver_description(name: str) -> dict[str, str]:
    """The solver's name and version, for reports.

    >>> solver_description("highs")["name"]
    'highs'
    """
    check_solver(name)
    if name == "highs":
        return {"name": "highs", "version": _highs_version()}
    return {"name": "cbc", "version": _cbc_version()}


@functools.cache
def _highs_version() -> str:
    return importlib.metadata.version("highspy")


@functools.cache
def _cbc_version() -> str:
    path = pulp.PULP_CBC_CMD.pulp_cbc_path
    try:
        completed = subprocess.run(
            [path], input="quit\n", capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    found = re.search(r"Version:\s*(\S+)", completed.stdout)
    return found.group(1) if found else "unknown"
