"""Stage 1: read a scenario document into frozen, normalised domain values.

The document is the contract with the outside world (see docs/scenario.md). Parsing is
strict: an unknown field, a float where money is expected or a weight with seven decimals is
refused with ``InvalidScenario(field, message)``, naming the field path. Normalising makes two
spellings of the same problem equal: weights become decimals, money becomes integer cents,
channels are ordered by name and a channel's default weights are written out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from allocation.errors import InvalidScenario
from allocation.money import cents_text, decimal_text, euro_text
from allocation.terms import Stream, Term, parse_channel_growth, parse_funding, parse_terms
from allocation.values import (
    FIRST_YEAR,
    HIGHEST_RATE,
    LAST_YEAR,
    LOWEST_RATE,
    MAX_CHANNELS,
    MAX_CONTACTS,
    MAX_MINISTRIES,
    MAX_MONEY_CENTS,
    MAX_PROJECTION_YEARS,
    MAX_RATE_CENTS,
    MAX_WEIGHT,
    MAX_WEIGHT_PLACES,
    check_fields,
    code_value,
    decimal_value,
    integer_value,
    kind_of,
    money_value,
    object_value,
    parse_weight,
    ratio_value,
)

__all__ = [
    "BASE_POOL",
    "FIRST_YEAR",
    "HIGHEST_RATE",
    "LAST_YEAR",
    "LOWEST_RATE",
    "MAX_CHANNELS",
    "MAX_CONTACTS",
    "MAX_MINISTRIES",
    "MAX_MONEY_CENTS",
    "MAX_PROJECTION_YEARS",
    "MAX_RATE_CENTS",
    "MAX_WEIGHT",
    "MAX_WEIGHT_PLACES",
    "JSON",
    "Amounts",
    "Channel",
    "Constraints",
    "Projection",
    "Rule",
    "Scenario",
    "Weights",
    "check_external",
    "parse_rule",
    "parse_scenario",
    "parse_weight",
]

BASE_POOL = "base"


class Rule(StrEnum):
    """How a year's cost is split; see docs/scenario.md for each rule's definition."""

    PROPORTIONAL = "proportional"
    EQUAL = "equal"
    CONSTRAINED = "constrained"


JSON = None | bool | int | str | list["JSON"] | dict[str, "JSON"]
"""A JSON value as this engine writes it: never a float, numbers as decimal strings."""

Weights = tuple[tuple[str, Decimal], ...]
Amounts = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Channel:
    """A variable cost pool: a rate per contact above a reference volume (the 113 model)."""

    name: str
    rate_per_contact: int
    contacts: int
    reference_contacts: int
    weights: Weights

    @property
    def paid_contacts(self) -> int:
        """Contacts above the reference volume; the base already funds the reference."""
        return max(0, self.contacts - self.reference_contacts)

    @property
    def amount(self) -> int:
        """The channel's pool in cents: rate × paid contacts."""
        return self.rate_per_contact * self.paid_contacts


@dataclass(frozen=True, slots=True)
class Constraints:
    """Bounds on each ministry's yearly total, all in cents; max_share is a fraction of T."""

    max_share: Decimal | None = None
    floors: Amounts = ()
    ceilings: Amounts = ()
    fixed: Amounts = ()


@dataclass(frozen=True, slots=True)
class Projection:
    """Multi-year settings: contacts grow yearly (per channel where given), the base is
    indexed yearly, and terms say what changes in which years (``allocation.terms``)."""

    years: int
    contact_growth: Decimal = Decimal(0)
    base_indexation: Decimal = Decimal(0)
    channel_growth: tuple[tuple[str, Decimal], ...] = ()
    terms: tuple[Term, ...] = ()


