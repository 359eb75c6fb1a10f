"""Field types shared by the request and response schemas: weights, codes, texts.

Weights are JSON integers or decimal strings with at most six decimals, checked by the engine's
own rule (``allocation.values.parse_weight``) so that a weight set and a scenario refuse the
same values with the same words, e.g. ``must be ≥ 0, got -1``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from allocation import values
from allocation.errors import InvalidScenario
from app.text import forbidden_character


def parse_weight(value: Any) -> Decimal:
    """A mandate weight, checked by the engine's own rule so both say the same thing."""
    if isinstance(value, Decimal):
        value = format(value, "f")
    try:
        return values.parse_weight(value, "weight")
    except InvalidScenario as exc:
        raise PydanticCustomError("invalid_value", exc.message) from exc


def weight_text(weight: Decimal) -> str:
    """Canonical text of a weight: no exponent, no trailing zeros ("1.5", "3")."""
    text = format(weight.normalize(), "f")
    return text if text != "-0" else "0"


def weight_from_micros(micros: int) -> Decimal:
    return (Decimal(micros) / Decimal(10**values.MAX_WEIGHT_PLACES)).normalize()


def weight_to_micros(weight: Decimal) -> int:
    return int(weight.scaleb(values.MAX_WEIGHT_PLACES))


WEIGHT_PATTERN = r"^([0-9]{1,9}(\.[0-9]{1,6})?|1000000000(\.0{1,6})?)$"
"""A weight as a decimal string: 0 to 10^9 with at most six decimals."""

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
MINISTRY_CODE_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,15}$"
MinistryCode = Annotated[
    str,
    StringConstraints(pattern=MINISTRY_CODE_PATTERN),
    Field(examples=["JenV"]),
]
PoolName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$"),
    Field(examples=["hulplijn"]),
]
Chapter = Annotated[
    str,
    StringConstraints(pattern=r"^[IVXLC]{1,7}[A-Z]?$"),
    Field(examples=["VI"], description="Budget chapter in Roman numerals (JenV: VI)."),
]


_CONTROLS = "\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069"
_LAYOUT_FREE_CONTROLS = "\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069"
_SPACES = "\\s\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
ONE_LINE_PATTERN = f"^[^{_SPACES}{_CONTROLS}]([^{_CONTROLS}]*[^{_SPACES}{_CONTROLS}])?$"
"""A name: no control character or bidi override, no space at either end (JSON Schema)."""
FREE_TEXT_PATTERN = f"^[^{_LAYOUT_FREE_CONTROLS}]*$"
"""Free text: tab and newline allowed, other control characters and bidi overrides not."""


def _one_line(text: str) -> str:
    problem = forbidden_character(text)
    if problem:
        raise PydanticCustomError("invalid_text", problem)
    if text != text.strip():
        raise PydanticCustomError("invalid_text", "must not begin or end with a space")
    return text


def _free_text(text: str) -> str:
    problem = forbidden_character(text, free_text=True)
    if problem:
        raise PydanticCustomError("invalid_text", problem)
    return text


ShortText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_one_line),
    Field(json_schema_extra={"pattern": ONE_LINE_PATTERN}),
]
"""A name: one line, no control characters or bidirectional overrides, trimmed."""

SetName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=120),
    AfterValidator(_one_line),
    Field(json_schema_extra={"pattern": ONE_LINE_PATTERN}),
]
"""The name of a weight set or scenario: a short text of at most 120 characters, the width of
its column (PostgreSQL refuses longer, SQLite would store it)."""
TEXT_PARAMETER_PATTERN = f"^[^{_CONTROLS}]*$"
"""A text query parameter: no control character or bidi override."""

LongText = Annotated[
    str,
    StringConstraints(max_length=4000),
    AfterValidator(_free_text),
    Field(json_schema_extra={"pattern": FREE_TEXT_PATTERN}),
]
"""Free text: tab and newline allowed, other control characters not."""
