"""Money text: integer cents in, exact strings out."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from allocation.money import (
    cents_text,
    decimal_text,
    euro_text,
    fraction_text,
    percent_text,
    round_half_up,
)


class TestCentsText:
    def test_writes_two_decimals(self) -> None:
        assert cents_text(500_000_000) == "5000000.00"

    def test_writes_small_and_negative_amounts(self) -> None:
        assert (cents_text(7), cents_text(-1234)) == ("0.07", "-12.34")

    @given(st.integers(-(10**16), 10**16))
    def test_round_trips_through_decimal(self, cents: int) -> None:
        assert Decimal(cents_text(cents)) * 100 == cents


class TestEuroText:
    def test_uses_euro_sign_and_thousands_separators(self) -> None:
        assert euro_text(510_000_000) == "€5,100,000.00"

    def test_puts_the_minus_before_the_euro_sign(self) -> None:
        assert euro_text(-20_000_000) == "-€200,000.00"


class TestFractionText:
    def test_rounds_half_up(self) -> None:
        assert fraction_text(Fraction(5, 1000), 2) == "0.01"

    def test_rounds_negative_halves_away_from_zero(self) -> None:
        assert fraction_text(Fraction(-5, 1000), 2) == "-0.01"

    def test_writes_whole_numbers_without_point(self) -> None:
        assert fraction_text(Fraction(7, 2), 0) == "4"


class TestRoundHalfUp:
    @given(st.integers(-(10**9), 10**9), st.integers(1, 10**6))
    def test_is_within_half_of_the_value(self, numerator: int, denominator: int) -> None:
        value = Fraction(numerator, denominator)
        assert abs(round_half_up(value) - value) <= Fraction(1, 2)


class TestDecimalText:
    def test_drops_trailing_zeros_and_exponents(self) -> None:
        assert [decimal_text(Decimal(t)) for t in ("1.500000", "1E+3", "-0", "0.000001")] == [
            "1.5",
            "1000",
            "0",
            "0.000001",
        ]


class TestPercentText:
    @given(
        st.integers(-(10**12), 10**12),
        st.fractions(min_value=Fraction(1, 10**6), max_value=10**12),
    )
    def test_is_the_exact_deviation_rounded_half_up(self, total: int, target: Fraction) -> None:
        exact = (total - target) / target * 100
        assert (
            Decimal(percent_text(total, target) or "")
            == Decimal(round_half_up(exact * 10**4)) / 10**4
        )

    def test_is_none_without_a_target(self) -> None:
        assert percent_text(5, Fraction(0)) is None
