# ruff: noqa: N802 (Qt method names)
"""Opening the inbox with 100,000 conversations (target <= 300 ms), next to a bare
``QListView`` over the same rows measured in the same run.

* **ours**: the real ``InboxScreen`` (filters, lazy keyset-paged list read on the reader pool
  through the services, unread counts, thread and contact panes) is created and shown; the
  clock stops at the first paint of the conversation list showing real rows.
* **bare**: a plain ``QListView`` over a minimal model that is *given* the row count (counted
  beforehand, not timed) and reads the first 50 rows synchronously with hand-written SQL on one
  connection (same join for the contact's name, newest first): the physical limit of painting
  those rows from the database.

Runs alternate (ours, bare, ...) so machine drift hits both alike; medians are printed. The
database (100,000 contacts, each with one sandbox conversation) is built once into the
benchmark cache (``GHL_BENCH_CACHE``, default /tmp/ghl-bench).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QListView

from benchmarks.bench_contacts_view import PaintProbe, wait_for
from benchmarks.crm_dataset import CACHE

CONVERSATIONS = 100_000
RUNS = 7
TARGET_S = 0.300
SIZE = (1280, 800)
OWNER_EMAIL = "owner@inbox-bench.example"
OWNER_PASSWORD = "bench-password-123"  # noqa: S105 (a throwaway benchmark database)
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def build(folder: Path) -> str:
    """A migrated database with CONVERSATIONS threads in one sub-account; its id back."""
    from sqlalchemy import insert

    from ghl_desktop.bootstrap import build_runtime
    from ghl_desktop.core.clock import FixedClock
    from ghl_desktop.core.ids import new_id
    from ghl_desktop.core.secrets import EncryptedFileSecretStore
    from ghl_desktop.models.conversations import Channel, ChannelType, Conversation
    from ghl_desktop.models.crm import Contact
    from ghl_desktop.services import agencies
    from ghl_desktop.services.actor import Actor

    tmp = folder.with_name(folder.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    secrets = EncryptedFileSecretStore(tmp / "secrets" / "secrets.enc")
    runtime = build_runtime(tmp, None, clock=FixedClock(NOW), secrets=secrets)
    try:
        inst = agencies.init_installation(runtime.uows, "Inbox Bench", OWNER_EMAIL,
                                          OWNER_PASSWORD, "Owner")  # fmt: skip
        owner = Actor(user_id=inst.owner_user_id, label=OWNER_EMAIL)
        sub = agencies.create_sub_account(runtime.uows, owner, inst.agency_id, "Busy Location")
        channel_id = new_id()
        contacts, threads = [], []
        for n in range(CONVERSATIONS):
            contact_id = new_id()
            at = NOW - timedelta(minutes=n * 7)
            contacts.append({
                "id": contact_id, "sub_account_id": sub.id, "first_name": f"Visitor{n}",
                "last_name": "Bench", "phone": f"+1415{n:07d}", "created_at": at,
                "updated_at": at, "source": "bench",
            })  # fmt: skip
            threads.append({
                "id": new_id(), "sub_account_id": sub.id, "channel_id": channel_id,
                "contact_id": contact_id, "last_message_at": at, "created_at": at,
                "updated_at": at, "last_message_preview": f"Message number {n} about a booking",
                "unread_count": n % 3, "status": "open" if n % 4 else "resolved",
            })  # fmt: skip
        with runtime.uows.system() as uow:
            uow.session.execute(insert(Channel), [{
                "id": channel_id, "sub_account_id": sub.id, "type": ChannelType.SANDBOX,
                "provider": "sandbox", "name": "Sandbox", "config": {}, "is_active": True,
                "created_at": NOW, "updated_at": NOW,
            }])  # fmt: skip
            uow.session.execute(insert(Contact), contacts)
            uow.session.execute(insert(Conversation), threads)
            uow.commit()
    finally:
        runtime.close()
    tmp.rename(folder)
    return sub.id


def dataset() -> tuple[Path, str]:
    folder = CACHE / f"inbox-{CONVERSATIONS}"
    marker = folder / "sub_account_id"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {CONVERSATIONS:,} conversations into {folder} (once)...", flush=True)
        sub_id = build(folder)
        marker.write_text(sub_id)
    return folder, marker.read_text().strip()


class BareModel(QAbstractListModel):
    def __init__(self, connection: Any, sub_account_id: str, total: int) -> None:
        super().__init__()
        self.total = total
        self.rows = connection.execute(
            "SELECT c.first_name || ' ' || c.last_name, v.last_message_preview"
            " FROM conversations v JOIN contacts c ON c.id = v.contact_id"
            " WHERE v.sub_account_id = ? AND v.deleted_at IS NULL AND v.snoozed_until IS NULL"
            " ORDER BY v.last_message_at DESC, v.id DESC LIMIT 50",
            (sub_account_id,),
        ).fetchall()

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        name, preview = self.rows[index.row()]
        return f"{name}\n{preview}"


def bare_run(app: QApplication, connection: Any, sub_id: str, total: int) -> float:
    started = time.perf_counter()
    view = QListView()
    view.setUniformItemSizes(True)
    view.setModel(BareModel(connection, sub_id, total))
    probe = PaintProbe(view.viewport(), lambda: True)
    view.resize(*SIZE)
    view.show()
    wait_for(app, probe)
    took = probe.painted_at - started  # type: ignore[operator]
    view.close()
    view.deleteLater()
    app.processEvents()
    return took


def ours_run(app: QApplication, ctx: Any, workspace: Any) -> float:
    from ghl_desktop.ui.screens.inbox.inbox_screen import InboxScreen

    started = time.perf_counter()
    screen = InboxScreen(ctx, workspace)
    probe = PaintProbe(screen.list.viewport(), lambda: screen.model.rowCount() > 0)
    screen.resize(*SIZE)
    screen.show()
    wait_for(app, probe)
    took = probe.painted_at - started  # type: ignore[operator]
    while not ctx.ops.idle:  # counts finish before the next run
        app.processEvents()
    screen.close()
    screen.deleteLater()
    app.processEvents()
    return took


def main() -> int:
    import sqlean

    from ghl_desktop.bootstrap import build_runtime
    from ghl_desktop.core.secrets import EncryptedFileSecretStore
    from ghl_desktop.services import auth
    from ghl_desktop.ui.context import UiContext
    from ghl_desktop.ui.ops import OpRunner
    from ghl_desktop.ui.preferences import Preferences
    from ghl_desktop.ui.qt_bridge import QtBridge
    from ghl_desktop.ui.service_status import ServiceStatusRegistry
    from ghl_desktop.ui.theme import Theme, apply_theme
    from ghl_desktop.ui.workspace import Workspace

    folder, sub_id = dataset()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_theme(app, Theme.LIGHT)
    secrets = EncryptedFileSecretStore(folder / "secrets" / "secrets.enc")
    runtime = build_runtime(folder, None, secrets=secrets)
    bridge = QtBridge(runtime.bus)
    prefs = Preferences(folder / "bench-prefs.ini")
    ctx = UiContext(runtime, OpRunner(bridge), bridge, ServiceStatusRegistry(), prefs)
    actor = auth.sign_in(runtime.uows, OWNER_EMAIL, OWNER_PASSWORD)
    workspace = Workspace(ctx, actor)
    workspace.switch_sub_account(sub_id)
    while workspace.snapshot is None or not ctx.ops.idle:
        app.processEvents()
    connection = sqlean.connect(str(folder / "ghl_desktop.db"))
    try:
        total = int(connection.execute(
            "SELECT count(*) FROM conversations WHERE sub_account_id = ?", (sub_id,)
        ).fetchone()[0])  # fmt: skip
        ours_run(app, ctx, workspace)  # warm-up: imports and page cache, not counted
        bare_run(app, connection, sub_id, total)
        ours, bare = [], []
        for _ in range(RUNS):
            ours.append(ours_run(app, ctx, workspace))
            bare.append(bare_run(app, connection, sub_id, total))
    finally:
        connection.close()
        ctx.ops.shutdown()
        bridge.close()
        runtime.close()
    mine, theirs = statistics.median(ours), statistics.median(bare)
    ok = mine <= TARGET_S
    print(f"inbox open, {total:,} conversations, median of {RUNS} runs each:")
    print(
        f"  first paint of the list  ours {mine * 1000:7.1f} ms   bare QListView"
        f" {theirs * 1000:7.1f} ms   ratio {mine / theirs:5.2f}x"
    )
    print(f"  {'within' if ok else 'OVER'} the {TARGET_S * 1000:.0f} ms target")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
