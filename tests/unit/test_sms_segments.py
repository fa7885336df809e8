"""SMS segment counting: GSM-7 with its extension table, UCS-2 with surrogate pairs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ghl_desktop.services.inbox.segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    count_segments,
    is_gsm7,
)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("Hello", "GSM-7", 5, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # extension characters take two septets
        ("€" * 81, "GSM-7", 162, 2),
        # 306 septets fit 2 segments, but the escape pair is not split across them: 3
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
        ("Prix: 10€ {ok} [x] ~ | ^ \\", "GSM-7", 35, 1),  # 26 characters, 9 of them escaped
        ("ç", "UCS-2", 1, 1),  # lower-case c-cedilla is not GSM-7 (only upper-case is)
        ("Grüße 👋", "UCS-2", 8, 1),  # the emoji is a surrogate pair
        ("x" * 70 + "é", "GSM-7", 71, 1),  # é is in the GSM-7 basic set
        ("ы" * 70, "UCS-2", 70, 1),
        ("ы" * 71, "UCS-2", 71, 2),
        ("ы" * 134, "UCS-2", 134, 2),
        ("ы" * 135, "UCS-2", 135, 3),
        ("ы" * 66 + "😀", "UCS-2", 68, 1),
        ("ы" * 66 + "😀" + "ы" * 66, "UCS-2", 134, 3),  # the pair moves whole to segment 2
    ],
)
def test_examples(text, encoding, units, segments) -> None:
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)


def test_remaining_counts_down_in_the_last_segment() -> None:
    assert count_segments("a" * 150).remaining == 10
    assert count_segments("a" * 200).remaining == 153 - 47
    assert count_segments("ы" * 60).remaining == 10


def test_extension_characters_are_gsm7() -> None:
    assert is_gsm7("".join(sorted(GSM7_BASIC | GSM7_EXTENSION)))
    assert not is_gsm7("`")  # the backtick is not in the GSM-7 alphabet


@given(st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), max_size=800))
def test_gsm7_segments_hold_every_septet(text: str) -> None:
    count = count_segments(text)
    capacity = 160 if count.segments <= 1 else 153 * count.segments
    assert count.units <= capacity
    if count.segments > 1:
        assert count.units > 160


@given(st.text(max_size=400))
def test_any_text_is_counted(text: str) -> None:
    count = count_segments(text)
    assert count.segments >= (1 if text else 0)
    assert count.remaining >= 0
