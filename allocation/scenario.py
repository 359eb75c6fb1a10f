"""Stage 1: read a scenario document into frozen, normalised domain values.

The document is the contract with the outside world (see docs/scenario.md). Parsing is
strict: an unknown field, a float where money is expected or a weight with seven decimals is
refused with ``InvalidScenario(field, message)``, naming the field path. Normalising makes two
spellings of the same problem equal: weights become decimals, money becomes integer cents,
channels are ordered by name and a channel's default weights are written out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from allocation.errors import InvalidScenario
from allocation.money import CENTS_PER_EURO, cents_text, decimal_text, euro_text

MAX_MINISTRIES = 200
MAX_CHANNELS = 20
MAX_MONEY_CENTS = 10**12 * CENTS_PER_EURO
MAX_RATE_CENTS = 10**6 * CENTS_PER_EURO
MAX_WEIGHT = Decimal(10**9)
MAX_WEIGHT_PLACES = 6
MAX_CONTACTS = 10**9
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_PROJECTION_YEARS = 10
LOWEST_RATE, HIGHEST_RATE = Decimal("-0.99"), Decimal(10)

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,15}")
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_EXPONENT = re.compile(r"[-+]?[0-9]*\.?[0-9]*[eE][-+]?[0-9]+")

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
    """Multi-year settings: contacts grow yearly, the base is indexed yearly."""

    years: int
    contact_growth: Decimal = Decimal(0)
    base_indexation: Decimal = Decimal(0)


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

    @property
    def ministries(self) -> tuple[str, ...]:
        """Ministry codes in Unicode order, the canonical order of every output."""
        return tuple(code for code, _ in self.weights)

    @property
    def total(self) -> int:
        """T: the base plus every channel's pool, in cents."""
        return self.base + sum(channel.amount for channel in self.variable)

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
            document["projection"] = {
                "years": self.projection.years,
                "contact_growth": decimal_text(self.projection.contact_growth),
                "base_indexation": decimal_text(self.projection.base_indexation),
            }
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

_TOP_FIELDS = ("year", "rule", "base", "weights", "variable", "constraints", "projection")
_CHANNEL_FIELDS = ("channel", "rate_per_contact", "contacts", "reference_contacts", "weights")
_CONSTRAINT_FIELDS = ("max_share", "floors", "ceilings", "fixed")
_PROJECTION_FIELDS = ("years", "contact_growth", "base_indexation")


def parse_scenario(document: Mapping[str, object]) -> Scenario:
    """Read and normalise a scenario document, or raise ``InvalidScenario`` naming the field.

    >>> parse_scenario({"year": 2027, "base": "5000000.00", "weights": {"BZK": 1}}).total
    500000000
    >>> parse_scenario({"year": 2027, "base": 1, "weights": {"BZK": -1}})
    Traceback (most recent call last):
    allocation.errors.InvalidScenario: weights.BZK: must be ≥ 0, got -1
    """
    top = _object(document, "document")
    _check_fields(top, "", allowed=_TOP_FIELDS, required=("year", "base", "weights"))
    weights = _top_weights(top["weights"])
    ministries = tuple(code for code, _ in weights)
    scenario = Scenario(
        year=_integer(top["year"], "year", low=FIRST_YEAR, high=LAST_YEAR),
        rule=_rule(top.get("rule", Rule.CONSTRAINED.value), "rule"),
        base=_money(top["base"], "base"),
        weights=weights,
        variable=_channels(top.get("variable", []), weights),
        constraints=_constraints(top.get("constraints", {}), ministries),
        projection=_projection(top["projection"]) if "projection" in top else None,
    )
    _check_total(scenario)
    return scenario


def parse_rule(value: object) -> Rule:
    """Read a rule name such as ``"equal"``; raises ``InvalidScenario`` on field ``rule``."""
    return _rule(value, "rule")


def _check_total(scenario: Scenario) -> None:
    if scenario.total > MAX_MONEY_CENTS:
        raise InvalidScenario(
            "variable",
            f"the base and channels come to {euro_text(scenario.total)}, "
            f"above the limit of {euro_text(MAX_MONEY_CENTS)}",
        )


