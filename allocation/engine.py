"""The engine's front door: scenario in, allocation report out.

``allocate`` runs the stages in order — model, rule (LP for the constrained rule), rounding,
report — and turns infeasible bounds into a report with status "infeasible", never a crash.
"""

from __future__ import annotations

from dataclasses import replace

from allocation.budget import Budget
from allocation.errors import Infeasible
from allocation.exact import check_allocation
from allocation.explanation import explain, explain_infeasible
from allocation.funding import funding_summary, split_scenario
from allocation.model import Problem, bound_constraints, build_problem, violations
from allocation.report import (
    INFEASIBLE,
    OPTIMAL,
    AllocationReport,
    broken_bounds,
    build_lines,
    leximin_levels,
)
from allocation.rounding import round_allocation
from allocation.rules import exact_allocation
from allocation.scenario import JSON, Rule, Scenario, parse_rule
from allocation.solve import check_solver, solver_description
from allocation.version import ENGINE_NAME, __version__
from allocation.years import first_year


def allocate(
    scenario: Scenario,
    *,
    rule: str | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
) -> AllocationReport:
    """Split the scenario's year by ``rule`` (default: the scenario's own rule).

    ``time_limit`` (seconds; None: no limit) bounds the whole allocation: every LP gets what
    is left as its own limit and the steps between them check the deadline. Running out
    raises ``BudgetExceeded``, which says how large the problem was.

    >>> from allocation.scenario import parse_scenario
    >>> doc = {"year": 2027, "base": "5000000.00",
    ...        "weights": {m: 1 for m in ["JenV", "BZK", "EZ", "VWS", "BZ", "OCW"]}}
    >>> report = allocate(parse_scenario(doc))
    >>> [(line.ministry, line.total) for line in report.lines][:3]
    [('BZ', 83333334), ('BZK', 83333334), ('EZ', 83333333)]
    """
    budget = Budget.start(time_limit)
    check_solver(solver)
    chosen = scenario.rule if rule is None else parse_rule(rule)
    year = replace(first_year(scenario), rule=chosen, projection=None)
    report = _allocate_split(
        split_scenario(year), chosen, document=year.to_document(), solver=solver, budget=budget
    )
    summary = funding_summary(year, report.lines)
    return report if summary is None else replace(report, funding=summary)


def _allocate_split(
    year: Scenario, chosen: Rule, *, document: dict[str, JSON], solver: str, budget: Budget
) -> AllocationReport:
    """Allocate what the ministries split; ``document`` is the scenario as written."""
    problem = build_problem(year)
    budget = budget.sized(problem)
    try:
        allocation = exact_allocation(problem, chosen, solver=solver, budget=budget)
    except Infeasible as infeasible:
        return _infeasible_report(
            problem, year, document=document, problems=infeasible.problems, solver=solver
        )
    budget.check()
    rounded = round_allocation(problem, allocation.cells, totals=allocation.totals, budget=budget)
    if chosen is Rule.CONSTRAINED:
        check_allocation(problem, rounded.cells)
        found = []
    else:
        found = violations(bound_constraints(problem), rounded.cells)
    broken, warnings = broken_bounds(problem, rounded, found=found)
    lines = build_lines(problem, allocation, rounded=rounded, broken=broken)
    levels = leximin_levels(problem, allocation)
    return AllocationReport(
        status=OPTIMAL,
        rule=chosen,
        year=year.year,
        total=problem.total,
        pools=_pools(problem),
        lines=lines,
        problems=(),
        warnings=warnings,
        explanation=explain(
            problem, chosen, lines=lines, levels=levels, marginals=allocation.marginals
        ),
        levels=levels,
        marginals=allocation.marginals,
        document=document,
        engine=engine_description(),
        solver=solver_description(solver),
    )


def engine_description() -> dict[str, str]:
    """The engine's name and version, as reported."""
    return {"name": ENGINE_NAME, "version": __version__}


def _pools(problem: Problem) -> tuple[tuple[str, int], ...]:
    return tuple((pool.name, pool.amount) for pool in problem.pools)


def _infeasible_report(
    problem: Problem,
    scenario: Scenario,
    *,
    document: dict[str, JSON],
    problems: tuple[str, ...],
    solver: str,
) -> AllocationReport:
    return AllocationReport(
        status=INFEASIBLE,
        rule=scenario.rule,
        year=scenario.year,
        total=problem.total,
        pools=_pools(problem),
        lines=(),
        problems=problems,
        warnings=(),
        explanation=explain_infeasible(problems),
        levels=(),
        marginals=(),
        document=document,
        engine=engine_description(),
        solver=solver_description(solver),
    )
