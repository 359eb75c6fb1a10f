"""What the ministries split once external money is counted, and what each pays today.

External funding (an EU grant, sponsoring) reduces the base pool: the base provision is what
such money co-funds. The ministries split the rest. Beside the split, a year's report states
the need, today's funding streams, the gap between them, and per ministry what it pays today,
what it would pay under the rule, and the change in euros and percent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction

from allocation.money import cents_text, fraction_text
from allocation.report import Line
from allocation.scenario import JSON, Scenario


def split_scenario(scenario: Scenario) -> Scenario:
    """The scenario the ministries split: its base less the year's external funding.

    >>> from allocation.scenario import parse_scenario
    >>> doc = {"year": 2027, "base": 100, "weights": {"A": 1},
    ...        "funding": [{"name": "EU", "amount": 40}]}
    >>> split_scenario(parse_scenario(doc)).base
    6000
    """
    if not scenario.external:
        return scenario
    return replace(scenario, base=scenario.base - scenario.external)


def _percent(part: int, whole: int) -> str | None:
    return None if whole == 0 else fraction_text(Fraction(part * 100, whole), 2)


def funding_summary(scenario: Scenario, lines: Sequence[Line]) -> dict[str, JSON] | None:
    """Need, external money, today's streams, the gap and per ministry today vs the rule;
    None when the scenario states no funding streams."""
    if not scenario.funding:
        return None
    streams = [s for s in scenario.funding if s.holds_in(scenario.year)]
    need = scenario.total
    current = sum(s.amount for s in streams)
    paid = {line.ministry: line.total for line in lines}
    ministries: list[JSON] = []
    for code in scenario.ministries:
        today = sum(s.amount for s in streams if s.ministry == code)
        under_rule = paid.get(code)
        change = None if under_rule is None else under_rule - today
        ministries.append(
            {
                "ministry": code,
                "today": cents_text(today),
                "rule": None if under_rule is None else cents_text(under_rule),
                "change": None if change is None else cents_text(change),
                "change_pct": None if change is None else _percent(change, today),
            }
        )
    return {
        "need": cents_text(need),
        "external": cents_text(scenario.external),
        "to_split": cents_text(need - scenario.external),
        "streams": [
            {"name": s.name, "ministry": s.ministry, "amount": cents_text(s.amount)}
            for s in streams
        ],
        "current": cents_text(current),
        "gap": cents_text(need - current),
        "gap_pct": _percent(need - current, need),
        "ministries": ministries,
    }
