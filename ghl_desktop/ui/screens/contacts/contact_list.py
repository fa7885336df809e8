"""The contacts list: search as you type, smart-list tabs with counts, a filter builder, a
column chooser, and a windowed table that stays instant at a million contacts.

The actions on contacts (new, import, export, bulk actions) live in ``ContactsScreen``; this
panel shows the list and says what is selected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.services.contact_listing import ContactRow
from ghl_desktop.services.smart_lists import service as smart_lists
from ghl_desktop.services.smart_lists.filters import Group, parse_filter
from ghl_desktop.services.smart_lists.service import SmartListInfo
from ghl_desktop.ui.after_paint import PaintGate
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.dialogs.column_chooser import ColumnChooserDialog
from ghl_desktop.ui.dialogs.filter_builder import FilterBuilderDialog
from ghl_desktop.ui.models.contacts import (
    DEFAULT_COLUMNS,
    SORT_KEYS,
    ContactQuery,
    ContactSource,
    available_columns,
    contact_columns,
)
from ghl_desktop.ui.models.windowed import WindowedTableModel
from ghl_desktop.ui.ops import ReadOp, WriteOp, show_error
from ghl_desktop.ui.screens.contacts.loaders import SmartListState, load_smart_lists
from ghl_desktop.ui.screens.contacts.lookups import EMPTY_LOOKUPS, CrmLookups
from ghl_desktop.ui.widgets.contacts_table import ContactsTable
from ghl_desktop.ui.widgets.smart_list_tabs import ALL, SmartListTabs
from ghl_desktop.ui.workspace import Workspace

SEARCH_DELAY_MS = 150


class ContactListPanel(QWidget):
    open_contact = Signal(str)
    selection_changed = Signal(int)  # how many rows are selected

    def __init__(self, ctx: UiContext, workspace: Workspace, parent: QWidget | None = None) -> None:
        # Every widget is created with its parent: with the app's style sheet, each move of a
        # built widget into another parent restyles all of it again (half the build time).
        super().__init__(parent)
        self.ctx = ctx
        self.workspace = workspace
        self.sub_account_id: str | None = None
        self.lookups: CrmLookups = EMPTY_LOOKUPS
        self.query = ContactQuery()
        self.extra_filter: Group | None = None  # from the filter builder, on top of the tab
        self.column_keys: list[str] = list(DEFAULT_COLUMNS)
        # A source waiting for the panel's first show (``_show_source``).
        self._source_on_show: ContactSource | None = None
        self.search = QLineEdit(self)
        self.search.setObjectName("ContactSearch")
        self.search.setPlaceholderText("Search name, email, phone, company or tag")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search contacts")
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.filter_button = QPushButton("Filter…", self)
        self.filter_button.setObjectName("FilterContacts")
        self.clear_filter_button = QPushButton(self)
        self.clear_filter_button.setObjectName("ClearFilter")
        self.clear_filter_button.setVisible(False)
        self.columns_button = QPushButton("Columns…", self)
        self.archived_check = QCheckBox("Archived too", self)
        self.archived_check.setObjectName("ShowArchived")
        self.archived_check.setToolTip("Show archived contacts in the list as well")
        self.count_label = QLabel(self)
        self.count_label.setObjectName("ContactCount")
        self.count_label.setProperty("role", "muted")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.tabs = SmartListTabs(self)
        # The columns come once the table is set up: each setting of the view would otherwise
        # have the header ask the model for every column's title again (hundreds of calls).
        self.model = WindowedTableModel[ContactRow](
            ctx.ops, [], self, is_dimmed=lambda row: row.is_archived
        )
        self.table = ContactsTable(self.model, self)
        self.paint_gate = PaintGate(self.table.viewport())
        self.model.paint_gate = self.paint_gate
        self.model.set_columns(contact_columns(self.column_keys, self.lookups))  # widths too
        self.table.show_sort("created_at", True)
        self.table.setSortingEnabled(True)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.filter_button)
        bar.addWidget(self.clear_filter_button)
        bar.addWidget(self.columns_button)
        bar.addWidget(self.archived_check)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(bar)
        layout.addWidget(self.tabs)
        layout.addWidget(self.table, 1)
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        self.search_timer.timeout.connect(self._search_changed)
        self.filter_button.clicked.connect(self.open_filter_builder)
        self.clear_filter_button.clicked.connect(self.clear_extra_filter)
        self.columns_button.clicked.connect(self.choose_columns)
        self.archived_check.toggled.connect(lambda _on: self._requery())
        self.tabs.list_chosen.connect(self._tab_chosen)
        self.tabs.action_requested.connect(self.smart_list_action)
        self.model.sort_requested.connect(self._sort_requested)
        self.model.loaded.connect(self._loaded)
        self._tabs_after_first_rows = False
        self.model.first_rows_shown.connect(self._first_rows_shown)
        self.model.failed.connect(lambda error: show_error(self, error))
        self.table.open_requested.connect(self.open_contact)
        self.table.header_menu_requested.connect(self._header_menu)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_a: self.selection_changed.emit(self.table.selected_count())
        )
        self.model.modelReset.connect(lambda: self.selection_changed.emit(0))

    # -- what is shown ---------------------------------------------------------------------
    def show_sub_account(self, sub_account_id: str | None, lookups: CrmLookups) -> None:
        """Start over in another sub-account (or refresh the lookups of this one)."""
        changed = sub_account_id != self.sub_account_id
        self.sub_account_id = sub_account_id
        self.set_lookups(lookups)
        if changed:
            self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(False)
            self.extra_filter = None
            self.query = ContactQuery(
                sort_key=self.query.sort_key, descending=self.query.descending
            )
            self.tabs.set_lists([], select=ALL)
            self._update_filter_chip()
            self._load()

    def set_lookups(self, lookups: CrmLookups) -> None:
        """New tags, fields or users; the columns are rebuilt (a model reset, which loses the
        selection) only when what they show changed."""
        old, self.lookups = self.lookups, lookups
        if (
            self.model.columnCount() > 0
            and available_columns(old) == available_columns(lookups)
            and old.users == lookups.users
        ):
            return
        self._rebuild_columns()

    def _rebuild_columns(self) -> None:
        self.model.set_columns(contact_columns(self.column_keys, self.lookups))  # widths too
        self.table.show_sort(self._sort_column_key(), self.query.descending)

    def refresh(self) -> None:
        """After a change: re-read the rows on screen and the tab counts."""
        self.model.refresh()
        self.load_smart_lists()

    def _load(self) -> None:
        if self.sub_account_id is None or self.workspace.snapshot is None:
            return
        self._load_rows()
        # The tabs are read once the first rows are on screen (they never delay them).
        self._tabs_after_first_rows = True

    def _first_rows_shown(self) -> None:
        if self.model.counting:
            self.count_label.setText("Counting…")
        if self._tabs_after_first_rows:
            self._tabs_after_first_rows = False
            self.load_smart_lists()

    def load_smart_lists(self, select: str | None = None) -> None:
        snapshot, sub_id = self.workspace.snapshot, self.sub_account_id
        if snapshot is None or sub_id is None:
            return
        uows, actor = self.ctx.uows, snapshot.actor
        # The list's first rows are painted first.
        read = self.paint_gate.after_paint(lambda: load_smart_lists(uows, actor, sub_id))
        ReadOp(self.ctx.ops, self, read, key="smart_lists").success(
            lambda state: self._show_smart_lists(state, select)
        ).run()

    def _show_smart_lists(self, state: SmartListState, select: str | None) -> None:
        self.tabs.set_lists(state.lists, select=select)
        self.tabs.set_counts(self.tabs.total, state.counts)

    def current_filter(self) -> Group | None:
        """The filter of the list shown: the tab's smart list and the builder's filter."""
        info = self.tabs.current_list()
        parts = [parse_filter(info.filter)] if info is not None else []
        if self.extra_filter is not None:
            parts.append(self.extra_filter)
        parts = [p for p in parts if p.conditions]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Group("and", tuple(parts))

    def _requery(self) -> None:
        self.query = replace(
            self.query, filter=self.current_filter(), search=self.search.text().strip(),
            include_archived=self.archived_check.isChecked(),
        )  # fmt: skip
        self._load_rows()

    def _load_rows(self) -> None:
        if self.sub_account_id is None or self.workspace.snapshot is None:
            return
        self._show_source(
            ContactSource(
                self.ctx.uows, self.workspace.snapshot.actor, self.sub_account_id, self.query
            )
        )

    def _show_source(self, source: ContactSource) -> None:
        """A list shown for the first time, with nothing on screen yet and its first rows
        read straight off an index (no smart-list filter, no search), has its first
        screenful read when the panel is shown, so its first paint has rows (see
        ``WindowedTableModel.show_now``). Any other list is read on the reader pool, the
        rows on screen staying until it arrived."""
        plain = source.query.filter is None and not source.query.search
        if plain and self.model.source is None and not self.isVisible():
            self._source_on_show = source
            return
        self._source_on_show = None
        self.model.set_source(source)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        source, self._source_on_show = self._source_on_show, None
        if source is not None:
            self.model.show_now(source, self.rows_on_screen())

    def rows_on_screen(self) -> int:
        """How many rows the table can show at its current height (at least one more, for
        a row cut at the bottom); the children are laid out before a widget's show event."""
        row_height = max(1, self.table.verticalHeader().defaultSectionSize())
        return self.table.height() // row_height + 1

    def _search_changed(self) -> None:
        self._requery()

    def _tab_chosen(self, _key: str) -> None:
        info = self.tabs.current_list()
        keys = list(info.columns) if info is not None and info.columns else list(DEFAULT_COLUMNS)
        if keys != self.column_keys:
            self.column_keys = keys
            self._rebuild_columns()
        self._requery()

    def _sort_requested(self, column_key: str, descending: bool) -> None:
        self.query = replace(self.query, sort_key=SORT_KEYS[column_key], descending=descending)
        self._load_rows()

    def _sort_column_key(self) -> str:
        return next((k for k, s in SORT_KEYS.items() if s == self.query.sort_key), "created_at")

    def _loaded(self, count: int) -> None:
        if self.query.filter is None and not self.query.search:
            self.tabs.set_counts(count, self.tabs.counts)  # "All contacts" is this list
        what = "contact" if count == 1 else "contacts"
        searching = self.query.search
        self.count_label.setText(
            f"{count:,} {what} match “{searching}”" if searching else f"{count:,} {what}"
        )

    # -- what the actions work on -----------------------------------------------------------
    def list_keywords(self) -> dict[str, Any]:
        """The list shown as service keywords (``filter``, ``search``): every matching
        contact, not only the rows on screen."""
        group = self.query.filter
        return {
            "filter": group.to_json() if group is not None else None,
            "search": self.query.search or None,
            "include_archived": self.query.include_archived,
        }

    def selected_ids_call(self) -> Callable[[], list[str]] | None:
        """A read returning the ids of the selected rows (None when nothing is selected)."""
        ranges = self.table.selected_ranges()
        if not ranges:
            return None
        read = self.model.fetch_rows_call(ranges)
        return lambda: [row.id for row in read()]

    # -- filters and smart lists -----------------------------------------------------------
    def open_filter_builder(self, *, edit_list: SmartListInfo | None = None) -> FilterBuilderDialog:
        snapshot, sub_id = self.workspace.snapshot, self.sub_account_id
        assert snapshot is not None
        assert sub_id is not None
        uows, actor = self.ctx.uows, snapshot.actor
        initial = parse_filter(edit_list.filter) if edit_list is not None else self.extra_filter

        def count_call(group: Group):  # type: ignore[no-untyped-def]
            return lambda: smart_lists.count_filter(uows, actor, sub_id, group.to_json())

        def save_call(name: str, shared: bool, group: Group):  # type: ignore[no-untyped-def]
            if edit_list is not None:
                list_id = edit_list.id
                return lambda: smart_lists.update_smart_list(
                    uows, actor, sub_id, list_id, name=name, filter=group.to_json(),
                    is_shared=shared,
                )  # fmt: skip
            columns = list(self.column_keys)
            return lambda: smart_lists.create_smart_list(
                uows, actor, sub_id, name, group.to_json(), is_shared=shared, columns=columns
            )

        dialog = FilterBuilderDialog(
            self.ctx, self, self.lookups, initial=initial, count_call=count_call,
            save_call=save_call, name=edit_list.name if edit_list else "",
            shared=edit_list.is_shared if edit_list else False,
            title=f"Edit “{edit_list.name}”" if edit_list else "Filter contacts",
        )  # fmt: skip
        dialog.applied.connect(self.apply_extra_filter)
        dialog.saved.connect(self._smart_list_saved)
        dialog.open()
        return dialog

    def apply_extra_filter(self, group: Group) -> None:
        self.extra_filter = group if group.conditions else None
        self._update_filter_chip()
        self._requery()

    def clear_extra_filter(self) -> None:
        self.apply_extra_filter(Group())

    def _update_filter_chip(self) -> None:
        group = self.extra_filter
        count = len(group.walk()) if group is not None else 0
        self.clear_filter_button.setText(f"✕ Filter: {count} condition{'s' if count != 1 else ''}")
        self.clear_filter_button.setToolTip("Remove the filter")
        self.clear_filter_button.setVisible(count > 0)

    def _smart_list_saved(self, info: object) -> None:
        if isinstance(info, SmartListInfo):
            self.extra_filter = None
            self._update_filter_chip()
            self.load_smart_lists(select=info.id)
            if self.tabs.current_key() == info.id:
                self._requery()

    def smart_list_action(self, action: str, list_id: str) -> QWidget | None:
        """Run a tab menu action; returns the dialog it opened, if any (tests drive it)."""
        snapshot, sub_id = self.workspace.snapshot, self.sub_account_id
        info = next((s for s in self.tabs.lists if s.id == list_id), None)
        if snapshot is None or sub_id is None or info is None:
            return None
        uows, actor = self.ctx.uows, snapshot.actor
        if action == "edit":
            return self.open_filter_builder(edit_list=info)
        if action == "rename":
            ask = QInputDialog(self)
            ask.setWindowTitle("Rename smart list")
            ask.setLabelText("Name")
            ask.setTextValue(info.name)
            ask.textValueSelected.connect(
                lambda name: self._list_write(
                    lambda: smart_lists.rename_smart_list(uows, actor, sub_id, list_id, name)
                )
            )
            ask.open()
            return ask
        if action == "duplicate":
            self._list_write(lambda: smart_lists.duplicate_smart_list(uows, actor, sub_id, list_id))
        elif action == "share":
            shared = not info.is_shared
            self._list_write(
                lambda: smart_lists.update_smart_list(
                    uows, actor, sub_id, list_id, is_shared=shared
                )
            )
        elif action == "delete":
            box = QMessageBox(
                QMessageBox.Icon.Question, "Delete smart list",
                f"Delete the smart list “{info.name}”? Its contacts stay.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self,
            )  # fmt: skip
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.accepted.connect(
                lambda: self._list_write(
                    lambda: smart_lists.delete_smart_list(uows, actor, sub_id, list_id)
                )
            )
            box.open()
            return box
        return None

    def _list_write(self, call: Callable[[], object]) -> None:
        WriteOp(self.ctx.ops, self, call).changes(
            "smart_list", sub_account_id=self.sub_account_id
        ).success(
            lambda result: self.load_smart_lists(
                select=result.id if isinstance(result, SmartListInfo) else None
            )
        ).run()

    # -- columns ---------------------------------------------------------------------------
    def choose_columns(self) -> ColumnChooserDialog:
        dialog = ColumnChooserDialog(self, available_columns(self.lookups), self.column_keys)
        dialog.chosen.connect(self.set_column_keys)
        dialog.open()
        return dialog

    def set_column_keys(self, keys: list[str]) -> None:
        self.column_keys = list(keys)
        self._rebuild_columns()
        info, snapshot = self.tabs.current_list(), self.workspace.snapshot
        sub_id = self.sub_account_id
        if info is not None and snapshot is not None and sub_id is not None:
            uows, actor, list_id = self.ctx.uows, snapshot.actor, info.id
            WriteOp(
                self.ctx.ops, self,
                lambda: smart_lists.update_smart_list(uows, actor, sub_id, list_id, columns=keys),
            ).changes("smart_list", sub_account_id=sub_id).run()  # fmt: skip

    def _header_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.addAction("Choose columns…").triggered.connect(self.choose_columns)
        menu.popup(pos)
