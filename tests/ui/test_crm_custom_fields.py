"""Custom fields: defined in Settings, rendered by type on the contact form with their own
validation messages, and offered as list columns."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ghl_desktop.services.contacts import ContactInfo
from ghl_desktop.ui.dialogs.contact_form import ContactFormDialog
from ghl_desktop.ui.dialogs.custom_field_form import CustomFieldFormDialog
from ghl_desktop.ui.screens.contacts.settings_custom_fields import CustomFieldsPage
from ghl_desktop.ui.widgets.check_list import CheckList
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog
from tests.ui.test_crm_contacts_list import open_contacts


def test_define_a_field_and_use_it_on_the_form(qtbot: QtBot, owner_window: OpenWindow) -> None:
    page = owner_window.window.open_settings_page("custom_fields")
    assert isinstance(page, CustomFieldsPage)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=WAIT_MS)  # the demo's three
    click(qtbot, page.new_button)
    dialog = find_dialog(qtbot, page, CustomFieldFormDialog)
    qtbot.keyClicks(dialog.label, "Favourite dishes")
    dialog.field_type.setCurrentIndex(dialog.field_type.findData("multiselect"))
    assert dialog.options.isEnabled()
    dialog.options.setPlainText("Tacos\nPaella\nRamen")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=WAIT_MS)
    created = page.selected()
    assert created is not None
    assert created.key == "favourite_dishes"
    assert created.options == ("Tacos", "Paella", "Ramen")

    # A select field without options is refused, with the reason next to... the form.
    click(qtbot, page.new_button)
    bad = find_dialog(qtbot, page, CustomFieldFormDialog)
    qtbot.keyClicks(bad.label, "Tier")
    bad.field_type.setCurrentIndex(bad.field_type.findData("select"))
    click(qtbot, bad.ok_button)
    qtbot.waitUntil(lambda: bad.error_label.isVisible(), timeout=WAIT_MS)
    assert "options" in bad.error_label.text().lower()
    bad.reject()

    # The contact form renders it as a check list; values are validated by type.
    screen = open_contacts(qtbot, owner_window)
    qtbot.waitUntil(
        lambda: screen.lookups.definition("favourite_dishes") is not None, timeout=WAIT_MS
    )
    click(qtbot, screen.new_button)
    form = find_dialog(qtbot, screen, ContactFormDialog)
    assert isinstance(form.custom["favourite_dishes"].editor, CheckList)
    qtbot.keyClicks(form.inputs["first_name"], "Rosa")
    qtbot.keyClicks(form.custom["annual_revenue"].editor, "lots")
    click(qtbot, form.ok_button)
    qtbot.waitUntil(lambda: form.error_of("custom_fields.annual_revenue") != "", timeout=WAIT_MS)
    assert form.error_of("custom_fields.annual_revenue") == "Must be a number, got 'lots'"
    assert form.error_of("first_name") == ""
    form.custom["annual_revenue"].editor.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(form.custom["annual_revenue"].editor, "250000")
    form.custom["favourite_dishes"].editor.set_checked(["Ramen", "Tacos"])  # type: ignore[attr-defined]
    saved: list[ContactInfo] = []
    form.succeeded.connect(saved.append)
    click(qtbot, form.ok_button)
    qtbot.waitUntil(lambda: bool(saved), timeout=WAIT_MS)
    assert saved[0].custom_fields["annual_revenue"] == 250000
    assert sorted(saved[0].custom_fields["favourite_dishes"]) == ["Ramen", "Tacos"]

    # And the column chooser offers it.
    dialog_columns = screen.list_panel.choose_columns()
    assert "custom_fields.favourite_dishes" in dialog_columns.checks.values()
    dialog_columns.reject()


def test_custom_values_create_edit_delete(qtbot: QtBot, owner_window: OpenWindow) -> None:
    from PySide6.QtWidgets import QMessageBox

    from ghl_desktop.ui.dialogs.custom_value_form import CustomValueFormDialog
    from ghl_desktop.ui.models.custom_values import TOKEN
    from ghl_desktop.ui.screens.contacts.settings_custom_values import CustomValuesPage

    page = owner_window.window.open_settings_page("custom_values")
    assert isinstance(page, CustomValuesPage)
    qtbot.waitUntil(lambda: page.isVisible(), timeout=WAIT_MS)
    before = page.model.rowCount()
    dialog = page.new_value()
    assert isinstance(dialog, CustomValueFormDialog)
    qtbot.keyClicks(dialog.key, "Office Phone")  # not snake_case
    dialog.value.setPlainText("+1 212 555 0100")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=WAIT_MS)
    assert dialog.error_label.text().startswith("Key: must be snake_case")
    assert dialog.key.property("invalid") is True
    dialog.key.clear()
    qtbot.keyClicks(dialog.key, "office_phone")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: page.model.rowCount() == before + 1, timeout=WAIT_MS)
    row = page.model.find_row(lambda v: v.key == "office_phone")
    assert page.model.index(row, TOKEN).data() == "{{custom_values.office_phone}}"

    page.table.select_row(row)
    edit = page.edit_selected()
    assert edit is not None
    edit.key.clear()
    qtbot.keyClicks(edit.key, "front_desk_phone")
    click(qtbot, edit.ok_button)
    qtbot.waitUntil(
        lambda: page.model.find_row(lambda v: v.key == "front_desk_phone") >= 0, timeout=WAIT_MS
    )
    page.table.select_row(page.model.find_row(lambda v: v.key == "front_desk_phone"))
    box = page.delete_selected()
    assert isinstance(box, QMessageBox)
    click(qtbot, box.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: page.model.rowCount() == before, timeout=WAIT_MS)
