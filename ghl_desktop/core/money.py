"""Money as integer minor units plus an ISO 4217 currency. Never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from ghl_desktop.core.errors import ValidationError

# ISO 4217 exponents that differ from the common 2.
_EXPONENTS: dict[str, int] = {
    "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "UGX": 0, "XAF": 0, "XOF": 0,
    "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "IQD": 3, "LYD": 3,
}  # fmt: skip
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}
# Amounts are stored in signed 64-bit integer columns (BIGINT) on both databases.
_MIN_MINOR, _MAX_MINOR = -(2**63), 2**63 - 1


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def validate_currency(currency: str, field: str = "currency") -> str:
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError(field, f"must be a 3-letter ISO 4217 code, got {currency!r}")
    return code


@dataclass(frozen=True, slots=True)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise ValidationError("amount", "must be an integer number of minor units")
        if not _MIN_MINOR <= self.amount_minor <= _MAX_MINOR:
            raise ValidationError("amount", "is too large to store")
        object.__setattr__(self, "currency", validate_currency(self.currency))

    @classmethod
    def parse(cls, text: str, currency: str, field: str = "amount") -> Money:
        """Parse a decimal string such as ``"1,234.50"`` into minor units, exactly."""
        currency = validate_currency(currency)
        cleaned = text.strip().replace(",", "").lstrip("$€£¥")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise ValidationError(field, f"not a number: {text!r}") from None
        if not value.is_finite():  # NaN and Infinity parse as Decimals but are no amounts
            raise ValidationError(field, f"not a number: {text!r}")
        exponent = currency_exponent(currency)
        scaled = value.scaleb(exponent)
        if scaled != scaled.to_integral_value():
            raise ValidationError(field, f"{currency} has {exponent} decimal places: {text!r}")
        minor = int(scaled.to_integral_value(ROUND_HALF_EVEN))
        if not _MIN_MINOR <= minor <= _MAX_MINOR:
            raise ValidationError(field, f"is too large: {text!r}")
        return cls(minor, currency)

    def _check_same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValidationError("currency", f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check_same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check_same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.amount_minor * quantity, self.currency)

    def percent(self, basis_points: int) -> Money:
        """This amount times ``basis_points``/10,000, rounded half-even (banker's rounding)."""
        exact = Decimal(self.amount_minor) * Decimal(basis_points) / Decimal(10_000)
        return Money(int(exact.to_integral_value(ROUND_HALF_EVEN)), self.currency)

    def as_decimal(self) -> Decimal:
        return Decimal(self.amount_minor).scaleb(-currency_exponent(self.currency))

    def format(self) -> str:
        exponent = currency_exponent(self.currency)
        number = f"{self.as_decimal():,.{exponent}f}"
        symbol = _SYMBOLS.get(self.currency)
        sign = "-" if number.startswith("-") else ""
        number = number.lstrip("-")
        return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {self.currency}"

    def __str__(self) -> str:
        return self.format()
