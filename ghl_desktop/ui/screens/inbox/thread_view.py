"""The thread: messages as bubbles (the contact's on the left, ours on the right, with status
ticks), internal notes in yellow across the middle. Every visitor-supplied text is escaped:
the view is rich text, and a message is data, never markup."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QTextBrowser, QWidget

from ghl_desktop.models.conversations import MessageDirection
from ghl_desktop.services.inbox.conversations import NoteInfo
from ghl_desktop.services.inbox.queries import MessageRow

# Plain glyphs every desktop font has (emoji fonts are not a given on Linux).
TICKS = {
    "queued": "⋯ queued",
    "sent": "✓",
    "delivered": "✓✓",
    "read": "✓✓ read",
    "failed": "✗ failed",
}
INBOUND_BG, OUTBOUND_BG, NOTE_BG, FAILED_BG = "#eef1f5", "#d9ebff", "#fff4c2", "#fde2e1"


def _text(value: str) -> str:
    return html.escape(value).replace("\n", "<br>")


def _time(when: datetime | None) -> str:
    return when.astimezone().strftime("%d %b %H:%M") if when else ""


def message_html(m: MessageRow, data_dir: Path | None = None) -> str:
    inbound = m.direction is MessageDirection.INBOUND
    align = "left" if inbound else "right"
    bg = INBOUND_BG if inbound else (FAILED_BG if m.status == "failed" else OUTBOUND_BG)
    parts = []
    if m.subject:
        parts.append(f"<b>{_text(m.subject)}</b><br>")
    parts.append(_text(m.body))
    for item in m.attachments:
        name = _text(str(item.get("name") or "attachment"))
        target = item.get("url") or (
            (data_dir / str(item["path"])).as_uri() if data_dir and item.get("path") else ""
        )
        label = f"Attachment: {name}"
        link = f'<a href="{html.escape(str(target))}">{label}</a>' if target else label
        parts.append(f"<br>{link}")
    meta = _time(m.created_at)
    if not inbound:
        tick = TICKS.get(m.status, "")
        color = "#2f7de1" if m.status == "read" else "#666"
        meta += f' <span style="color:{color}" title="{html.escape(m.status)}">{tick}</span>'
        if m.error:
            meta += f'<br><span style="color:#b3261e">{_text(m.error)}</span>'
    return (
        f'<table width="100%" cellspacing="0" cellpadding="0"><tr><td align="{align}">'
        f'<table cellpadding="8" style="background-color:{bg}" bgcolor="{bg}"><tr><td>'
        f'{"".join(parts)}<br><span style="color:#666;font-size:small">{meta}</span>'
        "</td></tr></table></td></tr></table><br>"
    )


def note_html(note: NoteInfo, author: str) -> str:
    return (
        f'<table width="100%" cellpadding="8" bgcolor="{NOTE_BG}"><tr><td>'
        f'<span style="color:#8a6d00;font-size:small">Internal note · {_text(author)} · '
        f"{_time(note.created_at)}</span><br>{_text(note.body)}</td></tr></table><br>"
    )


class ThreadView(QTextBrowser):
    """Read-only; links (attachments) open with the desktop's handler."""

    load_older = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ThreadView")
        self.setAccessibleName("Conversation thread")
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._open)
        self.data_dir: Path | None = None
        self.shown_messages: list[str] = []  # ids in display order (tests, keyboard actions)

    def show_thread(
        self, messages: list[MessageRow], notes: list[NoteInfo], authors: dict[str, str],
        has_older: bool = False,
    ) -> None:  # fmt: skip
        items: list[tuple[datetime, str, str]] = [
            (m.created_at, m.id, message_html(m, self.data_dir)) for m in messages
        ]
        items += [
            (n.created_at, n.id, note_html(n, authors.get(n.user_id or "", "someone")))
            for n in notes
        ]
        items.sort(key=lambda item: (item[0], item[1]))
        older = (
            '<p align="center" style="color:#666">Older messages not shown</p>' if has_older else ""
        )
        self.shown_messages = [i[1] for i in items]
        self.setHtml(older + "".join(i[2] for i in items))
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def show_placeholder(self, text: str) -> None:
        self.shown_messages = []
        self.setHtml(f'<p align="center" style="color:#666"><br><br>{_text(text)}</p>')

    def _open(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https", "file"):
            QDesktopServices.openUrl(url)