@dataclass(frozen=True, slots=True)
class Scenario:
    """One normalised scenario: what is to be split in ``year`` and by which rule."""

    year: int
    rule: Rule
    base: int
    weights: Weights
    variable: tuple[Channel, ...] = ()
    constraints: Constraints = field(default_factory=Constraints)
    projection: Projection | None = None
    funding: tuple[Stream, ...] = ()

    @property
    def ministries(self) -> tuple[str, ...]:
        """Ministry codes in Unicode order, the canonical order of every output."""
        return tuple(code for code, _ in self.weights)

    @property
    def total(self) -> int:
        """T: the base plus every channel's pool, in cents."""
        return self.base + sum(channel.amount for channel in self.variable)

    @property
    def external(self) -> int:
        """External funding in the scenario's year (money no ministry pays), in cents."""
        return sum(s.amount for s in self.funding if s.external and s.holds_in(self.year))

    def to_document(self) -> dict[str, JSON]:
        """The canonical JSON-able document; ``parse_scenario`` reads it back unchanged.

        >>> s = parse_scenario({"year": 2027, "base": 5000000, "weights": {"JenV": "1.0"}})
        >>> s.to_document()["base"], s.to_document()["weights"]
        ('5000000.00', {'JenV': '1'})
        """
        document: dict[str, JSON] = {
            "year": self.year,
            "rule": self.rule.value,
            "base": cents_text(self.base),
            "weights": _weights_document(self.weights),
            "variable": [_channel_document(channel) for channel in self.variable],
            "constraints": _constraints_document(self.constraints),
        }
        if self.projection is not None:
            document["projection"] = _projection_document(self.projection)
        if self.funding:
            document["funding"] = [stream.to_document() for stream in self.funding]
        return document


def _projection_document(projection: Projection) -> dict[str, JSON]:
    document: dict[str, JSON] = {
        "years": projection.years,
        "contact_growth": decimal_text(projection.contact_growth),
        "base_indexation": decimal_text(projection.base_indexation),
    }
    if projection.channel_growth:
        document["channel_growth"] = {
            name: decimal_text(growth) for name, growth in projection.channel_growth
        }
    if projection.terms:
        document["terms"] = [term.to_document() for term in projection.terms]
    return document


def _weights_document(weights: Weights) -> dict[str, JSON]:
    return {code: decimal_text(weight) for code, weight in weights}


def _amounts_document(amounts: Amounts) -> dict[str, JSON]:
    return {code: cents_text(cents) for code, cents in amounts}


def _channel_document(channel: Channel) -> dict[str, JSON]:
    return {
        "channel": channel.name,
        "rate_per_contact": cents_text(channel.rate_per_contact),
        "contacts": channel.contacts,
        "reference_contacts": channel.reference_contacts,
        "weights": _weights_document(channel.weights),
    }


def _constraints_document(constraints: Constraints) -> dict[str, JSON]:
    document: dict[str, JSON] = {
        "floors": _amounts_document(constraints.floors),
        "ceilings": _amounts_document(constraints.ceilings),
        "fixed": _amounts_document(constraints.fixed),
    }
    if constraints.max_share is not None:
        document["max_share"] = decimal_text(constraints.max_share)
    return document


# --- reading ------------------------------------------------------------------------------

_TOP_FIELDS = (
    "year",
    "rule",
    "base",
    "weights",
    "variable",
    "constraints",
    "projection",
    "funding",
)
_CHANNEL_FIELDS = ("channel", "rate_per_contact", "contacts", "reference_contacts", "weights")
_CONSTRAINT_FIELDS = ("max_share", "floors", "ceilings", "fixed")
_PROJECTION_FIELDS = ("years", "contact_growth", "base_indexation", "channel_growth", "terms")


def parse_scenario(document: Mapping[str, object]) -> Scenario:
    """Read and normalise a scenario document, or raise ``InvalidScenario`` naming the field.

    >>> parse_scenario({"year": 2027, "base": "5000000.00", "weights": {"BZK": 1}}).total
    500000000
    >>> parse_scenario({"year": 2027, "base": 1, "weights": {"BZK": -1}})
    Traceback (most recent call last):
    allocation.errors.InvalidScenario: weights.BZK: must be ≥ 0, got -1
    """
    top = object_value(document, "document")
    check_fields(top, "", allowed=_TOP_FIELDS, required=("year", "base", "weights"))
    weights = _top_weights(top["weights"])
    ministries = tuple(code for code, _ in weights)
    year = integer_value(top["year"], "year", low=FIRST_YEAR, high=LAST_YEAR)
    variable = _channels(top.get("variable", []), weights)
    channels = tuple(channel.name for channel in variable)
    scenario = Scenario(
        year=year,
        rule=_rule(top.get("rule", Rule.CONSTRAINED.value), "rule"),
        base=money_value(top["base"], "base"),
        weights=weights,
        variable=variable,
        constraints=_constraints(top.get("constraints", {}), ministries),
        projection=(
            _projection(top["projection"], year=year, ministries=ministries, channels=channels)
            if "projection" in top
            else None
        ),
        funding=parse_funding(top["funding"], ministries=ministries) if "funding" in top else (),
    )
    _check_total(scenario)
    return scenario


