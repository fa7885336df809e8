"""CSV exports of what visitors submitted, safe to open in a spreadsheet.

A cell a visitor controls that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return would run as a formula in Excel or LibreOffice (CSV injection); such cells get a
leading apostrophe, which spreadsheets show as text. Control characters other than newlines
are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from ghl_desktop.services.sites.submissions import SubmissionRow

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CsvWriter(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    text = _CONTROL.sub("", str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_submissions_csv(
    writer: CsvWriter, fields: Sequence[Mapping[str, Any]], rows: Iterable[SubmissionRow]
) -> int:
    """Header then one line per submission; returns how many lines were written."""
    keys = [str(f["key"]) for f in fields]
    extra = ["utm_source", "utm_medium", "utm_campaign", "referrer"]
    writer.writerow(
        ["submitted_at", "submission_id", "contact_id", "contact", *keys, "page", "ip_address",
         "user_agent", *extra]
    )  # fmt: skip
    count = 0
    for row in rows:
        writer.writerow(
            [row.created_at.isoformat(timespec="seconds"), row.id, row.contact_id or "",
             safe_cell(row.contact_name), *(safe_cell(row.data.get(k)) for k in keys),
             safe_cell(row.page_name), safe_cell(row.ip_address), safe_cell(row.user_agent),
             *(safe_cell(row.utm.get(k)) for k in extra)]
        )  # fmt: skip
        count += 1
    return count
