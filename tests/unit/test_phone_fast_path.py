"""The usual-NANP shortcut of ``normalise_phone`` gives exactly what ``phonenumbers`` gives."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.contact_fields import _usual_nanp, normalise_phone


def _library(text: str, region: str) -> str | None:
    """normalise_phone as it was before the shortcut: the library alone (None = rejected)."""
    try:
        number = phonenumbers.parse(text.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _ours(text: str, region: str) -> str | None:
    try:
        return normalise_phone(text, region)
    except ValidationError:
        return None


digits = st.text(alphabet="0123456789", min_size=1, max_size=12)
separators = st.sampled_from(["", " ", "-", ".", "  ", "/", "(", ")", "+", "x", "\t", "٣"])
# Text shaped like phone numbers: the usual forms, near misses around them, other digits.
usual = st.builds(
    lambda a, b, c, s1, s2, paren: (f"({a}){s1}" if paren else f"{a}{s1}") + f"{b}{s2}{c}",
    st.text(alphabet="0123456789", min_size=2, max_size=4),
    st.text(alphabet="0123456789", min_size=2, max_size=4),
    st.text(alphabet="0123456789", min_size=3, max_size=5),
    separators,
    separators,
    st.booleans(),
)
shaped = st.lists(st.one_of(digits, separators), min_size=1, max_size=8).map("".join)


@settings(max_examples=3000, deadline=None)
@given(text=st.one_of(usual, shaped), region=st.sampled_from(["US", "CA", "GB", "DE"]))
def test_same_verdict_and_form_as_the_library(text: str, region: str) -> None:
    assert _ours(text, region) == _library(text, region)


@settings(max_examples=3000, deadline=None)
@given(
    area=st.integers(200, 999), exchange=st.integers(0, 999), line=st.integers(0, 9999),
    form=st.sampled_from(["({a}) {b}-{c}", "({a}){b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}",
                          "{a} {b} {c}", "{a}{b}{c}", "{a}{b}-{c}"]),
    region=st.sampled_from(["US", "CA"]),
)  # fmt: skip
def test_usual_forms_take_the_shortcut_with_the_library_verdict(
    area: int, exchange: int, line: int, form: str, region: str
) -> None:
    text = form.format(a=area, b=f"{exchange:03d}", c=f"{line:04d}")
    expected = _library(text, region)
    assert _usual_nanp(text, region) == expected
    assert _ours(text, region) == expected


@pytest.mark.parametrize(
    "text",
    [
        "(415) 555-2671", "415-555-2671", "4155552671", "(212) 555-0100", "(123) 456-7890",
        "(415 555-2671", "415) 555-2671", "1 (415) 555-2671", "+1 415 555 2671",
        "٤١٥٥٥٥٢٦٧١", "(415) 555-2671 ext. 9", "(800) 555-0199", "(555) 555-5555",
        "(415)555-2671", "(415) - 555-2671", "415--555-2671", "04155552671",
    ],
)  # fmt: skip
@pytest.mark.parametrize("region", ["US", "CA", "GB"])
def test_adversarial_inputs(text: str, region: str) -> None:
    assert _ours(text, region) == _library(text, region)
