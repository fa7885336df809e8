"""Reading a CSV export: encoding, delimiter and records, whatever tool wrote it.

UTF-8 with or without a BOM (Excel adds one), UTF-16 with a BOM (Excel's "Unicode Text"),
Windows-1252 as a fallback for old Excel exports; comma, semicolon or tab delimiters
(European Excel writes semicolons); quoted fields with embedded delimiters, quotes and
newlines; Windows or Unix line endings. Rows are numbered like a spreadsheet: the header is
row 1, the first contact row 2 (a quoted multi-line field does not shift the numbers).
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ghl_desktop.core.errors import ValidationError

MAX_BYTES = 512 * 1024 * 1024
DELIMITERS = (",", ";", "\t")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class CsvTable:
    headers: tuple[str, ...]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells)
    delimiter: str
    encoding: str


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with."""
    if data.startswith(_UTF16_BOMS):  # Excel's "Unicode Text"
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ValidationError("file", "is not valid UTF-16 text") from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def sniff_delimiter(text: str) -> str:
    """The delimiter used most in the header record (quoted parts ignored)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            if ch in "\r\n":
                break
            if ch in counts:
                counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse(data: bytes | str) -> CsvTable:
    """Parse a whole CSV file; blank records are skipped, short records padded."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise ValidationError("file", f"is larger than {MAX_BYTES // (1024 * 1024)} MB")
        # Spreadsheets, zips and images hold NUL bytes; CSV text never does (but UTF-16 does).
        if b"\x00" in data[:8192] and not data.startswith(_UTF16_BOMS):
            raise ValidationError("file", "is not a CSV text file (save it as CSV first)")
        text, encoding = decode(data)
    else:
        text, encoding = data.removeprefix("\ufeff"), "utf-8"
    if not text.strip():
        raise ValidationError("file", "is empty")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        headers = next(reader)
    except StopIteration:
        raise ValidationError("file", "has no header row") from None
    headers = [h.strip() for h in headers]
    if not any(headers):
        raise ValidationError("file", "the first row must name the columns")
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, record in enumerate(reader, start=2):
            if not "".join(record).strip():  # blank: no cell has a visible character
                continue
            if len(record) < len(headers):
                record = record + [""] * (len(headers) - len(record))
            rows.append((number, record))
    except csv.Error as exc:
        raise ValidationError(
            "file", f"is not valid CSV near row {reader.line_num}: {exc}"
        ) from None
    if rows and _may_end_inside_quotes(text, rows[-1][1]):
        _refuse_unclosed_quote(text, delimiter)
    return CsvTable(tuple(headers), rows, delimiter, encoding)


def _may_end_inside_quotes(text: str, last: list[str]) -> bool:
    # The lenient reader takes a quote that never closes as "the rest of the file is one
    # field": that record is always the last, and it holds a line break or the file an odd
    # number of quotes. Only then is the file read again, strictly.
    return text.count('"') % 2 == 1 or any("\n" in cell or "\r" in cell for cell in last)


def _refuse_unclosed_quote(text: str, delimiter: str) -> None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = 0
    try:
        for _record in reader:
            records += 1
    except csv.Error as exc:
        # Other strict complaints (text after a closing quote) are tolerated, as above.
        if "unexpected end of data" in str(exc):
            raise ValidationError(
                "file", f'row {records + 1}: a quoted field is never closed (a " is missing)'
            ) from None


def read(path: Path) -> CsvTable:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ValidationError("file", f"cannot be read: {exc.strerror}") from None
    if size > MAX_BYTES:
        raise ValidationError("file", f"is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return parse(path.read_bytes())
