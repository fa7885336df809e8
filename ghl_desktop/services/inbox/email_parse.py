"""Turning a raw RFC 5322 message (from IMAP or an inbound-parse webhook) into what the inbox
stores: sender, recipient, subject, a text body, attachments, and the threading ids."""

from __future__ import annotations

import email.policy
import hashlib
import html
import re
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

_MSGID = re.compile(r"<[^<>\s]{1,900}>")
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_BLANK_LINES = re.compile(r"\n{3,}")
MAX_BODY = 200_000


@dataclass(frozen=True)
class ParsedAttachment:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str  # "<id@host>"; a content hash when the message has none
    from_address: str  # "Ann Lee <ann@example.com>"
    to_address: str | None
    subject: str
    body: str
    in_reply_to: str | None
    references: tuple[str, ...]
    sent_at: datetime | None
    attachments: tuple[ParsedAttachment, ...]

    @property
    def thread_refs(self) -> tuple[str, ...]:
        """Every id this message answers, the direct parent last (RFC 5322 order)."""
        refs = list(self.references)
        if self.in_reply_to and self.in_reply_to not in refs:
            refs.append(self.in_reply_to)
        return tuple(refs)

    def headers(self) -> dict[str, str]:
        result = {"message_id": self.message_id}
        if self.in_reply_to:
            result["in_reply_to"] = self.in_reply_to
        if self.references:
            result["references"] = " ".join(self.references)
        return result


class NotAnEmail(ValueError):
    """The bytes have no sender: nothing the inbox could file."""


def _ids(value: str | None) -> list[str]:
    return _MSGID.findall(value or "")


def html_to_text(markup: str) -> str:
    text = re.sub(r"<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", markup, flags=re.IGNORECASE)
    text = html.unescape(_TAGS.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # unknown charset, broken encoding
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    text = str(content)
    if part.get_content_type() == "text/html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").strip()[:MAX_BODY]


def _attachments(msg: EmailMessage) -> tuple[ParsedAttachment, ...]:
    found = []
    for index, part in enumerate(msg.iter_attachments()):
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        name = part.get_filename() or f"attachment-{index + 1}"
        found.append(ParsedAttachment(name, part.get_content_type(), data))
    return tuple(found)


def _date(msg: EmailMessage) -> datetime | None:
    raw = msg.get("Date")
    if not raw:
        return None
    try:
        when = parsedate_to_datetime(str(raw))
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else None


def parse_email(raw: bytes) -> ParsedEmail:
    msg = message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    senders = getaddresses([str(msg.get("From") or "")])
    sender = next(((n, a) for n, a in senders if "@" in a), None)
    if sender is None:
        raise NotAnEmail("the message has no From address")
    recipients = getaddresses(
        [str(msg.get(h) or "") for h in ("Delivered-To", "X-Original-To", "To", "Cc")]
    )
    to_address = next((a for _n, a in recipients if "@" in a), None)
    own_id = _ids(str(msg.get("Message-ID") or ""))
    message_id = own_id[0] if own_id else f"<sha256.{hashlib.sha256(raw).hexdigest()}@local>"
    reply = _ids(str(msg.get("In-Reply-To") or ""))
    name, address = sender
    return ParsedEmail(
        message_id=message_id,
        from_address=f"{name} <{address}>" if name else address,
        to_address=to_address,
        subject=" ".join(str(msg.get("Subject") or "").split())[:500],
        body=_body(msg),
        in_reply_to=reply[0] if reply else None,
        references=tuple(_ids(str(msg.get("References") or ""))),
        sent_at=_date(msg),
        attachments=_attachments(msg),
    )
