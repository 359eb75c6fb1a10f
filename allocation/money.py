"""Money and decimal text: integer cents inside, decimal strings and euro text outside.

Floats never reach this module's outputs: exact values are ``int`` cents or
``fractions.Fraction`` cents, and every conversion to text rounds exactly.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

CENTS_PER_EURO = 100


def round_half_up(value: Fraction) -> int:
    """Round an exact value to the nearest integer, halves away from zero.

    >>> round_half_up(Fraction(5, 2)), round_half_up(Fraction(-5, 2))
    (3, -3)
    """
    magnitude = (abs(value.numerator) * 2 + value.denominator) // (2 * value.denominator)
    return magnitude if value >= 0 else -magnitude


def cents_text(cents: int) -> str:
    """Write integer cents as a euro decimal string with two decimals.

    >>> cents_text(500000000), cents_text(-5)
    ('5000000.00', '-0.05')
    """
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), CENTS_PER_EURO)
    return f"{sign}{euros}.{rest:02d}"


def euro_text(cents: int) -> str:
    """Write integer cents for people: euro sign, thousands separators, two decimals.

    >>> euro_text(510000000)
    '€5,100,000.00'
    """
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), CENTS_PER_EURO)
    return f"{sign}€{euros:,}.{rest:02d}"


def fraction_text(value: Fraction, places: int) -> str:
    """Write an exact value as a plain decimal string with ``places`` decimals, half up.

    >>> fraction_text(Fraction(1, 3), 6), fraction_text(Fraction(-2, 3), 2)
    ('0.333333', '-0.67')
    """
    return ratio_text(value.numerator, value.denominator, places)


def ratio_text(numerator: int, denominator: int, places: int) -> str:
    """``numerator / denominator`` (denominator > 0) as ``fraction_text`` writes it, in whole
    numbers: no fraction is built.

    >>> ratio_text(2, 3, 6), ratio_text(-1, 8, 2), ratio_text(7, 2, 0)
    ('0.666667', '-0.13', '4')
    """
    scaled = numerator * 10**places
    magnitude = (abs(scaled) * 2 + denominator) // (2 * denominator)
    sign = "-" if scaled < 0 and magnitude else ""
    whole, rest = divmod(magnitude, 10**places)
    if places == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{rest:0{places}d}"


def percent_text(total: int, target: Fraction) -> str | None:
    """How far ``total`` lies from ``target``, in percent with four decimals; None without a
    target.

    >>> percent_text(110, Fraction(100)), percent_text(2, Fraction(3)), percent_text(1, Fraction(0))
    ('10.0000', '-33.3333', None)
    """
    if target == 0:
        return None
    return ratio_text((total * target.denominator - target.numerator) * 100, target.numerator, 4)


def decimal_text(value: Decimal) -> str:
    """Write a decimal in its shortest plain form, without exponent or trailing zeros.

    >>> decimal_text(Decimal("1.500000")), decimal_text(Decimal("1E+3"))
    ('1.5', '1000')
    """
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text
