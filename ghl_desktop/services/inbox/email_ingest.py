"""Filing one raw inbound email: attachments to disk, then ``receive_inbound``.

Attachments are kept as files under the data directory, content-addressed per sub-account:
``<data dir>/attachments/<sub_account_id>/<sha256>/<file name>``. The message's
``attachments`` JSON holds the path relative to the data directory (so a moved data directory
keeps working), with name, content type, size and sha256. Identical files are stored once;
a re-polled message writes nothing new. The database holds no blobs: backups of the database
stay small, and the files are served to the GUI straight from disk.
"""

from __future__ import annotations

import hashlib
import os
import re
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ghl_desktop.core.db import Database
from ghl_desktop.models.conversations import ChannelType
from ghl_desktop.models.crm import Contact
from ghl_desktop.services.crm_events import ContactUpdated
from ghl_desktop.services.inbox.channels import set_dnd
from ghl_desktop.services.inbox.email_parse import ParsedAttachment, ParsedEmail, parse_email
from ghl_desktop.services.inbox.ingest import InboundMessage, InboundResult, ingest
from ghl_desktop.services.uow import UnitOfWork

ATTACHMENTS = "attachments"
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
DATA_DIR_ENV = "GHL_DESKTOP_DATA_DIR"
UNSUBSCRIBE_SUBJECT = "unsubscribe"  # what the List-Unsubscribe mailto: link puts in Subject


_data_dirs: dict[int, tuple[weakref.ref[Database], Path]] = {}


def register_data_dir(database: Database, data_dir: Path) -> None:
    """Tell entry points that only hold the database (the funnel server) where the runtime's
    data directory is (bootstrap calls this)."""
    for key in [k for k, (ref, _) in _data_dirs.items() if ref() is None]:
        del _data_dirs[key]
    _data_dirs[id(database)] = (weakref.ref(database), data_dir)


def data_dir_of(database: Database) -> Path:
    """The runtime's data directory; without one registered, the SQLite file's folder, else
    (PostgreSQL) ``GHL_DESKTOP_DATA_DIR`` or the current directory's ``ghl-data``."""
    known = _data_dirs.get(id(database))
    if known is not None and known[0]() is database:
        return known[1]
    path = database.sqlite_path
    if path is not None and str(path) not in ("", ":memory:"):
        return path.resolve().parent
    return Path(os.environ.get(DATA_DIR_ENV) or "ghl-data").resolve()


def safe_name(name: str) -> str:
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    return (base or "attachment")[:120]


def store_attachment(data_dir: Path, sub_account_id: str, item: ParsedAttachment) -> dict[str, Any]:
    size = len(item.data)
    meta: dict[str, Any] = {"name": item.name[:200], "content_type": item.content_type,
                            "size": size}  # fmt: skip
    if size > MAX_ATTACHMENT_BYTES:
        return meta | {"skipped": "larger than 25 MB"}
    digest = hashlib.sha256(item.data).hexdigest()
    relative = Path(ATTACHMENTS, sub_account_id, digest, safe_name(item.name))
    target = data_dir / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(item.data)
        os.replace(tmp, target)
    return meta | {"path": relative.as_posix(), "sha256": digest}


@dataclass(frozen=True)
class FiledEmail:
    message_id: str  # the email's Message-ID
    result: InboundResult


def file_email(uow: UnitOfWork, data_dir: Path, parsed: ParsedEmail) -> FiledEmail:
    """Store one parsed email in the inbox (idempotent on its Message-ID); the caller commits."""
    attachments = [store_attachment(data_dir, uow.sub_account_id, a) for a in parsed.attachments]
    inbound = InboundMessage(
        channel=ChannelType.EMAIL.value, provider_message_id=parsed.message_id,
        from_address=parsed.from_address, to_address=parsed.to_address,
        body=parsed.body or ("(no text)" if not attachments else ""),
        subject=parsed.subject or None, attachments=attachments, headers=parsed.headers(),
        thread_refs=parsed.thread_refs, received_at=parsed.sent_at,
    )  # fmt: skip
    result = ingest(uow, inbound)
    if result.created and parsed.subject.strip().lower() == UNSUBSCRIBE_SUBJECT:
        _unsubscribe(uow, result.contact_id)  # the List-Unsubscribe mailto: link was used
    return FiledEmail(parsed.message_id, result)


def _unsubscribe(uow: UnitOfWork, contact_id: str) -> None:
    contact = uow.session.get(Contact, contact_id)
    if contact is None:
        return
    changed = set_dnd(contact, ChannelType.EMAIL, True)
    if changed is not None:
        contact.updated_at = uow.clock.now()
        uow.record(
            ContactUpdated(
                sub_account_id=uow.sub_account_id, contact_id=contact_id, changed_fields=(changed,)
            )
        )


def file_raw_email(uow: UnitOfWork, data_dir: Path, raw: bytes) -> FiledEmail:
    return file_email(uow, data_dir, parse_email(raw))
