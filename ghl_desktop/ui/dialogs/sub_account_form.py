"""Create a sub-account, or edit its name, time zone, country and currency."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from zoneinfo import available_timezones

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QLineEdit, QWidget

from ghl_desktop.services import agencies
from ghl_desktop.services.agencies import SubAccountInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.widgets.form_dialog import FormDialog
from ghl_desktop.ui.workspace import WorkspaceSnapshot

COMMON_COUNTRIES = ("US", "CA", "GB", "AU", "NZ", "IE", "DE", "FR", "ES", "IT", "NL", "IN")
COMMON_CURRENCIES = ("USD", "CAD", "GBP", "AUD", "NZD", "EUR", "INR", "CHF", "JPY", "MXN")


@cache
def timezones() -> list[str]:
    return sorted(tz for tz in available_timezones() if "/" in tz or tz == "UTC")


def _editable_combo(name: str, values: list[str] | tuple[str, ...], current: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.addItems(list(values))
    completer = QCompleter(list(values), combo)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    combo.setCompleter(completer)
    combo.setCurrentText(current)
    return combo


class SubAccountFormDialog(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        existing: SubAccountInfo | None = None,
    ) -> None:  # fmt: skip
        title = "New sub-account" if existing is None else f"Edit {existing.name}"
        super().__init__(ctx, parent, title, "Create" if existing is None else "Save")
        self.snapshot = snapshot
        self.existing = existing
        self.change_topics = ("sub_account",)
        self.name = QLineEdit(existing.name if existing else "")
        self.name.setObjectName("NameInput")
        self.name.setPlaceholderText("e.g. Restaurant Location C")
        self.timezone = _editable_combo(
            "TimezoneInput", timezones(), existing.timezone if existing else "UTC"
        )
        self.country = _editable_combo(
            "CountryInput", COMMON_COUNTRIES, existing.country if existing else "US"
        )
        self.currency = _editable_combo(
            "CurrencyInput", COMMON_CURRENCIES, existing.currency if existing else "USD"
        )
        self.add_field("&Name", self.name, "name")
        self.add_field("&Time zone", self.timezone, "timezone")
        self.add_field("&Country (ISO code)", self.country, "country")
        self.add_field("C&urrency (ISO code)", self.currency, "currency")

    def operation(self) -> Callable[[], object]:
        uows, actor = self.ctx.uows, self.snapshot.actor
        name, tz = self.name.text(), self.timezone.currentText().strip()
        country, currency = self.country.currentText(), self.currency.currentText()
        if self.existing is None:
            assert self.snapshot.agency is not None
            agency_id = self.snapshot.agency.id
            return lambda: agencies.create_sub_account(
                uows, actor, agency_id, name, timezone=tz, country=country, currency=currency
            )
        sub_id = self.existing.id
        return lambda: agencies.update_sub_account(
            uows, actor, sub_id, name=name, timezone=tz, country=country, currency=currency
        )
