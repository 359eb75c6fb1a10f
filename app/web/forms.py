"""Reading the pages' forms: URL-encoded bodies, the CSRF token, and numbers as people type
them in Dutch (``1.000.000,50``, ``30%``, ``1,5``), each refusal naming the field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl

from starlette.requests import Request

from app.web.auth import check_csrf

MAX_FIELDS = 2000
"""Enough for the comparison form with five variants of 30 ministries; a body with more is
read as no form at all (and refused for its missing CSRF token)."""


@dataclass(slots=True)
class Form:
    """The submitted fields (the last value of each name) and the errors found so far."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default).strip()

    def checked(self, name: str) -> bool:
        return name in self.values


async def read_form(request: Request, *, csrf_token: str | None) -> Form:
    """The form of a POST, refused (403) unless it carries ``csrf_token``."""
    body = await request.body()
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        pairs = []
    values = dict(pairs)
    check_csrf(csrf_token, values.get("csrf_token"))
    return Form(values)


_GROUPED = re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?")
_DUTCH = re.compile(r"-?\d+(,\d+)?")
_POINT = re.compile(r"-?\d+(\.\d+)?")


def parse_decimal(text: str) -> Decimal | None:
    """A number as typed by a person, or None when it is not one.

    Dutch notation first (points group thousands, a comma starts the decimals); a single point
    followed by digits is read as a decimal point, as programs write it.

    >>> [parse_decimal(t) for t in ["1.000.000,50", "1,5", "1.5", "€ 5.000", "30%", "x"]]
    [Decimal('1000000.50'), Decimal('1.5'), Decimal('1.5'), Decimal('5000'), Decimal('30'), None]
    """
    cleaned = text.replace("€", "").replace("%", "").replace(" ", "").replace("\u00a0", "")
    cleaned = cleaned.replace("−", "-")
    if _GROUPED.fullmatch(cleaned):
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif _DUTCH.fullmatch(cleaned):
        cleaned = cleaned.replace(",", ".")
    elif not _POINT.fullmatch(cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def is_number(text: str, *, digits: int = 10) -> bool:
    """Whether ``text`` is a whole number of at most ``digits`` ASCII digits.

    >>> [is_number(t) for t in ["2027", "²", "", "1" * 11, "-1"]]
    [True, False, False, False, False]
    """
    return 0 < len(text) <= digits and text.isascii() and text.isdigit()


def machine_decimal(value: Decimal) -> str:
    """The engine's notation: no exponent, no grouping (``Decimal("1E+6")`` → ``"1000000"``)."""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", "0"} else text
