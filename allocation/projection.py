"""Several budget years at once: contacts grow, the base is indexed, the bounds stay.

For projected year k (k = 0 for the scenario's own year):

* each channel's ``contacts`` become ``contacts × (1 + contact_growth)^k``, rounded half up to
  a whole contact; ``reference_contacts`` stay, because the base funds a fixed volume and the
  per-contact component pays for growth above it (the 113 model);
* the base becomes ``base × (1 + base_indexation)^k``, rounded half up to a cent;
* rates, weights, floors, ceilings, fixed amounts and max_share stay as written.

Powers are computed in exact fractions, so no year drifts by accumulated rounding. A year
whose bounds no longer fit (a ceiling that was fine in 2027 may not be in 2031) gets its own
report with status "infeasible".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

from allocation.engine import allocate, engine_description
from allocation.errors import InvalidScenario
from allocation.money import cents_text, euro_text, round_half_up
from allocation.report import INFEASIBLE, OPTIMAL, AllocationReport, input_hash
from allocation.scenario import (
    JSON,
    LAST_YEAR,
    MAX_CONTACTS,
    MAX_MONEY_CENTS,
    Scenario,
    parse_rule,
)
from allocation.solve import check_solver, solver_description


def project(scenario: Scenario) -> tuple[Scenario, ...]:
    """One scenario per projected year, each without a projection of its own.

    >>> from allocation.scenario import parse_scenario
    >>> doc = {"year": 2027, "base": 100, "weights": {"A": 1},
    ...        "variable": [{"channel": "hulplijn", "rate_per_contact": 1, "contacts": 10}],
    ...        "projection": {"years": 3, "contact_growth": "0.30"}}
    >>> [(s.year, s.variable[0].contacts) for s in project(parse_scenario(doc))]
    [(2027, 10), (2028, 13), (2029, 17)]
    """
    projection = scenario.projection
    if projection is None:
        return (replace(scenario, projection=None),)
    growth = Fraction(1 + projection.contact_growth)
    indexation = Fraction(1 + projection.base_indexation)
    return tuple(
        _year(scenario, offset, growth=growth**offset, indexation=indexation**offset)
        for offset in range(projection.years)
    )


def _year(scenario: Scenario, offset: int, *, growth: Fraction, indexation: Fraction) -> Scenario:
    year = scenario.year + offset
    if year > LAST_YEAR:
        raise InvalidScenario(
            "projection.years", f"the projection runs to {year}, past {LAST_YEAR}"
        )
    channels = []
    for channel in scenario.variable:
        contacts = round_half_up(channel.contacts * growth)
        if contacts > MAX_CONTACTS:
            raise InvalidScenario(
                "projection.contact_growth",
                f"channel {channel.name!r} would reach {contacts:,} contacts in {year}, "
                f"above the limit of {MAX_CONTACTS:,}",
            )
        channels.append(replace(channel, contacts=contacts))
    projected = replace(
        scenario,
        year=year,
        base=round_half_up(scenario.base * indexation),
        variable=tuple(channels),
        projection=None,
    )
    if projected.total > MAX_MONEY_CENTS:
        raise InvalidScenario(
            "projection",
            f"{year} would come to {euro_text(projected.total)}, "
            f"above the limit of {euro_text(MAX_MONEY_CENTS)}",
        )
    return projected


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
    scenario: Scenario, *, rule: str | None = None, solver: str = "highs"
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
        allocate(year, rule=chosen.value, solver=solver) for year in project(normalised)
    )
    return MultiYearReport(
        reports=reports,
        document=normalised.to_document(),
        engine=engine_description(),
        solver=solver_description(solver),
    )


def allocate_year(
    scenario: Scenario, year: int, *, rule: str | None = None, solver: str = "highs"
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
            return allocate(projected, rule=chosen.value, solver=solver)
    covered = ", ".join(str(s.year) for s in years)
    raise InvalidScenario("year", f"the scenario covers {covered}; {year} is not among them")
