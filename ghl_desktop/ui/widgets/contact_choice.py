"""Choosing one contact from a search: the contacts matching a text, read off the Qt thread,
listed in a combo box as "Name <email>" with their ids (dry run, a contact's runs)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QWidget

from ghl_desktop.services.actor import Actor
from ghl_desktop.services.contact_listing import ContactRow, fetch_rows
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp

LIMIT = 50


def contact_label(row: ContactRow) -> str:
    name = " ".join(p for p in (row.first_name, row.last_name) if p) or row.email or row.id
    return f"{name} <{row.email}>" if row.email and name != row.email else name


def find_contacts(
    ctx: UiContext, owner: QWidget, actor: Actor, sub_account_id: str, text: str,
    done: Callable[[list[ContactRow]], None],
) -> None:  # fmt: skip
    """The first contacts matching ``text`` (all, newest first, when it is blank) to ``done``."""
    search = text.strip() or None
    ReadOp(ctx.ops, owner,
           lambda: fetch_rows(ctx.uows, actor, sub_account_id, search=search, limit=LIMIT),
           key="contacts").success(done).run()  # fmt: skip


def fill_contacts(combo: QComboBox, rows: list[ContactRow]) -> None:
    combo.clear()
    for row in rows:
        combo.addItem(contact_label(row), row.id)
