"""Run workflow services off the Qt thread inside a tenant unit of work.

The definition services take a unit of work; these wrap one around them: reads on the reader
pool (read-only session), writes on the writer thread (committed, then announced on the bridge
under the "workflow" topic so every workflow view refreshes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject

from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.workspace import WorkspaceSnapshot

T = TypeVar("T")
TOPIC = "workflow"


def read_op(
    ctx: UiContext,
    parent: QObject,
    snapshot: WorkspaceSnapshot,
    fn: Callable[[UnitOfWork], T],
    *,
    key: str | None = None,
) -> ReadOp[T]:
    uows, actor = ctx.uows, snapshot.actor
    sub = snapshot.sub_account.id if snapshot.sub_account else ""

    def call() -> T:
        with uows.tenant(actor, sub, read_only=True) as uow:
            return fn(uow)

    return ReadOp(ctx.ops, parent, call, key=key)


def write_op(
    ctx: UiContext, parent: QObject, snapshot: WorkspaceSnapshot, fn: Callable[[UnitOfWork], T]
) -> WriteOp[T]:
    uows, actor = ctx.uows, snapshot.actor
    sub = snapshot.sub_account.id if snapshot.sub_account else ""

    def call() -> T:
        with uows.tenant(actor, sub) as uow:
            result = fn(uow)
            uow.commit()
            return result

    return WriteOp(ctx.ops, parent, call).changes(TOPIC, sub_account_id=sub)
