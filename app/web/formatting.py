"""How the pages write figures for people: Dutch notation, always from exact values.

Amounts arrive as the API's decimal strings ("850319.59") or as integer cents and are
written as ``€ 850.319,59``; no float is ever involved.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from app.exports.document import cents_of, euro_nl, percent_nl


def cents(amount: object) -> int:
    """Integer cents of an API amount such as ``"850319.59"`` (or cents already)."""
    if isinstance(amount, int) and not isinstance(amount, bool):
        return amount
    return cents_of(amount, field="amount")


def euro(amount: object) -> str:
    """``"5101917.57"`` → ``"€ 5.101.917,57"``; empty for a missing amount.

    >>> euro("-18100.00")
    '€ −18.100,00'
    """
    if amount is None or amount == "":
        return ""
    return euro_nl(cents(amount))


def signed_euro(amount: object) -> str:
    """Like :func:`euro`, with a plus sign for gains: ``+€ 2.552,71``."""
    if amount is None or amount == "":
        return ""
    value = cents(amount)
    return ("+" if value > 0 else "") + euro_nl(value)


def percent(value: object, *, places: int = 2, signed: bool = False) -> str:
    """A percentage given in percent (``"-1.1713"``) written the Dutch way: ``−1,17%``.

    >>> percent("0.3995")
    '0,40%'
    >>> percent("2.5", signed=True)
    '+2,50%'
    """
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{number}".replace(".", ",").replace("-", "−")
    return ("+" if signed and number > 0 else "") + text + "%"


def share(fraction: object) -> str:
    """A share given as a fraction (``"0.166667"``) in percent: ``16,67%``."""
    if fraction is None or fraction == "":
        return ""
    return percent_nl(Decimal(str(fraction)))


def plain_number(value: object) -> str:
    """A decimal for a form field in Dutch notation without grouping: ``"1.5"`` → ``"1,5"``."""
    if value is None:
        return ""
    return str(value).replace(".", ",")
