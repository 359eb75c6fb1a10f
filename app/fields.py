"""Field types shared by the request and response schemas: weights, money, codes.

Money travels as a decimal string with two decimals ("5000000.00") and never as a JSON float;
weights are JSON integers or decimal strings with at most six decimals. Each refusal says what
was expected and what came, e.g. ``must be ≥ 0, got -1``.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_WEIGHT = Decimal(10**9)
WEIGHT_DECIMALS = 6
MAX_MONEY = Decimal(10**12)
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid_value", message)


def _decimal_from(value: Any, *, what: str, allow_float: bool) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise _refuse(f"must be a {what}, got {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _refuse(f"must be a finite number, got {value!r}")
        if not allow_float:
            raise _refuse(f'send amounts as a decimal string such as "5000000.00", got {value!r}')
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if not _PLAIN_DECIMAL.fullmatch(text):
            raise _refuse(f'must be a plain decimal such as "1.5", got {value!r}')
        try:
            return Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only decimals
            raise _refuse(f"must be a decimal, got {value!r}") from exc
    raise _refuse(f"must be a {what}, got {type(value).__name__}")


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def parse_weight(value: Any) -> Decimal:
    """A mandate weight: finite, ≥ 0, ≤ 10^9, at most six decimals."""
    if isinstance(value, Decimal):
        number = value
    else:
        number = _decimal_from(value, what="number or decimal string", allow_float=True)
    if not number.is_finite():
        raise _refuse(f"must be a finite number, got {value!r}")
    if number < 0:
        raise _refuse(f"must be ≥ 0, got {value}")
    if number > MAX_WEIGHT:
        raise _refuse(f"must be ≤ {MAX_WEIGHT}, got {value}")
    if _places(number) > WEIGHT_DECIMALS:
        raise _refuse(f"at most {WEIGHT_DECIMALS} decimals, got {value}")
    return number + 0  # normalises -0 to 0


def parse_money(value: Any) -> Decimal:
    """An amount in euros: ≥ 0, ≤ 10^12, at most two decimals; strings or integers only."""
    if isinstance(value, Decimal):
        number = value
    else:
        number = _decimal_from(value, what="decimal string", allow_float=False)
    if not number.is_finite():
        raise _refuse(f"must be a finite amount, got {value!r}")
    if number < 0:
        raise _refuse(f"must be ≥ 0, got {value}")
    if number > MAX_MONEY:
        raise _refuse(f"must be ≤ {MAX_MONEY}, got {value}")
    if _places(number) > 2:
        raise _refuse(f"at most two decimals (cents), got {value}")
    return number.quantize(Decimal("0.01"))


def weight_text(weight: Decimal) -> str:
    """Canonical text of a weight: no exponent, no trailing zeros ("1.5", "3")."""
    text = format(weight.normalize(), "f")
    return text if text != "-0" else "0"


def weight_from_micros(micros: int) -> Decimal:
    return (Decimal(micros) / Decimal(10**WEIGHT_DECIMALS)).normalize()


def weight_to_micros(weight: Decimal) -> int:
    return int(weight.scaleb(WEIGHT_DECIMALS))


WEIGHT_PATTERN = r"^\d{1,10}(\.\d{1,6})?$"
MONEY_PATTERN = r"^\d{1,13}(\.\d{1,2})?$"

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
Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 10**12},
                {"type": "string", "pattern": MONEY_PATTERN},
            ],
            "examples": ["5000000.00"],
        },
        mode="validation",
    ),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d+\.\d{2}$", "examples": ["5000000.00"]},
        mode="serialization",
    ),
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