def _path(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _object(value: object, field_path: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise InvalidScenario(field_path, f"must be a JSON object, got {_kind(value)}")
    for key in value:
        if not isinstance(key, str):
            raise InvalidScenario(field_path, f"keys must be strings, got {key!r}")
    return value


def _check_fields(
    obj: Mapping[str, object], parent: str, *, allowed: Sequence[str], required: Sequence[str]
) -> None:
    for key in sorted(obj):
        if key not in allowed:
            raise InvalidScenario(_path(parent, key), "unknown field")
    for key in required:
        if key not in obj:
            raise InvalidScenario(_path(parent, key), "is required")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, Sequence):
        return "a list"
    return type(value).__name__


def _rule(value: object, field_path: str) -> Rule:
    choices = ", ".join(f'"{rule.value}"' for rule in Rule)
    if not isinstance(value, str) or value not in {rule.value for rule in Rule}:
        raise InvalidScenario(field_path, f"must be one of {choices}, got {_kind(value)}")
    return Rule(value)


def _integer(value: object, field_path: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidScenario(field_path, f"must be a whole number, got {_kind(value)}")
    if not low <= value <= high:
        raise InvalidScenario(field_path, f"must be between {low} and {high}, got {value}")
    return value


def _decimal(value: object, field_path: str, *, places: int) -> tuple[Decimal, str]:
    """A finite decimal with at most ``places`` decimals, and its text as written."""
    if isinstance(value, bool):
        raise InvalidScenario(field_path, "must be a number, not a boolean")
    if isinstance(value, int):
        return Decimal(value), str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidScenario(field_path, f"must be a finite number, got {value!r}")
        text = repr(value)
        number = Decimal(text)
    elif isinstance(value, str):
        text = value
        number = _decimal_text(value, field_path)
    else:
        raise InvalidScenario(field_path, f"must be a number or decimal string, got {_kind(value)}")
    if _places(number) > places:
        raise InvalidScenario(field_path, f"at most {places} decimals allowed, got {text}")
    return number, text


def _decimal_text(value: str, field_path: str) -> Decimal:
    if _PLAIN_DECIMAL.fullmatch(value):
        return Decimal(value)
    if _EXPONENT.fullmatch(value):
        raise InvalidScenario(
            field_path, f"exponent notation is not allowed, write the number out: got {value!r}"
        )
    raise InvalidScenario(
        field_path, f'must be a finite decimal number such as "1.5", got {value!r}'
    )


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite by construction
    return max(0, -exponent)


def _money(value: object, field_path: str, *, limit: int = MAX_MONEY_CENTS) -> int:
    """Money in cents from a decimal string or a JSON integer; JSON floats are refused."""
    if isinstance(value, float):
        raise InvalidScenario(
            field_path,
            'money must be a string such as "5000000.00" or a whole number; '
            f"JSON numbers with a fraction or exponent lose cents, got {value!r}",
        )
    if not isinstance(value, (int, str)) or isinstance(value, bool):
        raise InvalidScenario(
            field_path, f'must be an amount such as "1250.50", got {_kind(value)}'
        )
    number, text = _decimal(value, field_path, places=2)
    if number < 0:
        raise InvalidScenario(field_path, f"must be ≥ 0, got {text}")
    cents = int(number * CENTS_PER_EURO)
    if cents > limit:
        raise InvalidScenario(field_path, f"must be at most {cents_text(limit)}, got {text}")
    return cents


def _ratio(value: object, field_path: str, *, low: Decimal, high: Decimal) -> Decimal:
    number, text = _decimal(value, field_path, places=MAX_WEIGHT_PLACES)
    if not low <= number <= high:
        raise InvalidScenario(
            field_path, f"must be between {decimal_text(low)} and {decimal_text(high)}, got {text}"
        )
    return number + 0  # drops the sign of -0


def parse_weight(value: object, field_path: str) -> Decimal:
    """A mandate weight: finite, ≥ 0, at most 10^9 and six decimals; ``-0`` is 0.

    >>> parse_weight("1.50", "weights.EZ")
    Decimal('1.50')
    """
    number, text = _decimal(value, field_path, places=MAX_WEIGHT_PLACES)
    if number < 0:
        raise InvalidScenario(field_path, f"must be ≥ 0, got {text}")
    if number > MAX_WEIGHT:
        raise InvalidScenario(field_path, f"must be at most {MAX_WEIGHT}, got {text}")
    return number + 0


def _code(code: str, field_path: str) -> str:
    if not NAME_PATTERN.fullmatch(code):
        raise InvalidScenario(
            field_path,
            "a code is 1 to 16 characters: a letter, then letters, digits, '_' or '-'",
        )
    return code


def _top_weights(value: object) -> Weights:
    weights = _object(value, "weights")
    if not weights:
        raise InvalidScenario("weights", "must name at least one ministry")
    if len(weights) > MAX_MINISTRIES:
        raise InvalidScenario("weights", f"at most {MAX_MINISTRIES} ministries, got {len(weights)}")
    parsed = tuple(
        (_code(code, f"weights.{code}"), parse_weight(weights[code], f"weights.{code}"))
        for code in sorted(weights)
    )
    if all(weight == 0 for _, weight in parsed):
        raise InvalidScenario("weights", "at least one weight must be positive")
    return parsed


def _channel_weights(value: object, field_path: str, *, ministries: tuple[str, ...]) -> Weights:
    weights = _object(value, field_path)
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
        raise InvalidScenario("variable", f"must be a list of channels, got {_kind(value)}")
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
    item = _object(value, field_path)
    _check_fields(
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
        rate_per_contact=_money(
            item["rate_per_contact"], f"{field_path}.rate_per_contact", limit=MAX_RATE_CENTS
        ),
        contacts=_integer(item["contacts"], f"{field_path}.contacts", low=0, high=MAX_CONTACTS),
        reference_contacts=_integer(
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
        raise InvalidScenario(field_path, f"must be a string, got {_kind(value)}")
    if value == BASE_POOL:
        raise InvalidScenario(field_path, "'base' is reserved for the base pool")
    return _code(value, field_path)


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
    item = _object(value, "constraints")
    _check_fields(item, "constraints", allowed=_CONSTRAINT_FIELDS, required=())
    max_share = None
    if "max_share" in item:
        number, text = _decimal(item["max_share"], "constraints.max_share", places=6)
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
    amounts = _object(value, field_path)
    for code in sorted(amounts):
        if code not in ministries:
            raise InvalidScenario(f"{field_path}.{code}", f"unknown ministry {code!r}")
    return tuple((code, _money(amounts[code], f"{field_path}.{code}")) for code in sorted(amounts))


def _projection(value: object) -> Projection:
    item = _object(value, "projection")
    _check_fields(item, "projection", allowed=_PROJECTION_FIELDS, required=("years",))
    return Projection(
        years=_integer(item["years"], "projection.years", low=1, high=MAX_PROJECTION_YEARS),
        contact_growth=_ratio(
            item.get("contact_growth", 0),
            "projection.contact_growth",
            low=LOWEST_RATE,
            high=HIGHEST_RATE,
        ),
        base_indexation=_ratio(
            item.get("base_indexation", 0),
            "projection.base_indexation",
            low=LOWEST_RATE,
            high=HIGHEST_RATE,
        ),
    )
