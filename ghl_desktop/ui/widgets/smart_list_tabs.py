"""Smart-list tabs over the contacts list: "All contacts" then each saved list, with counts.
A right click on a saved list offers edit, rename, duplicate, share and delete."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QMenu, QTabBar, QWidget

from ghl_desktop.services.smart_lists.service import SmartListInfo

ALL = ""  # the tab key of "All contacts"


def _caption(name: str, count: int | None) -> str:
    return name if count is None else f"{name} · {count:,}"


class SmartListTabs(QTabBar):
    list_chosen = Signal(str)  # smart list id, or ALL
    action_requested = Signal(str, str)  # action ("edit", "rename", ...), smart list id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SmartListTabs")
        self.setAccessibleName("Smart lists")
        self.setExpanding(False)
        self.setDocumentMode(True)
        self.setUsesScrollButtons(True)
        self.setElideMode(Qt.TextElideMode.ElideRight)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.currentChanged.connect(self._changed)
        self.lists: list[SmartListInfo] = []
        self.counts: dict[str, int] = {}
        self.total: int | None = None
        self.last_menu: QMenu | None = None
        self.addTab("All contacts")
        self.setTabData(0, ALL)

    def keys(self) -> list[str]:
        return [str(self.tabData(i)) for i in range(self.count())]

    def current_key(self) -> str:
        return str(self.tabData(self.currentIndex())) if self.currentIndex() >= 0 else ALL

    def current_list(self) -> SmartListInfo | None:
        key = self.current_key()
        return next((s for s in self.lists if s.id == key), None)

    def set_lists(self, lists: Sequence[SmartListInfo], select: str | None = None) -> None:
        """Show these lists; keeps the current tab (or selects ``select``) when it exists."""
        before = self.current_key()
        wanted = select if select is not None else before
        self.lists = list(lists)
        self.blockSignals(True)
        while self.count() > 1:
            self.removeTab(self.count() - 1)
        for info in self.lists:
            index = self.addTab(_caption(info.name, self.counts.get(info.id)))
            self.setTabData(index, info.id)
            shared = "Shared with the sub-account" if info.is_shared else "Only you"
            self.setTabToolTip(index, shared)
        keys = self.keys()
        self.setCurrentIndex(keys.index(wanted) if wanted in keys else 0)
        self.blockSignals(False)
        if self.current_key() != before:
            self.list_chosen.emit(self.current_key())

    def set_counts(self, total: int | None, counts: Mapping[str, int]) -> None:
        self.total = total
        self.counts = dict(counts)
        self.setTabText(0, _caption("All contacts", total))
        for index, info in enumerate(self.lists, start=1):
            self.setTabText(index, _caption(info.name, self.counts.get(info.id)))

    def select(self, key: str) -> None:
        keys = self.keys()
        if key in keys:
            self.setCurrentIndex(keys.index(key))

    def _changed(self, index: int) -> None:
        if index >= 0:
            self.list_chosen.emit(str(self.tabData(index)))

    def menu_for(self, list_id: str) -> QMenu:
        info = next(s for s in self.lists if s.id == list_id)
        menu = QMenu(self)
        for action, text in (
            ("edit", "Edit filter…"),
            ("rename", "Rename…"),
            ("duplicate", "Duplicate"),
            ("share", "Make private" if info.is_shared else "Share with the sub-account"),
            ("delete", "Delete…"),
        ):
            menu.addAction(text).triggered.connect(
                lambda _c=False, a=action: self.action_requested.emit(a, list_id)
            )
        return menu

    def _menu(self, pos: QPoint) -> None:
        index = self.tabAt(pos)
        key = str(self.tabData(index)) if index >= 0 else ALL
        if key == ALL:
            return
        self.last_menu = self.menu_for(key)
        self.last_menu.popup(self.mapToGlobal(pos))
