"""Conversations: the 3-pane inbox (filters and list | thread and composer | contact) and the
channel setup tab. Everything the screen reads or writes runs as a background op."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QListView,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.inbox import assignment, queries
from ghl_desktop.services.inbox import conversations as actions
from ghl_desktop.services.inbox.queries import ConversationRow
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp, WriteOp
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.base import Screen
from ghl_desktop.ui.screens.inbox import loaders
from ghl_desktop.ui.screens.inbox.composer import Composer, Draft
from ghl_desktop.ui.screens.inbox.contact_panel import ContactPanel
from ghl_desktop.ui.screens.inbox.conversation_delegate import ConversationDelegate
from ghl_desktop.ui.screens.inbox.conversation_model import ROW_ROLE, ConversationListModel
from ghl_desktop.ui.screens.inbox.filter_panel import FilterPanel
from ghl_desktop.ui.screens.inbox.loaders import ThreadData
from ghl_desktop.ui.screens.inbox.simulate_dialog import SimulateInboundDialog
from ghl_desktop.ui.screens.inbox.thread_view import ThreadView
from ghl_desktop.ui.widgets.plain_label import PlainLabel
from ghl_desktop.ui.workspace import Workspace

if TYPE_CHECKING:
    from ghl_desktop.ui.screens.inbox.channels_tab import ChannelsTab

TOPICS = ("message", "conversation", "contact", "outbox")


class InboxScreen(Screen):
    def __init__(self, ctx: UiContext, workspace: Workspace) -> None:
        super().__init__(ctx, workspace)
        self.setObjectName("InboxScreen")
        self.filters = FilterPanel()
        self.model = ConversationListModel(self)
        self.list = QListView()
        self.list.setObjectName("ConversationList")
        self.list.setAccessibleName("Conversations")
        self.list.setModel(self.model)
        self.list.setItemDelegate(ConversationDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_summary = QLabel()
        self.list_summary.setProperty("role", "muted")
        self.simulate_button = QPushButton("Simulate inbound…")
        self.simulate_button.setObjectName("SimulateInbound")
        self.simulate_button.setToolTip("Deliver a test message on the sandbox channel")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 0, 8)
        left_layout.addWidget(self.filters)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.list_summary)
        left_layout.addWidget(self.simulate_button)
        self.thread_title = PlainLabel()
        self.thread_title.setObjectName("ThreadTitle")
        self.thread_title.setProperty("role", "heading")
        self.thread_view = ThreadView()
        self.thread_view.data_dir = ctx.runtime.data_dir
        self.composer = Composer()
        self.composer.set_enabled(False)
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(8, 8, 8, 8)
        middle_layout.addWidget(self.thread_title)
        middle_layout.addWidget(self.thread_view, 1)
        middle_layout.addWidget(self.composer)
        self.contact_panel = ContactPanel()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for widget in (left, middle, self.contact_panel):
            self.splitter.addWidget(widget)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([300, 600, 280])
        self.tabs = QTabWidget()
        self.tabs.addTab(self.splitter, "Conversations")
        self.channels_tab: QWidget | None = None
        self.tabs.currentChanged.connect(self._tab_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.current: ThreadData | None = None
        self._counts_due = False
        self._select_id: str | None = None
        self.filters.changed.connect(lambda _f: self.reload_list())
        self.list.selectionModel().currentChanged.connect(lambda cur, _p: self._open_index(cur))
        self.model.page_loaded.connect(self._page_loaded)
        self.composer.send_requested.connect(self.send)
        self.composer.snippet_requested.connect(self.composer.insert_text)
        self.contact_panel.assign_requested.connect(self.assign)
        self.contact_panel.status_requested.connect(self.set_status)
        self.contact_panel.snooze_requested.connect(self.snooze)
        self.contact_panel.star_requested.connect(self.star)
        self.simulate_button.clicked.connect(self.simulate_inbound)
        if workspace.snapshot is not None:
            self._add_channels_tab()

    # -- Screen ----------------------------------------------------------------------------
    def concerns(self, change: Change) -> bool:
        sub = self._sub_account_id()
        same = change.sub_account_id is None or change.sub_account_id == sub
        return same and change.concerns(*TOPICS)

    def workspace_changed(self, snapshot: Any) -> None:  # noqa: ARG002 (the base's signature)
        self.current = None
        self._select_id = None
        self.thread_view.show_placeholder("Choose a conversation")
        self.contact_panel.clear()
        self.composer.set_enabled(False)
        self._add_channels_tab()
        if self.channels_tab is not None and self.tabs.currentWidget() is self.channels_tab:
            self.open_channels()

    def refresh(self) -> None:
        self._select_id = self.current.conversation.id if self.current else self._select_id
        self.reload_list()
        if self.current is not None:
            self.open_conversation(self.current.conversation.id, mark_read=False)

    def _sub_account_id(self) -> str | None:
        snapshot = self.snapshot
        return snapshot.sub_account.id if snapshot and snapshot.sub_account else None

    def _add_channels_tab(self) -> None:
        snapshot = self.snapshot
        can_manage = bool(snapshot and snapshot.sub_account and snapshot.can("settings.manage"))
        if can_manage and self.channels_tab is None:
            # An empty page until first opened: the inbox opens without building the forms.
            self.channels_tab = QWidget()
            self.tabs.addTab(self.channels_tab, "Channels")
        elif not can_manage and self.channels_tab is not None:
            self.tabs.removeTab(self.tabs.indexOf(self.channels_tab))
            self.channels_tab.deleteLater()
            self.channels_tab = None

    def open_channels(self) -> ChannelsTab:
        """Show the channel setup tab (built on first use) and return it."""
        from ghl_desktop.ui.screens.inbox.channels_tab import ChannelsTab

        if not isinstance(self.channels_tab, ChannelsTab):
            placeholder = self.channels_tab
            self.channels_tab = ChannelsTab(self.ctx, self.workspace)
            if placeholder is not None:
                index = self.tabs.indexOf(placeholder)
                self.tabs.blockSignals(True)
                self.tabs.removeTab(index)
                self.tabs.insertTab(index, self.channels_tab, "Channels")
                self.tabs.blockSignals(False)
                placeholder.deleteLater()
            else:
                self.tabs.addTab(self.channels_tab, "Channels")
        self.tabs.setCurrentWidget(self.channels_tab)
        self.channels_tab.refresh()
        return self.channels_tab

    def _tab_changed(self, _index: int) -> None:
        if self.channels_tab is not None and self.tabs.currentWidget() is self.channels_tab:
            self.open_channels()

    # -- the list --------------------------------------------------------------------------
    def reload_list(self) -> None:
        snapshot, sub = self.snapshot, self._sub_account_id()
        if snapshot is None or sub is None:
            return
        rt, actor, flt = self.ctx.runtime, snapshot.actor, self.filters.current()

        def loader(cursor: queries.Cursor | None, done: Any) -> None:
            ReadOp(self.ctx.ops, self, lambda: loaders.load_page(rt, actor, sub, flt, cursor),
                   key="inbox-page").success(done).run()  # fmt: skip

        self._counts_due = True  # read after the first page: the list paints first
        self.model.reload(loader)

    def _load_counts(self) -> None:
        snapshot, sub = self.snapshot, self._sub_account_id()
        if snapshot is None or sub is None:
            return
        uows, actor = self.ctx.uows, snapshot.actor
        ReadOp(self.ctx.ops, self, lambda: queries.unread_counts(uows, actor, sub),
               key="inbox-counts").success(self.filters.show_counts).run()  # fmt: skip

    def _page_loaded(self, count: int) -> None:
        if self._counts_due:
            self._counts_due = False
            self._load_counts()
        more = "+" if self.model.has_more else ""
        self.list_summary.setText(f"{count}{more} conversations" if count else "No conversations")
        if self._select_id is not None:
            row = self.model.find(self._select_id)
            if row >= 0:
                self.list.selectionModel().blockSignals(True)
                self.list.selectionModel().setCurrentIndex(
                    self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
                )
                self.list.selectionModel().blockSignals(False)

    def _open_index(self, index: Any) -> None:
        row = index.data(ROW_ROLE) if index.isValid() else None
        if isinstance(row, ConversationRow):
            self._select_id = row.id
            self.open_conversation(row.id, mark_read=row.unread_count > 0)

    # -- the thread ------------------------------------------------------------------------
    def open_conversation(self, conversation_id: str, *, mark_read: bool = True) -> None:
        snapshot, sub = self.snapshot, self._sub_account_id()
        if snapshot is None or sub is None:
            return
        rt, actor = self.ctx.runtime, snapshot.actor
        ReadOp(self.ctx.ops, self, lambda: loaders.load_thread(rt, actor, sub, conversation_id),
               key="inbox-thread").success(self._show_thread).run()  # fmt: skip
        if mark_read:
            # No domain event says "read": announce it, so counts and badges follow.
            WriteOp(
                self.ctx.ops, self, lambda: loaders.mark_read(rt, actor, sub, conversation_id)
            ).changes("conversation", sub_account_id=sub).run()

    def _show_thread(self, data: ThreadData) -> None:
        changed = self.current is None or self.current.conversation.id != data.conversation.id
        self.current = data
        row = data.conversation
        self.thread_title.setText(f"{row.contact_name} · {row.channel_name}")
        authors = {u.id: u.full_name or u.email for u in data.users}
        self.thread_view.show_thread(data.messages, data.notes, authors, data.has_older)
        self.contact_panel.show_conversation(row, data.contact, data.users)
        self.composer.set_snippets(data.snippets)
        self.composer.set_enabled(
            self.snapshot is not None and self.snapshot.can("conversations.reply")
        )
        if changed:
            self.composer.set_channel(row.channel_type)
            last_subject = next((m.subject for m in reversed(data.messages) if m.subject), "")
            if last_subject and not self.composer.subject.text():
                self.composer.subject.setText(
                    last_subject
                    if last_subject.lower().startswith("re:")
                    else f"Re: {last_subject}"
                )
        self.model.replace_row(row)

    # -- actions ---------------------------------------------------------------------------
    def _write(self, fn: Any, after: Any = None) -> WriteOp[Any]:
        op = WriteOp(self.ctx.ops, self, fn).changes(
            "conversation", sub_account_id=self._sub_account_id()
        )
        if after is not None:
            op.success(after)
        return op.run()

    def _target(self) -> tuple[Any, str, ConversationRow] | None:
        snapshot, sub = self.snapshot, self._sub_account_id()
        if snapshot is None or sub is None or self.current is None:
            return None
        return snapshot.actor, sub, self.current.conversation

    def send(self, draft: Draft) -> None:
        target = self._target()
        if target is None:
            return
        actor, sub, row = target
        rt = self.ctx.runtime
        fn: Any
        if draft.is_note:
            fn = lambda: loaders.add_note(rt, actor, sub, row.id, draft.body)  # noqa: E731
        else:
            fn = lambda: loaders.send(rt, actor, sub, conversation=row, channel=draft.channel,  # noqa: E731
                                      body=draft.body, subject=draft.subject,
                                      attachments=draft.attachments)  # fmt: skip
        self._write(fn, lambda _r: self.composer.clear())

    def assign(self, user_id: str | None) -> None:
        if (target := self._target()) is not None:
            actor, sub, row = target
            self._write(lambda: assignment.assign(self.ctx.uows, actor, sub, row.id, user_id))

    def set_status(self, status: str) -> None:
        if (target := self._target()) is not None:
            actor, sub, row = target
            self._write(lambda: actions.set_status(self.ctx.uows, actor, sub, row.id, status))

    def snooze(self, delta: Any) -> None:
        if (target := self._target()) is not None:
            actor, sub, row = target
            until = self.ctx.runtime.clock.now() + delta if delta is not None else None
            self._write(lambda: actions.snooze(self.ctx.uows, actor, sub, row.id, until))

    def star(self, starred: bool) -> None:
        if (target := self._target()) is not None:
            actor, sub, row = target
            self._write(lambda: actions.set_starred(self.ctx.uows, actor, sub, row.id, starred))

    def simulate_inbound(self) -> SimulateInboundDialog:
        default = ""
        if self.current is not None:
            row = self.current.conversation
            default = row.contact_phone or row.contact_email or ""
        dialog = SimulateInboundDialog(self, default)
        dialog.accepted.connect(lambda: self._deliver_simulated(dialog))
        dialog.open()
        return dialog

    def _deliver_simulated(self, dialog: SimulateInboundDialog) -> None:
        snapshot, sub = self.snapshot, self._sub_account_id()
        if snapshot is None or sub is None or dialog.result() != QDialog.DialogCode.Accepted:
            return
        sender, body = dialog.values()
        rt, actor = self.ctx.runtime, snapshot.actor
        self._write(lambda: loaders.simulate_inbound(rt, actor, sub, sender, body))
