"""The projected years of a scenario: contacts grow, the base is indexed, terms change what holds.

For projected year y (the scenario's own year y0 first):

* each channel's ``contacts`` become ``contacts × Π (1 + g_t)`` over the years t = y0+1 … y,
  where g_t is the growth that holds in year t: a term's growth for that channel, else a
  term's growth for all channels, else the projection's ``channel_growth`` for it, else its
  ``contact_growth``. The product is exact; each year is rounded half up to a whole contact
  from the exact product, never from the year before, so no year drifts by rounding.
  ``reference_contacts`` stay: the base funds a fixed volume and the per-contact component
  pays for growth above it (the 113 model);
* the base becomes ``base × Π (1 + i_t)`` with the indexation that holds in each year, rounded
  half up to a cent in the same way;
* weights, rates, floors, ceilings, fixed amounts and ``max_share`` are the scenario's, changed
  by the terms that hold in year y, applied in the order written;
* the funding streams travel with every year; each year counts those that pay in it.

A year whose bounds no longer fit (a ceiling that was fine in 2027 may not be in 2031) gets its
own report with status "infeasible".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from allocation.errors import InvalidScenario
from allocation.money import euro_text, round_half_up
from allocation.scenario import (
    LAST_YEAR,
    MAX_CONTACTS,
    MAX_MONEY_CENTS,
    Channel,
    Constraints,
    Scenario,
    check_external,
)
from allocation.terms import Changes, Term


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
    years = []
    growth = {channel.name: Fraction(1) for channel in scenario.variable}
    indexation = Fraction(1)
    for offset in range(projection.years):
        year = scenario.year + offset
        terms = tuple(term for term in projection.terms if term.holds_in(year))
        if offset:
            for channel in scenario.variable:
                growth[channel.name] *= 1 + Fraction(_growth(scenario, channel.name, terms))
            indexation *= 1 + Fraction(_indexation(scenario, terms))
        years.append(_year(scenario, year, terms=terms, growth=growth, indexation=indexation))
    return tuple(years)


def _growth(scenario: Scenario, channel: str, terms: tuple[Term, ...]) -> Decimal:
    assert scenario.projection is not None
    rate = dict(scenario.projection.channel_growth).get(channel, scenario.projection.contact_growth)
    for term in terms:
        if term.contact_growth is not None:
            rate = term.contact_growth
        rate = dict(term.channel_growth).get(channel, rate)
    return rate


def _indexation(scenario: Scenario, terms: tuple[Term, ...]) -> Decimal:
    assert scenario.projection is not None
    rate = scenario.projection.base_indexation
    for term in terms:
        if term.base_indexation is not None:
            rate = term.base_indexation
    return rate


def _changed(amounts: tuple[tuple[str, int], ...], changes: Changes) -> tuple[tuple[str, int], ...]:
    merged: dict[str, int | None] = dict(amounts)
    merged.update(changes)
    return tuple((code, cents) for code, cents in sorted(merged.items()) if cents is not None)


def _with_terms(scenario: Scenario, terms: tuple[Term, ...]) -> Scenario:
    """The scenario's weights, rates and bounds as the terms of one year change them."""
    weights = dict(scenario.weights)
    channel_weights = {channel.name: dict(channel.weights) for channel in scenario.variable}
    follows = {
        channel.name
        for channel in scenario.variable
        if channel.weights == tuple((c, w) for c, w in scenario.weights if w > 0)
    }
    rates = {channel.name: channel.rate_per_contact for channel in scenario.variable}
    constraints = scenario.constraints
    for term in terms:
        weights.update(term.weights)
        for name in follows:
            channel_weights[name] = {c: w for c, w in weights.items() if w > 0}
        for name, own in term.channel_weights:
            channel_weights[name] = {**channel_weights[name], **dict(own)}
            follows.discard(name)
        rates.update(term.rates)
        constraints = Constraints(
            max_share=term.max_share[0] if term.max_share else constraints.max_share,
            floors=_changed(constraints.floors, term.floors),
            ceilings=_changed(constraints.ceilings, term.ceilings),
            fixed=_changed(constraints.fixed, term.fixed),
        )
    if not terms:
        return scenario
    if not any(weight > 0 for weight in weights.values()):
        raise InvalidScenario(
            "projection.terms", f"in {scenario.year} every top-level weight would be zero"
        )
    channels = tuple(
        replace(
            channel,
            rate_per_contact=rates[channel.name],
            weights=tuple(
                (code, weight)
                for code, weight in sorted(channel_weights[channel.name].items())
                if weight > 0
            ),
        )
        for channel in scenario.variable
    )
    return replace(
        scenario,
        weights=tuple(sorted(weights.items())),
        variable=channels,
        constraints=constraints,
    )


def _year(
    scenario: Scenario,
    year: int,
    *,
    terms: tuple[Term, ...],
    growth: Mapping[str, Fraction],
    indexation: Fraction,
) -> Scenario:
    if year > LAST_YEAR:
        raise InvalidScenario(
            "projection.years", f"the projection runs to {year}, past {LAST_YEAR}"
        )
    changed = _with_terms(replace(scenario, year=year), terms)
    channels = []
    for channel in changed.variable:
        contacts = round_half_up(channel.contacts * growth[channel.name])
        if contacts > MAX_CONTACTS:
            raise InvalidScenario(
                "projection.contact_growth",
                f"channel {channel.name!r} would reach {contacts:,} contacts in {year}, "
                f"above the limit of {MAX_CONTACTS:,}",
            )
        projected_channel: Channel = replace(channel, contacts=contacts)
        if projected_channel.amount > 0 and not projected_channel.weights:
            raise InvalidScenario(
                "projection.terms",
                f"in {year} nobody has a weight in channel {channel.name!r}",
            )
        channels.append(projected_channel)
    projected = replace(
        changed,
        base=round_half_up(scenario.base * indexation),
        variable=tuple(channels),
        projection=None,
    )
    check_external(projected)
    if projected.total > MAX_MONEY_CENTS:
        raise InvalidScenario(
            "projection",
            f"{year} would come to {euro_text(projected.total)}, "
            f"above the limit of {euro_text(MAX_MONEY_CENTS)}",
        )
    return projected


def first_year(scenario: Scenario) -> Scenario:
    """The scenario's own year as its projection makes it (terms of that year applied), or
    the scenario itself when it has no projection."""
    if scenario.projection is None:
        return scenario
    return project(scenario)[0]
