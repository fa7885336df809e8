"""The contact form: create a contact through the form, see a validation message next to the
field it is about, be warned of a duplicate, and edit a contact's fields and tags."""

from __future__ import annotations

import shiboken6
from pytestqt.qtbot import QtBot

from ghl_desktop.services import contacts
from ghl_desktop.services.contacts import ContactInfo
from ghl_desktop.ui.dialogs.contact_form import ContactFormDialog
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog, wait_idle
from tests.ui.test_crm_contacts_list import open_contacts


def _form(qtbot: QtBot, owner_window: OpenWindow) -> ContactFormDialog:
    screen = open_contacts(qtbot, owner_window)
    qtbot.waitUntil(lambda: bool(screen.lookups.tags), timeout=WAIT_MS)
    click(qtbot, screen.new_button)
    return find_dialog(qtbot, screen, ContactFormDialog)


def test_create_a_contact_through_the_form(qtbot: QtBot, owner_window: OpenWindow) -> None:
    dialog = _form(qtbot, owner_window)
    screen = owner_window.window.screens["contacts"]
    panel = screen.list_panel  # type: ignore[attr-defined]
    before = panel.model.rowCount()
    qtbot.keyClicks(dialog.inputs["first_name"], "Grace")
    qtbot.keyClicks(dialog.inputs["last_name"], "Hopper")
    qtbot.keyClicks(dialog.inputs["email"], "Grace.Hopper@Navy.example")
    qtbot.keyClicks(dialog.inputs["phone"], "+44 20 7946 0018")
    dialog.dnd["dnd_sms"].setChecked(True)
    dialog.tag_list.set_checked(["VIP Customer"])
    qtbot.keyClicks(dialog.new_tag, "Pioneer")
    created: list[ContactInfo] = []
    dialog.succeeded.connect(created.append)
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: bool(created), timeout=WAIT_MS)
    info = created[0]
    assert info.email == "grace.hopper@navy.example"
    assert info.phone == "+442079460018"
    assert info.dnd_sms
    assert not info.dnd_email
    assert sorted(t.name for t in info.tags) == ["Pioneer", "VIP Customer"]
    # The list follows the change (through the event bridge).
    qtbot.waitUntil(lambda: panel.model.rowCount() == before + 1, timeout=WAIT_MS)


def test_a_bad_email_is_reported_next_to_the_field(qtbot: QtBot, owner_window: OpenWindow) -> None:
    dialog = _form(qtbot, owner_window)
    qtbot.keyClicks(dialog.inputs["first_name"], "Ada")
    qtbot.keyClicks(dialog.inputs["email"], "ada-at-example")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: dialog.error_of("email") != "", timeout=WAIT_MS)
    assert dialog.error_of("email").startswith("Is not a valid email address")
    assert dialog.inputs["email"].property("invalid") is True
    assert dialog.error_of("first_name") == ""
    assert dialog.isVisible()
    # Fixed, it saves.
    dialog.inputs["email"].clear()
    qtbot.keyClicks(dialog.inputs["email"], "ada@example.com")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=WAIT_MS)


def test_a_contact_needs_a_name_an_email_or_a_phone(qtbot: QtBot, owner_window: OpenWindow) -> None:
    dialog = _form(qtbot, owner_window)
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: dialog.error_of("first_name") != "", timeout=WAIT_MS)
    assert dialog.error_of("first_name") == "A contact needs a name, an email or a phone"


def test_a_duplicate_email_is_shown_with_the_existing_contact(
    qtbot: QtBot, owner_window: OpenWindow
) -> None:
    dialog = _form(qtbot, owner_window)
    qtbot.keyClicks(dialog.inputs["first_name"], "Johnny")
    qtbot.keyClicks(dialog.inputs["email"], "JOHN@Example.com")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(dialog.duplicate_bar.isVisible, timeout=WAIT_MS)
    assert dialog.duplicate_label.text() == "John Doe already has this email."
    assert dialog.error_of("email").endswith(
        "already belongs to contact John Doe (" + str(dialog.duplicate_of) + ")"
    )
    assert not dialog.merge_button.isVisible()  # merging is for two saved contacts
    created: list[ContactInfo] = []
    dialog.succeeded.connect(created.append)
    click(qtbot, dialog.save_anyway_button)
    qtbot.waitUntil(lambda: bool(created), timeout=WAIT_MS)
    assert created[0].first_name == "Johnny"


def test_edit_fields_and_tags(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_contacts(qtbot, owner_window)
    qtbot.waitUntil(lambda: bool(screen.lookups.tags), timeout=WAIT_MS)
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    uows, actor, sub_id = owner_window.ctx.uows, snapshot.actor, snapshot.sub_account.id
    info = contacts.create_contact(
        uows, actor, sub_id, {"first_name": "Linus", "email": "linus@example.com"},
        tags=["Engaged"],
    )  # fmt: skip
    dialog = ContactFormDialog(owner_window.ctx, screen, snapshot, screen.lookups, info)
    dialog.open()
    assert dialog.inputs["email"].text() == "linus@example.com"
    assert dialog.tag_list.checked_values() == ["Engaged"]
    qtbot.keyClicks(dialog.inputs["company"], "Kernel Co")
    dialog.tag_list.set_checked(["Catering"])
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    after = contacts.get_contact(uows, actor, sub_id, info.id)
    assert after.company == "Kernel Co"
    assert [t.name for t in after.tags] == ["Catering"]


def test_duplicate_on_edit_offers_a_merge_choosing_per_field(
    qtbot: QtBot, owner_window: OpenWindow
) -> None:
    from ghl_desktop.ui.dialogs.merge_dialog import MergeDialog

    screen = open_contacts(qtbot, owner_window)
    qtbot.waitUntil(lambda: bool(screen.lookups.tags), timeout=WAIT_MS)
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    uows, actor, sub_id = owner_window.ctx.uows, snapshot.actor, snapshot.sub_account.id
    keep = contacts.create_contact(
        uows, actor, sub_id, {"first_name": "Ann", "company": "Old Co", "email": "ann@a.example"}
    )
    other = contacts.create_contact(
        uows, actor, sub_id,
        {"first_name": "Annie", "company": "New Co", "email": "annie@b.example", "city": "Oslo"},
    )  # fmt: skip
    form = screen.edit_contact(keep)
    assert form is not None
    form.inputs["email"].clear()
    qtbot.keyClicks(form.inputs["email"], "annie@b.example")
    click(qtbot, form.ok_button)
    qtbot.waitUntil(form.duplicate_bar.isVisible, timeout=WAIT_MS)
    assert form.merge_button.isVisible()
    click(qtbot, form.merge_button)
    dialog = find_dialog(qtbot, screen, MergeDialog)
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=WAIT_MS)
    assert {"first_name", "company", "email", "city"} <= set(dialog.choices)
    dialog.take("company")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: screen.detail.contact_id == keep.id, timeout=WAIT_MS)
    merged = contacts.get_contact(uows, actor, sub_id, keep.id)
    assert merged.first_name == "Ann"  # kept
    assert merged.company == "New Co"  # taken from the other
    assert merged.city == "Oslo"  # empty here: filled from the other
    assert contacts.get_contact(uows, actor, sub_id, other.id, include_deleted=True).deleted_at
