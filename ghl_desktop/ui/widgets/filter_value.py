"""The value part of a filter condition: an editor that fits the field's kind and the operator
(a text, a list of texts, a number or two, a date or two, a number of days, one choice or
several, or nothing at all)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.smart_lists.filters import NO_VALUE, Kind
from ghl_desktop.ui.widgets.check_list import CheckList
from ghl_desktop.ui.widgets.filter_fields import FilterField


def editor_kind(kind: Kind, operator: str) -> str:
    """Which editor a (field kind, operator) pair needs."""
    if operator in NO_VALUE or kind is Kind.BOOL:
        return "none"
    if kind in (Kind.TAGS, Kind.MULTI):
        return "choices"
    if kind in (Kind.ENUM, Kind.USER):
        return "choices" if operator in ("in", "not_in") else "choice"
    if kind is Kind.NUMBER:
        return "number_pair" if operator == "between" else "number"
    if kind in (Kind.DATE, Kind.DATETIME):
        if operator == "between":
            return "date_pair"
        return "days" if operator in ("within_last_days", "more_than_days_ago") else "date"
    return "text_list" if operator in ("in", "not_in") else "text"


def _number(text: str, label: str) -> int | float:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValidationError(label, f"must be a number, got {text.strip()!r}") from None
    if not value.is_finite():
        raise ValidationError(label, f"must be a number, got {text.strip()!r}")
    return int(value) if value == value.to_integral_value() else float(value)


def _iso(edit: QDateEdit) -> str:
    day = edit.date()
    return date(day.year(), day.month(), day.day()).isoformat()


def _date_edit() -> QDateEdit:
    edit = QDateEdit(QDate.currentDate())
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


class FilterValueEditor(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.kind = "none"
        self.label = "value"
        self._widgets: list[QWidget] = []

    def configure(self, field: FilterField, operator: str) -> None:
        """Show the editor for ``field`` and ``operator``, keeping the value when it fits."""
        kind = editor_kind(field.kind, operator)
        if kind == self.kind and self._widgets and kind not in ("choice", "choices"):
            return
        for widget in self._widgets:
            self._layout.removeWidget(widget)
            widget.hide()  # deleteLater waits for the event loop; it must not show meanwhile
            widget.deleteLater()
        self._widgets = []
        self.kind = kind
        self.label = f"filter.{field.key}"
        if kind in ("text", "text_list", "number"):
            line = QLineEdit()
            line.setPlaceholderText(
                {"text": "text", "text_list": "values, separated by commas"}.get(kind, "number")
            )
            self._add(line)
        elif kind == "number_pair":
            self._add(QLineEdit(), QLabel("and"), QLineEdit())
        elif kind == "date":
            self._add(_date_edit())
        elif kind == "date_pair":
            self._add(_date_edit(), QLabel("and"), _date_edit())
        elif kind == "days":
            days = QSpinBox()
            days.setRange(0, 36_500)
            days.setValue(30)
            days.setSuffix(" days")
            self._add(days)
        elif kind == "choice":
            combo = QComboBox()
            for text, value in field.options:
                combo.addItem(text, value)
            self._add(combo)
        elif kind == "choices":
            checks = CheckList(max_visible_rows=4)
            checks.set_options(list(field.options))
            self._add(checks)
        self.setVisible(kind != "none")

    def _add(self, *widgets: QWidget) -> None:
        for widget in widgets:
            self._layout.addWidget(widget, 0 if isinstance(widget, QLabel) else 1)
            self._widgets.append(widget)

    def editors(self) -> list[QWidget]:
        return [w for w in self._widgets if not isinstance(w, QLabel)]

    # -- reading and writing ---------------------------------------------------------------
    def value(self) -> Any:
        """The condition's value, or ValidationError naming the field when it is unusable."""
        editors = self.editors()
        if self.kind == "none":
            return None
        if self.kind == "text":
            assert isinstance(editors[0], QLineEdit)
            return editors[0].text().strip()
        if self.kind == "text_list":
            assert isinstance(editors[0], QLineEdit)
            items = [p.strip() for p in editors[0].text().split(",") if p.strip()]
            if not items:
                raise ValidationError(self.label, "give at least one value")
            return items
        if self.kind in ("number", "number_pair"):
            numbers = [_number(e.text(), self.label) for e in editors if isinstance(e, QLineEdit)]
            return numbers[0] if self.kind == "number" else numbers
        if self.kind in ("date", "date_pair"):
            days = [_iso(e) for e in editors if isinstance(e, QDateEdit)]
            return days[0] if self.kind == "date" else days
        if self.kind == "days":
            assert isinstance(editors[0], QSpinBox)
            return editors[0].value()
        if self.kind == "choice":
            assert isinstance(editors[0], QComboBox)
            if editors[0].currentIndex() < 0:
                raise ValidationError(self.label, "choose a value")
            return editors[0].currentData()
        assert isinstance(editors[0], CheckList)
        chosen = editors[0].checked_values()
        if not chosen:
            raise ValidationError(self.label, "choose at least one")
        return chosen

    def set_value(self, value: Any) -> None:
        editors = self.editors()
        if self.kind in ("text", "number") and value is not None:
            assert isinstance(editors[0], QLineEdit)
            editors[0].setText(str(value))
        elif self.kind == "text_list" and isinstance(value, list | tuple):
            assert isinstance(editors[0], QLineEdit)
            editors[0].setText(", ".join(str(v) for v in value))
        elif self.kind == "number_pair" and isinstance(value, list | tuple) and len(value) == 2:
            for edit, item in zip(editors, value, strict=True):
                assert isinstance(edit, QLineEdit)
                edit.setText(str(item))
        elif self.kind in ("date", "date_pair"):
            days = value if isinstance(value, list | tuple) else [value]
            for edit, day in zip(editors, days, strict=False):
                assert isinstance(edit, QDateEdit)
                if isinstance(day, str):
                    parsed = date.fromisoformat(day)
                    edit.setDate(QDate(parsed.year, parsed.month, parsed.day))
        elif self.kind == "days" and isinstance(value, int):
            assert isinstance(editors[0], QSpinBox)
            editors[0].setValue(value)
        elif self.kind == "choice":
            assert isinstance(editors[0], QComboBox)
            editors[0].setCurrentIndex(max(0, editors[0].findData(value)))
        elif self.kind == "choices" and isinstance(value, list | tuple):
            assert isinstance(editors[0], CheckList)
            known = set(editors[0].values())
            for item in value:
                if item not in known:  # a tag or option that is gone: still shown, checked
                    editors[0].add_option(str(item), item)
            editors[0].set_checked(value)
