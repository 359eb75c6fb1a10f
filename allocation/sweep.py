"""What-if grids: vary one or two inputs over stated values and allocate every point.

Negotiators ask "what if growth is 20% or 40%" and "what if BZK's weight is 2": a sweep
varies a channel's contact growth, a channel's rate per contact, one ministry's weight or one
ministry's fixed contribution over a grid (one or two axes) and allocates every year of the
projection at each point. Each point is the scenario with a term added that holds in every
year (``allocation.terms``), so a point is exactly the single run of the same inputs: the same
cents, nothing stored.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from allocation.errors import BudgetExceeded, InvalidScenario
from allocation.money import cents_text
from allocation.projection import allocate_years
from allocation.scenario import JSON, Projection, Scenario
from allocation.terms import Term
from allocation.values import (
    HIGHEST_RATE,
    LOWEST_RATE,
    MAX_RATE_CENTS,
    money_value,
    parse_weight,
    ratio_value,
)

PARAMETERS = ("channel_growth", "rate", "weight", "fixed")
MAX_AXES = 2
MAX_VALUES = 10
MAX_SOLVES = 100
"""At most this many years × points in one sweep: it is answered at once, never stored."""


@dataclass(frozen=True, slots=True)
class Axis:
    """One varied input: a parameter of a channel or a ministry, and its values."""

    parameter: str
    subject: str
    values: tuple[Decimal | int, ...]
    texts: tuple[str, ...]

    @property
    def label(self) -> str:
        """e.g. ``channel_growth hulplijn``."""
        return f"{self.parameter} {self.subject}"


def parse_axis(
    item: object, path: str, *, ministries: Sequence[str], channels: Sequence[str]
) -> Axis:
    """``{"parameter": "channel_growth", "channel": "hulplijn", "values": ["0.2", "0.4"]}``;
    ``weight`` and ``fixed`` name a ``ministry`` instead of a channel."""
    if not isinstance(item, dict):
        raise InvalidScenario(path, "must be an object with parameter, channel or ministry, values")
    parameter = item.get("parameter")
    if parameter not in PARAMETERS:
        raise InvalidScenario(f"{path}.parameter", f"must be one of {', '.join(PARAMETERS)}")
    key, known = (
        ("channel", channels)
        if parameter in ("channel_growth", "rate")
        else (
            "ministry",
            ministries,
        )
    )
    extra = sorted(set(item) - {"parameter", key, "values"})
    if extra:
        raise InvalidScenario(f"{path}.{extra[0]}", "unknown field")
    subject = item.get(key)
    if subject not in known:
        raise InvalidScenario(
            f"{path}.{key}", f"must name a {key} of the scenario, got {subject!r}"
        )
    raw = item.get("values")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_VALUES:
        raise InvalidScenario(f"{path}.values", f"must be a list of 1 to {MAX_VALUES} values")
    values: list[Decimal | int] = []
    for index, value in enumerate(raw):
        where = f"{path}.values[{index}]"
        if parameter == "channel_growth":
            values.append(ratio_value(value, where, low=LOWEST_RATE, high=HIGHEST_RATE))
        elif parameter == "weight":
            values.append(parse_weight(value, where))
        elif parameter == "rate":
            values.append(money_value(value, where, limit=MAX_RATE_CENTS))
        else:
            values.append(money_value(value, where))
    if len(set(values)) != len(values):
        raise InvalidScenario(f"{path}.values", "each value once")
    texts = tuple(_text(parameter, value) for value in values)
    return Axis(str(parameter), str(subject), tuple(values), texts)


def _text(parameter: str, value: Decimal | int) -> str:
    if isinstance(value, int):
        return cents_text(value)
    return format(value.normalize(), "f") if value != 0 else "0"


def _term(scenario: Scenario, point: Sequence[tuple[Axis, Decimal | int]]) -> Term:
    """A term holding in every year that sets the point's values."""
    growth = tuple((a.subject, v) for a, v in point if a.parameter == "channel_growth")
    rates = tuple((a.subject, v) for a, v in point if a.parameter == "rate")
    weights = tuple((a.subject, v) for a, v in point if a.parameter == "weight")
    fixed = tuple((a.subject, v) for a, v in point if a.parameter == "fixed")
    return Term(
        first=scenario.year,
        channel_growth=tuple((name, Decimal(value)) for name, value in growth),
        rates=tuple((name, int(value)) for name, value in rates),
        weights=tuple((code, Decimal(value)) for code, value in weights),
        fixed=tuple((code, int(value)) for code, value in fixed),
    )


