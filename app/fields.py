"""Field types shared by the request and response schemas: weights, codes, texts.

Weights are JSON integers or decimal strings with at most six decimals, checked by the engine's
own rule (``allocation.scenario.parse_weight``) so that a weight set and a scenario refuse the
same values with the same words, e.g. ``must be ≥ 0, got -1``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from allocation import scenario
from allocation.errors import InvalidScenario


def parse_weight(value: Any) -> Decimal:
    """A mandate weight, checked by the engine's own rule so both say the same thing."""
    if isinstance(value, Decimal):
        value = format(value, "f")
    try:
        return scenario.parse_weight(value, "weight")
    except InvalidScenario as exc:
        raise PydanticCustomError("invalid_value", exc.message) from exc


def weight_text(weight: Decimal) -> str:
    """Canonical text of a weight: no exponent, no trailing zeros ("1.5", "3")."""
    text = format(weight.normalize(), "f")
    return text if text != "-0" else "0"


def weight_from_micros(micros: int) -> Decimal:
    return (Decimal(micros) / Decimal(10**scenario.MAX_WEIGHT_PLACES)).normalize()


def weight_to_micros(weight: Decimal) -> int:
    return int(weight.scaleb(scenario.MAX_WEIGHT_PLACES))


WEIGHT_PATTERN = r"^\d{1,10}(\.\d{1,6})?$"

Weight = Annotated[
    Decimal,
    BeforeValidator(parse_weight),
    PlainSerializer(weight_text, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 10**9},
                {"type": "string", "pattern": WEIGHT_PATTERN},
            ],
            "examples": ["1.5"],
        },
        mode="validation",
    ),
    WithJsonSchema({"type": "string", "pattern": WEIGHT_PATTERN}, mode="serialization"),
]
MinistryCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,15}$"),
    Field(examples=["JenV"]),
]
PoolName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$"),
    Field(examples=["hulplijn"]),
]
Chapter = Annotated[
    str,
    StringConstraints(pattern=r"^[IVXLC]{1,8}[A-Z]?$"),
    Field(examples=["VI"], description="Budget chapter in Roman numerals (JenV: VI)."),
]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
LongText = Annotated[str, StringConstraints(max_length=4000)]
