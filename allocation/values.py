"""Reading the values of a scenario document: numbers, money, ratios, codes and objects.

Strict: a float where money is expected, an exponent in a decimal string, a weight with seven
decimals or an unknown field is refused with ``InvalidScenario(field, message)``, naming the
field path. Shared by the scenario, its year-specific terms and its funding streams.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from allocation.errors import InvalidScenario
from allocation.money import CENTS_PER_EURO, cents_text, decimal_text

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


def field_path_of(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def object_value(value: object, field_path: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise InvalidScenario(field_path, f"must be a JSON object, got {kind_of(value)}")
    for key in value:
        if not isinstance(key, str):
            raise InvalidScenario(field_path, f"keys must be strings, got {key!r}")
    return value


def check_fields(
    obj: Mapping[str, object], parent: str, *, allowed: Sequence[str], required: Sequence[str]
) -> None:
    for key in sorted(obj):
        if key not in allowed:
            raise InvalidScenario(field_path_of(parent, key), "unknown field")
    for key in required:
        if key not in obj:
            raise InvalidScenario(field_path_of(parent, key), "is required")


def kind_of(value: object) -> str:
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


def integer_value(value: object, field_path: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidScenario(field_path, f"must be a whole number, got {kind_of(value)}")
    if not low <= value <= high:
        raise InvalidScenario(field_path, f"must be between {low} and {high}, got {value}")
    return value


def decimal_value(value: object, field_path: str, *, places: int) -> tuple[Decimal, str]:
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
        number = plain_decimal(value, field_path)
    else:
        raise InvalidScenario(
            field_path, f"must be a number or decimal string, got {kind_of(value)}"
        )
    if places_of(number) > places:
        raise InvalidScenario(field_path, f"at most {places} decimals allowed, got {text}")
    return number, text


def plain_decimal(value: str, field_path: str) -> Decimal:
    if _PLAIN_DECIMAL.fullmatch(value):
        return Decimal(value)
    if _EXPONENT.fullmatch(value):
        raise InvalidScenario(
            field_path, f"exponent notation is not allowed, write the number out: got {value!r}"
        )
    raise InvalidScenario(
        field_path, f'must be a finite decimal number such as "1.5", got {value!r}'
    )


def places_of(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite by construction
    return max(0, -exponent)


def money_value(value: object, field_path: str, *, limit: int = MAX_MONEY_CENTS) -> int:
    """Money in cents from a decimal string or a JSON integer; JSON floats are refused."""
    if isinstance(value, float):
        raise InvalidScenario(
            field_path,
            'money must be a string such as "5000000.00" or a whole number; '
            f"JSON numbers with a fraction or exponent lose cents, got {value!r}",
        )
    if not isinstance(value, (int, str)) or isinstance(value, bool):
        raise InvalidScenario(
            field_path, f'must be an amount such as "1250.50", got {kind_of(value)}'
        )
    number, text = decimal_value(value, field_path, places=2)
    if number < 0:
        raise InvalidScenario(field_path, f"must be ≥ 0, got {text}")
    cents = int(number * CENTS_PER_EURO)
    if cents > limit:
        raise InvalidScenario(field_path, f"must be at most {cents_text(limit)}, got {text}")
    return cents


def ratio_value(value: object, field_path: str, *, low: Decimal, high: Decimal) -> Decimal:
    number, text = decimal_value(value, field_path, places=MAX_WEIGHT_PLACES)
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
    number, text = decimal_value(value, field_path, places=MAX_WEIGHT_PLACES)
    if number < 0:
        raise InvalidScenario(field_path, f"must be ≥ 0, got {text}")
    if number > MAX_WEIGHT:
        raise InvalidScenario(field_path, f"must be at most {MAX_WEIGHT}, got {text}")
    return number + 0


def code_value(code: str, field_path: str) -> str:
    if not NAME_PATTERN.fullmatch(code):
        raise InvalidScenario(
            field_path,
            "a code is 1 to 16 characters: a letter, then letters, digits, '_' or '-'",
        )
    return code