def at_point(scenario: Scenario, point: Sequence[tuple[Axis, Decimal | int]]) -> Scenario:
    """The scenario with the point's values holding in every year."""
    term = _term(scenario, point)
    projection = scenario.projection or Projection(years=1)
    return replace(scenario, projection=replace(projection, terms=(*projection.terms, term)))


def _over_budget(scenario: Scenario, budget: float) -> BudgetExceeded:
    cells = sum(w > 0 for _, w in scenario.weights) + sum(len(c.weights) for c in scenario.variable)
    return BudgetExceeded(
        ministries=len(scenario.ministries),
        pools=1 + len(scenario.variable),
        cells=cells,
        budget=budget,
    )


def check_size(scenario: Scenario, axes: Sequence[Axis]) -> int:
    """The number of solves the sweep needs; refused past ``MAX_SOLVES`` or ``MAX_AXES``."""
    if not 1 <= len(axes) <= MAX_AXES:
        raise InvalidScenario("vary", f"vary one or two inputs, got {len(axes)}")
    if len({(a.parameter, a.subject) for a in axes}) != len(axes):
        raise InvalidScenario("vary", "each input once")
    points = 1
    for axis in axes:
        points *= len(axis.values)
    years = scenario.projection.years if scenario.projection else 1
    if points * years > MAX_SOLVES:
        raise InvalidScenario(
            "vary",
            f"{points} points × {years} years = {points * years} allocations; at most "
            f"{MAX_SOLVES} in one sweep",
        )
    return points * years


def sweep(
    scenario: Scenario,
    axes: Sequence[Axis],
    *,
    rule: str | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
) -> dict[str, JSON]:
    """Every point of the grid, per year and ministry, and each figure's range.

    >>> from allocation.scenario import parse_scenario
    >>> doc = {"year": 2027, "base": 100, "weights": {"A": 1, "B": 1},
    ...        "projection": {"years": 2}}
    >>> s = parse_scenario(doc)
    >>> axis = parse_axis({"parameter": "weight", "ministry": "A", "values": [1, 3]},
    ...                   "vary[0]", ministries=("A", "B"), channels=())
    >>> result = sweep(s, [axis])
    >>> result["ranges"]["A"]["2028"]
    {'min': '50.00', 'max': '75.00'}
    """
    check_size(scenario, axes)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    points: list[JSON] = []
    seen: dict[str, dict[str, list[int]]] = {}
    for combination in itertools.product(*(zip(a.values, a.texts, strict=True) for a in axes)):
        point = [(axis, value) for axis, (value, _) in zip(axes, combination, strict=True)]
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise _over_budget(scenario, time_limit or 0.0)
        years = allocate_years(at_point(scenario, point), rule=rule, solver=solver, time_limit=left)
        rows: list[JSON] = []
        for report in years.reports:
            amounts = {line.ministry: line.total for line in report.lines}
            for code, cents in amounts.items():
                seen.setdefault(code, {}).setdefault(str(report.year), []).append(cents)
            funding = report.to_dict().get("funding") if scenario.funding else None
            rows.append(
                {
                    "year": report.year,
                    "status": report.status,
                    "total": cents_text(report.total),
                    "gap": funding.get("gap") if isinstance(funding, dict) else None,
                    "ministries": {code: cents_text(c) for code, c in amounts.items()},
                    "problems": list(report.problems),
                }
            )
        points.append(
            {
                "values": {
                    axis.label: text for axis, (_, text) in zip(axes, combination, strict=True)
                },
                "years": rows,
            }
        )
    ranges: dict[str, JSON] = {
        code: {
            year: {"min": cents_text(min(values)), "max": cents_text(max(values))}
            for year, values in sorted(by_year.items())
        }
        for code, by_year in sorted(seen.items())
    }
    return {
        "axes": [
            {"parameter": a.parameter, "subject": a.subject, "values": list(a.texts)} for a in axes
        ],
        "points": points,
        "ranges": ranges,
    }
