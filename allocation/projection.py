"""Several budget years at once: one report per projected year (see ``allocation.years``
for how each year is derived), and a table of amounts per ministry per year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from allocation.engine import allocate, engine_description
from allocation.errors import InvalidScenario
from allocation.money import cents_text
from allocation.report import INFEASIBLE, OPTIMAL, AllocationReport, input_hash
from allocation.scenario import JSON, Scenario, parse_rule
from allocation.solve import check_solver, solver_description
from allocation.years import project

__all__ = ["MultiYearReport", "allocate_year", "allocate_years", "project"]


@dataclass(frozen=True, slots=True)
class MultiYearReport:
    """One report per projected year, and a table of amounts per ministry per year."""

    reports: tuple[AllocationReport, ...]
    document: Mapping[str, JSON]
    engine: Mapping[str, str]
    solver: Mapping[str, str]

    @property
    def status(self) -> str:
        """ "optimal" when every year is, else "infeasible"."""
        return OPTIMAL if all(r.status == OPTIMAL for r in self.reports) else INFEASIBLE

    @property
    def input_hash(self) -> str:
        """SHA-256 of the normalised input, projection included."""
        return input_hash(self.document)

    def table(self) -> dict[str, JSON]:
        """Amounts per ministry per year as decimal strings; null for an infeasible year."""
        years = [str(report.year) for report in self.reports]
        ministries = [line.ministry for r in self.reports for line in r.lines]
        codes = sorted(set(ministries)) or _codes(self.document)
        lines: list[JSON] = []
        for code in codes:
            amounts: dict[str, JSON] = {}
            for year, report in zip(years, self.reports, strict=True):
                found = [line.total for line in report.lines if line.ministry == code]
                amounts[year] = cents_text(found[0]) if found else None
            lines.append({"ministry": code, "amounts": amounts})
        totals: dict[str, JSON] = {
            year: cents_text(report.total) for year, report in zip(years, self.reports, strict=True)
        }
        return {"years": list(years), "lines": lines, "totals": totals}

    def to_dict(self) -> dict[str, JSON]:
        """The multi-year report as JSON-able values."""
        return {
            "status": self.status,
            "rule": self.reports[0].rule.value,
            "input_hash": self.input_hash,
            "input": dict(self.document),
            "table": self.table(),
            "reports": [report.to_dict() for report in self.reports],
            "engine": dict(self.engine),
            "solver": dict(self.solver),
        }


def _codes(document: Mapping[str, JSON]) -> list[str]:
    weights = document.get("weights")
    return sorted(weights) if isinstance(weights, dict) else []


def allocate_years(
    scenario: Scenario,
    *,
    rule: str | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
) -> MultiYearReport:
    """Allocate every projected year (just the scenario's year without a projection).

    >>> from allocation.scenario import parse_scenario
    >>> doc = {"year": 2027, "base": 100, "weights": {"A": 1}, "projection": {"years": 2}}
    >>> allocate_years(parse_scenario(doc)).table()["totals"]
    {'2027': '100.00', '2028': '100.00'}
    """
    check_solver(solver)
    chosen = scenario.rule if rule is None else parse_rule(rule)
    normalised = replace(scenario, rule=chosen)
    reports = tuple(
        allocate(year, rule=chosen.value, solver=solver, time_limit=time_limit)
        for year in project(normalised)
    )
    return MultiYearReport(
        reports=reports,
        document=normalised.to_document(),
        engine=engine_description(),
        solver=solver_description(solver),
    )


def allocate_year(
    scenario: Scenario,
    year: int,
    *,
    rule: str | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
) -> AllocationReport:
    """Allocate one year of the projection, solving that year only.

    The report is the one :func:`allocate_years` gives for that year.

    >>> from allocation.scenario import parse_scenario
    >>> doc = {"year": 2027, "base": 100, "weights": {"A": 1}, "projection": {"years": 3}}
    >>> allocate_year(parse_scenario(doc), 2029).year
    2029
    """
    check_solver(solver)
    chosen = scenario.rule if rule is None else parse_rule(rule)
    years = project(replace(scenario, rule=chosen))
    for projected in years:
        if projected.year == year:
            return allocate(projected, rule=chosen.value, solver=solver, time_limit=time_limit)
    covered = ", ".join(str(s.year) for s in years)
    raise InvalidScenario("year", f"the scenario covers {covered}; {year} is not among them")
