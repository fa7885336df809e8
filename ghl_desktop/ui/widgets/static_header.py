"""Column titles for a table's header from a C++ model instead of the Python one.

PySide6 6.12 loses a reference to ``None`` every time a header repaint goes through a Python
``headerData`` override that answers None for one of the roles the header asks about (font,
alignment, colours, size hint); after some tens of thousands of repaints Python frees ``None``
and the process aborts ("none_dealloc"). Giving the header a ``QStandardItemModel`` holding the
titles keeps those calls in C++. The view still sorts through its own model (the header's sort
indicator drives ``QTableView.sortByColumn``).
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QTableView


def use_static_header(view: QTableView) -> QStandardItemModel:
    """Give ``view``'s horizontal header its own model, kept in step with the view's model."""
    source = view.model()
    titles = QStandardItemModel(view)

    def sync() -> None:
        labels = [
            str(source.headerData(i, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole))
            for i in range(source.columnCount())
        ]
        titles.setColumnCount(len(labels))
        titles.setHorizontalHeaderLabels(labels)

    sync()
    view.horizontalHeader().setModel(titles)
    _follow(source, sync)
    return titles


def _follow(source: QAbstractItemModel, sync: object) -> None:
    for signal in (
        source.modelReset, source.columnsInserted, source.columnsRemoved,
        source.headerDataChanged, source.layoutChanged,
    ):  # fmt: skip
        signal.connect(sync)
