"""Building the MIME message of an outbound email from an outbox payload.

The payload (``channel="email"``) is a JSON dict::

    to            "ann@example.com" (required)   to_name  "Ann Lee"
    subject       one line                       body     plain text (required unless html)
    html          optional HTML alternative      kind     "transactional" (default) | "marketing"
    attachments   [{"name", "content_type", "path"}]  (path: absolute, or under the data dir)
    in_reply_to   "<id@host>"                    references ["<id@host>", ...]
    message_id    the inbox message's id: the Message-ID becomes ``<message_id@from-domain>``,
                  the same on every retry (receivers drop the duplicate of a resent message)
    unsubscribe   {"mailto": "...", "url": "https://..."} (set by the provider for marketing)
"""

from __future__ import annotations

import email.policy
import mimetypes
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

_MSGID = re.compile(r"^<[^<>\s]{1,900}>$")
# Header lines up to RFC 5322's hard limit: the default (78) would RFC 2047-encode a long
# unfoldable URL (the unsubscribe link), which mail clients then cannot use.
_POLICY = email.policy.default.clone(max_line_length=998)
_LOCAL_ID = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
_ADDRESS = re.compile(r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.-]{1,253}$")
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


class PayloadError(ValueError):
    """The payload cannot become an email (a bad address, a missing file). Not retried."""


def _one_line(value: Any, field: str, limit: int = 998) -> str:
    text = str(value or "")
    if "\r" in text or "\n" in text:
        raise PayloadError(f"{field}: must be one line")
    return text[:limit]


def _address(value: Any, field: str) -> str:
    text = str(value or "").strip()
    if not _ADDRESS.match(text):
        raise PayloadError(f"{field}: {text!r} is not an email address")
    return text


def _msgid(value: Any, field: str) -> str:
    text = str(value).strip()
    if not _MSGID.match(text):
        raise PayloadError(f"{field}: {text!r} is not a Message-ID like <id@host>")
    return text


def _mailbox(address: str, name: str) -> Address:
    local, _, domain = address.rpartition("@")
    return Address(display_name=name, username=local, domain=domain)


def message_id_domain(from_address: str) -> str:
    return from_address.rpartition("@")[2] or "localhost"


def _references(payload: Mapping[str, Any]) -> tuple[str | None, list[str]]:
    in_reply_to = payload.get("in_reply_to")
    reply = _msgid(in_reply_to, "in_reply_to") if in_reply_to else None
    raw = payload.get("references") or []
    if isinstance(raw, str):
        raw = raw.split()
    refs = [_msgid(r, "references") for r in raw]
    if reply and reply not in refs:
        refs.append(reply)  # RFC 5322: References ends with the parent's id
    return reply, refs


def _attach(msg: EmailMessage, items: Sequence[Mapping[str, Any]], base_dir: Path | None) -> None:
    for index, item in enumerate(items):
        raw_path = str(item.get("path") or "")
        if not raw_path:
            raise PayloadError(f"attachments[{index}].path: is required (email attaches files)")
        path = Path(raw_path)
        if not path.is_absolute():
            if base_dir is None:
                raise PayloadError(f"attachments[{index}].path: must be absolute")
            path = base_dir / path
        if not path.is_file():
            raise PayloadError(f"attachments[{index}].path: {path} does not exist")
        if path.stat().st_size > MAX_ATTACHMENT_BYTES:
            raise PayloadError(f"attachments[{index}]: larger than 25 MB")
        name = _one_line(item.get("name") or path.name, f"attachments[{index}].name", 200)
        content_type = str(item.get("content_type") or "") or (
            mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
        maintype, _, subtype = content_type.partition("/")
        msg.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype or "octet-stream",
            filename=name,
        )  # fmt: skip


def build_message(
    payload: Mapping[str, Any],
    *,
    from_address: str,
    from_name: str = "",
    now: datetime | None = None,
    attachment_dir: Path | None = None,
) -> EmailMessage:
    """The complete message; its ``Message-ID`` header is the provider message id."""
    to = _address(payload.get("to"), "to")
    body = str(payload.get("body") or "")
    html = str(payload.get("html") or "")
    if not body and not html:
        raise PayloadError("body: is required")
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = _mailbox(from_address, _one_line(from_name, "from_name", 200))
    msg["To"] = _mailbox(to, _one_line(payload.get("to_name"), "to_name", 200))
    msg["Subject"] = _one_line(payload.get("subject"), "subject")
    if now is not None:
        msg["Date"] = format_datetime(now)
    domain = message_id_domain(from_address)
    local = str(payload.get("message_id") or "")
    msg["Message-ID"] = (
        f"<{local}@{domain}>" if _LOCAL_ID.match(local) else make_msgid(domain=domain)
    )
    reply, refs = _references(payload)
    if reply:
        msg["In-Reply-To"] = reply
    if refs:
        msg["References"] = " ".join(refs)
    unsubscribe = payload.get("unsubscribe") or {}
    if payload.get("kind") == "marketing" and unsubscribe:
        targets = []
        if unsubscribe.get("mailto"):
            targets.append(f"<mailto:{_one_line(unsubscribe['mailto'], 'unsubscribe.mailto')}>")
        if unsubscribe.get("url"):
            targets.append(f"<{_one_line(unsubscribe['url'], 'unsubscribe.url')}>")
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
        msg["List-Unsubscribe"] = ", ".join(targets)
    msg.set_content(body or _strip_tags(html))
    if html:
        msg.add_alternative(html, subtype="html")
    _attach(msg, payload.get("attachments") or (), attachment_dir)
    return msg


def _strip_tags(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