def parse_rule(value: object) -> Rule:
    """Read a rule name such as ``"equal"``; raises ``InvalidScenario`` on field ``rule``."""
    return _rule(value, "rule")


def check_external(scenario: Scenario) -> None:
    """External funding reduces the base the ministries split; it cannot exceed it."""
    if scenario.external > scenario.base:
        raise InvalidScenario(
            "funding",
            f"external funding of {euro_text(scenario.external)} in {scenario.year} exceeds "
            f"the base of {euro_text(scenario.base)}",
        )


def _check_total(scenario: Scenario) -> None:
    check_external(scenario)
    if scenario.total > MAX_MONEY_CENTS:
        raise InvalidScenario(
            "variable",
            f"the base and channels come to {euro_text(scenario.total)}, "
            f"above the limit of {euro_text(MAX_MONEY_CENTS)}",
        )


def _rule(value: object, field_path: str) -> Rule:
    choices = ", ".join(f'"{rule.value}"' for rule in Rule)
    if not isinstance(value, str) or value not in {rule.value for rule in Rule}:
        raise InvalidScenario(field_path, f"must be one of {choices}, got {kind_of(value)}")
    return Rule(value)


def _top_weights(value: object) -> Weights:
    weights = object_value(value, "weights")
    if not weights:
        raise InvalidScenario("weights", "must name at least one ministry")
    if len(weights) > MAX_MINISTRIES:
        raise InvalidScenario("weights", f"at most {MAX_MINISTRIES} ministries, got {len(weights)}")
    parsed = tuple(
        (code_value(code, f"weights.{code}"), parse_weight(weights[code], f"weights.{code}"))
        for code in sorted(weights)
    )
    if all(weight == 0 for _, weight in parsed):
        raise InvalidScenario("weights", "at least one weight must be positive")
    return parsed


def _channel_weights(value: object, field_path: str, *, ministries: tuple[str, ...]) -> Weights:
    weights = object_value(value, field_path)
    parsed = []
    for code in sorted(weights):
        if code not in ministries:
            raise InvalidScenario(f"{field_path}.{code}", f"unknown ministry {code!r}")
        weight = parse_weight(weights[code], f"{field_path}.{code}")
        if weight > 0:
            parsed.append((code, weight))
    return tuple(parsed)


def _channels(value: object, top_weights: Weights) -> tuple[Channel, ...]:
    if not isinstance(value, list):
        raise InvalidScenario("variable", f"must be a list of channels, got {kind_of(value)}")
    if len(value) > MAX_CHANNELS:
        raise InvalidScenario("variable", f"at most {MAX_CHANNELS} channels, got {len(value)}")
    channels: dict[str, Channel] = {}
    for index, item in enumerate(value):
        channel = _channel(item, f"variable[{index}]", top_weights=top_weights)
        if channel.name in channels:
            raise InvalidScenario(
                f"variable[{index}].channel", f"duplicate channel {channel.name!r}"
            )
        channels[channel.name] = channel
    return tuple(channels[name] for name in sorted(channels))


