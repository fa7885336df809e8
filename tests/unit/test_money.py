"""Money: exact parsing into minor units, ISO 4217 exponents, no mixing, banker's rounding."""

from __future__ import annotations

import pytest

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.core.money import Money, currency_exponent, validate_currency


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1,234.50", "USD", 123_450),
        ("$19.99", "usd", 1_999),
        ("0.1", "EUR", 10),
        ("-3.25", "GBP", -325),
        ("  42 ", "USD", 4_200),
        ("1e3", "USD", 100_000),
        ("1234", "JPY", 1_234),
        ("1.234", "KWD", 1_234),
        ("1.5", "BHD", 1_500),
    ],
)
def test_parse_is_exact(text: str, currency: str, minor: int) -> None:
    money = Money.parse(text, currency)
    assert money == Money(minor, currency.upper())


@pytest.mark.parametrize(
    ("text", "currency"),
    [("12.5", "JPY"), ("0.001", "USD"), ("1.2345", "KWD")],
)
def test_parse_refuses_more_decimals_than_the_currency_has(text: str, currency: str) -> None:
    with pytest.raises(ValidationError) as err:
        Money.parse(text, currency, field="unit_price")
    assert err.value.field == "unit_price"
    assert currency in err.value.problem


@pytest.mark.parametrize(
    "text", ["", "abc", "1.2.3", "nan", "NaN", "sNaN", "Infinity", "-inf", "1e400"]
)
def test_parse_refuses_non_amounts_with_a_validation_error(text: str) -> None:
    # Not an OverflowError or decimal.InvalidOperation escaping to the user, and never an
    # amount too large for the 64-bit integer columns that store it.
    with pytest.raises(ValidationError) as err:
        Money.parse(text, "USD")
    assert err.value.field == "amount"


def test_amounts_must_fit_a_64_bit_column() -> None:
    assert Money(2**63 - 1, "USD").amount_minor == 2**63 - 1
    with pytest.raises(ValidationError):
        Money(2**63, "USD")
    with pytest.raises(ValidationError):
        Money(-(2**63) - 1, "USD")


def test_exponents() -> None:
    assert currency_exponent("USD") == 2
    assert currency_exponent("jpy") == 0
    assert currency_exponent("KWD") == 3


@pytest.mark.parametrize("bad", ["", "US", "USDD", "12$", None])
def test_currency_must_be_three_letters(bad: str | None) -> None:
    with pytest.raises(ValidationError) as err:
        validate_currency(bad, field="currency")  # type: ignore[arg-type]
    assert err.value.field == "currency"


def test_minor_units_must_be_an_integer() -> None:
    with pytest.raises(ValidationError):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Money(True, "USD")


def test_arithmetic_in_one_currency() -> None:
    assert Money(150, "USD") + Money(250, "USD") == Money(400, "USD")
    assert Money(150, "USD") - Money(250, "USD") == Money(-100, "USD")
    assert Money(199, "USD").times(3) == Money(597, "USD")


def test_mixing_currencies_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        Money(100, "USD") + Money(100, "EUR")
    assert err.value.field == "currency"
    assert "USD" in err.value.problem
    assert "EUR" in err.value.problem
    with pytest.raises(ValidationError):
        Money(100, "USD") - Money(100, "JPY")


@pytest.mark.parametrize(
    ("minor", "basis_points", "expected"),
    [
        (5, 5_000, 2),  # 2.5 -> 2 (half to even)
        (15, 5_000, 8),  # 7.5 -> 8
        (25, 5_000, 12),  # 12.5 -> 12
        (-5, 5_000, -2),
        (10_000, 825, 825),  # 8.25 % tax on $100.00
        (999, 1_000, 100),  # 99.9 -> 100
        (1, 4_999, 0),
    ],
)
def test_percent_rounds_half_to_even(minor: int, basis_points: int, expected: int) -> None:
    assert Money(minor, "USD").percent(basis_points) == Money(expected, "USD")


def test_format() -> None:
    assert Money(123_450, "USD").format() == "$1,234.50"
    assert Money(-5, "USD").format() == "-$0.05"
    assert Money(1_234, "JPY").format() == "¥1,234"
    assert Money(1_234, "KWD").format() == "1.234 KWD"
    assert str(Money(100, "EUR")) == "€1.00"
    assert Money(123_450, "USD").as_decimal() == Money.parse("1234.5", "USD").as_decimal()
