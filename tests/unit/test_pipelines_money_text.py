"""The board's fast money text equals ``Money.format`` (it only skips building a Money)."""

from __future__ import annotations

import pytest

from ghl_desktop.core.money import Money
from ghl_desktop.ui.screens.pipelines.loaders import money, short_money


@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP", "JPY", "KWD", "CHF", "SEK"])
@pytest.mark.parametrize("minor", [0, 7, 99, 100, 123_450, 100_000_000, -250, 2**40])
def test_money_text_matches_money_format(minor: int, currency: str) -> None:
    assert money(minor, currency) == Money(minor, currency).format()


def test_short_money() -> None:
    assert short_money(23_400_000, "USD") == "$234K"
    assert short_money(234_500_000, "USD") == "$2.3M"
    assert short_money(99_900, "USD") == "$999"
    assert short_money(120_000, "JPY") == "¥120K"
