"""The base of every form dialog: OK runs a write operation; while it runs the form is
disabled; an error is shown inside the form (the named field is marked and focused) and the
dialog stays open so the user can fix it. Dialogs open with ``open()``: never a nested event
loop."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.core.errors import Conflict, DomainError, ValidationError
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import WriteOp, describe_error


class FormDialog(QDialog):
    succeeded = Signal(object)  # what the service returned

    def __init__(
        self, ctx: UiContext, parent: QWidget | None, title: str, ok_text: str,
        heading: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.heading = QLabel(heading or title)
        self.heading.setProperty("role", "subheading")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(440)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.error_label = QLabel()
        self.error_label.setObjectName("FormError")
        self.error_label.setProperty("role", "error")
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(self.heading)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._fields: dict[str, QWidget] = {}
        self.change_topics: tuple[str, ...] = ()

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def add_field(self, label: str, widget: QWidget, field: str | None = None) -> None:
        """Add a row; ``field`` is the service's name for it, to mark it when it is wrong."""
        self.form.addRow(label, widget)
        if field is not None:
            self._fields[field] = widget

    # -- what subclasses provide ---------------------------------------------------------
    def operation(self) -> Callable[[], object]:
        """Read the form (on the Qt thread) and return the service call to run. May raise
        ValidationError for checks that need no database (e.g. two passwords differ)."""
        raise NotImplementedError

    # -- running ---------------------------------------------------------------------------
    def accept(self) -> None:
        self._clear_error()
        try:
            call = self.operation()
        except DomainError as exc:
            self.show_error(exc)
            return
        self._set_busy(True)
        WriteOp(self.ctx.ops, self, call).changes(*self.change_topics).success(
            self._succeeded
        ).failure(self.show_error).run()

    def _succeeded(self, result: object) -> None:
        self._set_busy(False)
        self.succeeded.emit(result)
        super().accept()

    def show_error(self, error: Exception) -> None:
        self._set_busy(False)
        self.error_label.setText(describe_error(error))
        self.error_label.setVisible(True)
        field = error.field if isinstance(error, ValidationError | Conflict) else None
        widget = self._fields.get(field or "")
        if widget is not None:
            self._mark(widget, True)
            widget.setFocus()

    def _clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.setVisible(False)
        for widget in self._fields.values():
            self._mark(widget, False)

    @staticmethod
    def _mark(widget: QWidget, invalid: bool) -> None:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def _set_busy(self, busy: bool) -> None:
        self.ok_button.setEnabled(not busy)
        for widget in self._fields.values():
            widget.setEnabled(not busy)