def _channel(value: object, field_path: str, *, top_weights: Weights) -> Channel:
    item = object_value(value, field_path)
    check_fields(
        item,
        field_path,
        allowed=_CHANNEL_FIELDS,
        required=("channel", "rate_per_contact", "contacts"),
    )
    name = _channel_name(item["channel"], f"{field_path}.channel")
    ministries = tuple(code for code, _ in top_weights)
    default = tuple((code, weight) for code, weight in top_weights if weight > 0)
    channel = Channel(
        name=name,
        rate_per_contact=money_value(
            item["rate_per_contact"], f"{field_path}.rate_per_contact", limit=MAX_RATE_CENTS
        ),
        contacts=integer_value(
            item["contacts"], f"{field_path}.contacts", low=0, high=MAX_CONTACTS
        ),
        reference_contacts=integer_value(
            item.get("reference_contacts", 0),
            f"{field_path}.reference_contacts",
            low=0,
            high=MAX_CONTACTS,
        ),
        weights=(
            _channel_weights(item["weights"], f"{field_path}.weights", ministries=ministries)
            if "weights" in item
            else default
        ),
    )
    _check_carriable(channel, f"{field_path}.weights")
    return channel


def _channel_name(value: object, field_path: str) -> str:
    if not isinstance(value, str):
        raise InvalidScenario(field_path, f"must be a string, got {kind_of(value)}")
    if value == BASE_POOL:
        raise InvalidScenario(field_path, "'base' is reserved for the base pool")
    return code_value(value, field_path)


def _check_carriable(channel: Channel, field_path: str) -> None:
    if channel.amount > MAX_MONEY_CENTS:
        raise InvalidScenario(
            field_path.rsplit(".", 1)[0],
            f"channel {channel.name!r} comes to {euro_text(channel.amount)}, "
            f"above the limit of {euro_text(MAX_MONEY_CENTS)}",
        )
    if channel.amount > 0 and not channel.weights:
        raise InvalidScenario(
            field_path,
            f"all weights are zero, so nobody can carry the {euro_text(channel.amount)} "
            f"of channel {channel.name!r}",
        )


def _constraints(value: object, ministries: tuple[str, ...]) -> Constraints:
    item = object_value(value, "constraints")
    check_fields(item, "constraints", allowed=_CONSTRAINT_FIELDS, required=())
    max_share = None
    if "max_share" in item:
        number, text = decimal_value(item["max_share"], "constraints.max_share", places=6)
        if not 0 < number <= 1:
            raise InvalidScenario("constraints.max_share", f"must be > 0 and ≤ 1, got {text}")
        max_share = number
    return Constraints(
        max_share=max_share,
        floors=_amounts(item.get("floors", {}), "constraints.floors", ministries=ministries),
        ceilings=_amounts(item.get("ceilings", {}), "constraints.ceilings", ministries=ministries),
        fixed=_amounts(item.get("fixed", {}), "constraints.fixed", ministries=ministries),
    )


def _amounts(value: object, field_path: str, *, ministries: tuple[str, ...]) -> Amounts:
    amounts = object_value(value, field_path)
    for code in sorted(amounts):
        if code not in ministries:
            raise InvalidScenario(f"{field_path}.{code}", f"unknown ministry {code!r}")
    return tuple(
        (code, money_value(amounts[code], f"{field_path}.{code}")) for code in sorted(amounts)
    )


def _projection(
    value: object, *, year: int, ministries: tuple[str, ...], channels: tuple[str, ...]
) -> Projection:
    item = object_value(value, "projection")
    check_fields(item, "projection", allowed=_PROJECTION_FIELDS, required=("years",))
    years = integer_value(item["years"], "projection.years", low=1, high=MAX_PROJECTION_YEARS)
    return Projection(
        years=years,
        channel_growth=parse_channel_growth(
            item.get("channel_growth", {}), "projection.channel_growth", channels=channels
        ),
        terms=parse_terms(
            item.get("terms", []),
            "projection.terms",
            ministries=ministries,
            channels=channels,
            years=range(year, min(year + years, LAST_YEAR + 1)),
        ),
        contact_growth=ratio_value(
            item.get("contact_growth", 0),
            "projection.contact_growth",
            low=LOWEST_RATE,
            high=HIGHEST_RATE,
        ),
        base_indexation=ratio_value(
            item.get("base_indexation", 0),
            "projection.base_indexation",
            low=LOWEST_RATE,
            high=HIGHEST_RATE,
        ),
    )
