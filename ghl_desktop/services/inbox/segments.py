"""SMS segment counting (3GPP TS 23.038): GSM-7 when every character is in the GSM default
alphabet or its extension table, else UCS-2.

* GSM-7: 160 septets in one segment, 153 per segment of a concatenated message; extension
  characters (``{ } [ ] ~ \\ | ^ €`` and form feed) take two septets, and an escape pair is
  never split across segments.
* UCS-2: 70 UTF-16 code units in one segment, 67 per concatenated segment; characters outside
  the BMP (most emoji) take two code units, and a surrogate pair is never split.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    # Units still free in the last segment (what a composer's counter shows).
    remaining: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _pack(sizes: list[int], single: int, multi: int) -> tuple[int, int]:
    """(segments, units left in the last one) for characters of the given unit sizes."""
    total = sum(sizes)
    if total <= single:
        return (1 if total else 0), single - total
    segments, used = 1, 0
    for size in sizes:
        if used + size > multi:  # a two-unit character moves whole to the next segment
            segments += 1
            used = 0
        used += size
    return segments, multi - used


def count_segments(text: str) -> SegmentCount:
    if is_gsm7(text):
        sizes = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        segments, remaining = _pack(sizes, GSM7_SINGLE, GSM7_MULTI)
        return SegmentCount("GSM-7", sum(sizes), segments, remaining)
    sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    segments, remaining = _pack(sizes, UCS2_SINGLE, UCS2_MULTI)
    return SegmentCount("UCS-2", sum(sizes), segments, remaining)
