"""The Automation screen on the demo agency: the list by folder, the tree builder with its
settings panel, publishing with validation problems, versions and restore, find references."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot

from ghl_desktop.services import tags
from ghl_desktop.services.workflows import authoring, publishing
from ghl_desktop.ui.qt_bridge import Change
from ghl_desktop.ui.screens.workflows.editor import register_extra_tab
from ghl_desktop.ui.screens.workflows.field_editors import ChoiceEditor
from ghl_desktop.ui.screens.workflows.references_dialog import ReferencesDialog
from ghl_desktop.ui.screens.workflows.tree_view import Node, node_of
from ghl_desktop.ui.screens.workflows.workflow_dialog import WorkflowDialog
from ghl_desktop.ui.screens.workflows.workflows_screen import WorkflowsScreen
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog, sign_in


def automation(owner_window: OpenWindow, qtbot: QtBot) -> WorkflowsScreen:
    screen = owner_window.window.open_screen("automation")
    assert isinstance(screen, WorkflowsScreen)
    owner_window.settle(qtbot)
    return screen


def _texts(item: QTreeWidgetItem) -> list[str]:
    return [item.child(i).text(0) for i in range(item.childCount())]


def _select_workflow(screen: WorkflowsScreen, qtbot: QtBot, name: str) -> None:
    items = screen.list.findItems(name, Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
    assert len(items) == 1, name
    screen.list.setCurrentItem(items[0])
    qtbot.waitUntil(lambda: screen.editor.title.text() == name, timeout=WAIT_MS)


def test_list_by_folder_and_the_welcome_series_tree(owner_window: OpenWindow, qtbot: QtBot):
    screen = automation(owner_window, qtbot)
    folders = [screen.list.topLevelItem(i).text(0) for i in range(screen.list.topLevelItemCount())]
    assert folders == ["Lead handling", "Onboarding", "Retention", "Sales"]
    onboarding = screen.list.topLevelItem(1)
    assert (onboarding.child(0).text(0), onboarding.child(0).text(1)) == (
        "Welcome Series",
        "Published v1",
    )
    _select_workflow(screen, qtbot, "Welcome Series")
    owner_window.window.resize(1440, 900)
    qtbot.waitUntil(lambda: screen.list.viewport().width() > 250, timeout=WAIT_MS)
    assert screen.list.horizontalScrollBar().maximum() == 0  # every column in view
    builder = screen.editor.builder
    assert builder.status.text() == "Published — version 1 is live"
    top = [builder.tree.topLevelItem(i) for i in range(builder.tree.topLevelItemCount())]
    assert [t.text(0) for t in top] == ["When…", "Then…"]
    assert _texts(top[0]) == ["Contact created — Source = website_form"]
    email = top[1].child(0)
    assert email.text(0) == "Send Welcome Email"
    check = email.child(0).child(0)
    assert check.text(0) == "Opened Email?"
    assert _texts(check) == ["Yes", "No"]
    assert _texts(check.child(0)) == ["Send Product Tips"]
    assert _texts(check.child(0).child(0)) == ["Add Tag: Engaged"]
    assert builder.problem_list.item(0).text().startswith("✓ Ready to publish")
    # The settings panel is generated from the registry: the template is a picker.
    builder.tree.setCurrentItem(email)
    editor = builder.settings.editors["template_id"]
    assert isinstance(editor, ChoiceEditor)
    assert editor.combo.currentText() == "Welcome Email"
    assert [screen.editor.tabs.tabText(i) for i in range(3)] == ["Builder", "Versions", "Settings"]
    # Definition changes reload the screen; runtime events of the same topic do not.
    sub = owner_window.workspace.snapshot.sub_account.id  # type: ignore[union-attr]
    workflow = frozenset({"workflow"})
    assert screen.concerns(Change(workflow, sub, "workflow.published"))
    assert screen.concerns(Change(workflow, sub, None))  # a draft edit's announcement
    assert not screen.concerns(Change(workflow, sub, "workflow.email_opened"))
    assert screen.concerns(Change(frozenset({"tag"}), sub, "tag.deleted"))
    assert not screen.concerns(Change(frozenset({"contact"}), sub, "contact.updated"))


def test_build_publish_with_problems_then_fix(owner_window: OpenWindow, qtbot: QtBot):
    screen = automation(owner_window, qtbot)
    click(qtbot, screen.buttons["NewWorkflow"])
    dialog = find_dialog(qtbot, screen, WorkflowDialog)
    qtbot.keyClicks(dialog.name, "Birthday wishes")
    dialog.folder.setCurrentText("Retention")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: screen.editor.title.text() == "Birthday wishes", timeout=WAIT_MS)
    builder = screen.editor.builder
    owner_window.settle(qtbot)
    builder.trigger_type.setCurrentIndex(builder.trigger_type.findData("tag_added"))
    click(qtbot, builder.buttons["AddTrigger"])
    qtbot.waitUntil(
        lambda: (node_of(builder.tree.currentItem()) or Node("")).kind == "trigger", timeout=WAIT_MS
    )
    tag = builder.settings.editors["tag"]
    assert isinstance(tag, ChoiceEditor)
    tag.combo.setCurrentIndex(tag.combo.findData("VIP Customer"))
    click(qtbot, builder.settings.save_button)
    owner_window.settle(qtbot)
    builder.tree.setCurrentItem(builder.tree.topLevelItem(1))  # "Then…"
    builder.step_type.setCurrentIndex(builder.step_type.findData("send_email"))
    click(qtbot, builder.buttons["AddStep"])
    qtbot.waitUntil(
        lambda: (node_of(builder.tree.currentItem()) or Node("")).kind == "action", timeout=WAIT_MS
    )
    owner_window.settle(qtbot)
    click(qtbot, builder.buttons["Publish"])
    owner_window.settle(qtbot)
    texts = [builder.problem_list.item(i).text() for i in range(builder.problem_list.count())]
    assert texts[0] == "Not published: fix these first."
    # Named as the builder shows them: the step type's and the setting's labels, not keys.
    assert any('Step "Send email": Email template: set one of Email template, Body' in t
               for t in texts)  # fmt: skip
    assert builder.tree.currentItem().text(0).endswith("Send email")
    assert builder.status.text() == "Draft — never published"
    # Fix it in the settings panel and publish again.
    template = builder.settings.editors["template_id"]
    assert isinstance(template, ChoiceEditor)
    template.combo.setCurrentIndex(template.combo.findText("Welcome Email"))
    builder.settings.name.setText("Happy birthday")
    click(qtbot, builder.settings.save_button)
    owner_window.settle(qtbot)
    click(qtbot, builder.buttons["Publish"])
    qtbot.waitUntil(
        lambda: builder.status.text() == "Published — version 1 is live", timeout=WAIT_MS
    )
    assert screen.current() is not None
    assert screen.current().status == "published"  # type: ignore[union-attr]
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    with owner_window.ctx.uows.tenant(snapshot.actor, snapshot.sub_account.id) as uow:
        wid = screen.current_id()
        assert wid is not None
        live = publishing.version_definition(uow, wid, 1)
        assert [(a.name, a.type) for a in live.actions] == [("Happy birthday", "send_email")]
        assert [t.conditions for t in live.triggers] == [{"tag": "VIP Customer"}]


def test_versions_tab_restores_an_older_version(owner_window: OpenWindow, qtbot: QtBot):
    screen = automation(owner_window, qtbot)
    _select_workflow(screen, qtbot, "Re-engagement")
    builder = screen.editor.builder
    owner_window.settle(qtbot)
    first = builder.tree.topLevelItem(1).child(0)
    builder.tree.setCurrentItem(first.child(0))  # the wait under the email
    click(qtbot, builder.buttons["Delete"])
    qtbot.waitUntil(
        lambda: builder.tree.topLevelItem(1).child(0).childCount() == 0, timeout=WAIT_MS
    )
    assert "unpublished changes" in builder.status.text()
    versions = screen.editor.versions
    screen.editor.tabs.setCurrentWidget(versions)
    qtbot.waitUntil(lambda: versions.preview.topLevelItemCount() == 2, timeout=WAIT_MS)
    assert versions.table.item(0, 0).text() == "v1 (live)"
    click(qtbot, versions.restore_button)
    qtbot.waitUntil(
        lambda: versions.message.text() == "Version 1 restored into the draft.", timeout=WAIT_MS
    )
    owner_window.settle(qtbot)
    qtbot.waitUntil(
        lambda: builder.tree.topLevelItem(1).child(0).childCount() == 1, timeout=WAIT_MS
    )


def test_find_references_dialog(owner_window: OpenWindow, qtbot: QtBot):
    screen = automation(owner_window, qtbot)
    click(qtbot, screen.buttons["References"])
    dialog = find_dialog(qtbot, screen, ReferencesDialog)
    qtbot.waitUntil(lambda: dialog.value.count() > 0, timeout=WAIT_MS)
    dialog.value.setCurrentIndex(dialog.value.findData("Needs Nurture"))
    click(qtbot, dialog.find_button)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=WAIT_MS)
    workflows = sorted(dialog.table.item(r, 0).text() for r in range(2))
    assert workflows == ["Re-engagement", "Welcome Series"]
    assert dialog.table.item(0, 4).text() == "draft + live"
    click(qtbot, dialog.broken_button)
    qtbot.waitUntil(lambda: dialog.summary.text() == "0 broken reference(s)", timeout=WAIT_MS)
    dialog.close()


def test_extra_tabs_plug_in(owner_window: OpenWindow, qtbot: QtBot):
    from PySide6.QtWidgets import QLabel

    seen: list[str | None] = []

    class Probe(QLabel):
        def show_workflow(self, _snapshot: object, workflow_id: str | None) -> None:
            seen.append(workflow_id)

    register_extra_tab("Probe", lambda _ctx: Probe("probe"))
    screen = automation(owner_window, qtbot)
    titles = [screen.editor.tabs.tabText(i) for i in range(screen.editor.tabs.count())]
    assert "Probe" in titles
    _select_workflow(screen, qtbot, "Welcome Series")
    qtbot.waitUntil(lambda: bool(seen) and seen[-1] is not None, timeout=WAIT_MS)


def test_staff_sees_workflows_read_only(open_window, ctx, demo, qtbot: QtBot):
    window = open_window(sign_in(ctx, "jane@restaurant.com", demo.password))
    screen = automation(window, qtbot)
    _select_workflow(screen, qtbot, "Welcome Series")
    window.settle(qtbot)
    builder = screen.editor.builder
    assert not screen.buttons["NewWorkflow"].isEnabled()
    assert not screen.buttons["DeleteWorkflow"].isEnabled()
    for name in ("Publish", "AddTrigger", "AddStep", "Delete"):
        assert not builder.buttons[name].isEnabled(), name
    builder.tree.setCurrentItem(builder.tree.topLevelItem(1).child(0))
    assert builder.settings.save_button.isHidden()
    assert screen.buttons["References"].isEnabled()


def test_a_deleted_tag_flags_the_workflows_using_it(owner_window: OpenWindow, qtbot: QtBot):
    screen = automation(owner_window, qtbot)
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    uows, actor, sub = owner_window.ctx.uows, snapshot.actor, snapshot.sub_account.id
    with uows.tenant(actor, sub, read_only=True) as uow:
        [tag_id] = [t.id for t in tags.resolve_tags(uow, ["Needs Nurture"])]
    tags.delete_tag(uows, actor, sub, tag_id)
    screen.request_refresh()
    flagged = {"⚠ Welcome Series", "⚠ Re-engagement"}

    def shown() -> set[str]:
        names = screen.list.findItems(
            "⚠", Qt.MatchFlag.MatchStartsWith | Qt.MatchFlag.MatchRecursive
        )
        return {i.text(0) for i in names}

    qtbot.waitUntil(lambda: shown() == flagged, timeout=WAIT_MS)
    assert screen.broken[
        screen.list.findItems(
            "⚠ Welcome Series", Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive
        )[0].data(0, Qt.ItemDataRole.UserRole)
    ] == (1, 1)


def test_wait_settings_show_what_its_mode_needs(owner_window: OpenWindow, qtbot: QtBot):
    screen = automation(owner_window, qtbot)
    _select_workflow(screen, qtbot, "Welcome Series")
    owner_window.settle(qtbot)
    builder = screen.editor.builder
    builder.tree.setCurrentItem(builder.tree.topLevelItem(1).child(0).child(0))  # Wait 1 Day
    panel = builder.settings
    form = panel.form
    assert form.isRowVisible(panel.editors["amount"].widget)
    assert not form.isRowVisible(panel.editors["time"].widget)
    assert panel.values() == {"mode": "duration", "amount": 1, "unit": "days"}
    mode = panel.editors["mode"]
    assert isinstance(mode, ChoiceEditor)
    mode.combo.setCurrentIndex(mode.combo.findData("time_of_day"))
    assert not form.isRowVisible(panel.editors["amount"].widget)
    assert form.isRowVisible(panel.editors["time"].widget)
    panel.editors["time"].set_value("09:30")
    assert panel.values() == {"mode": "time_of_day", "time": "09:30"}


def test_drag_a_step_elsewhere_and_copy_the_workflow(owner_window: OpenWindow, qtbot: QtBot):
    screen = automation(owner_window, qtbot)
    _select_workflow(screen, qtbot, "Welcome Series")
    owner_window.settle(qtbot)
    builder = screen.editor.builder
    assert builder.tree.dragEnabled()
    then = builder.tree.topLevelItem(1)
    check = then.child(0).child(0).child(0)  # Opened Email?
    engaged = check.child(0).child(0).child(0)  # Add Tag: Engaged, under the tips email
    tips = check.child(0).child(0)
    engaged_node, tips_node = node_of(engaged), node_of(tips)
    assert engaged_node is not None
    assert tips_node is not None
    # Dropped above the tips email: first on the yes branch.
    builder.drop_step(engaged_node.item_id, tips_node, "above")
    owner_window.settle(qtbot)
    check = builder.tree.topLevelItem(1).child(0).child(0).child(0)
    qtbot.waitUntil(
        lambda: _texts(check.child(0)) == ["Add Tag: Engaged", "Send Product Tips"], timeout=WAIT_MS
    )
    assert node_of(builder.tree.currentItem()) == engaged_node
    click(qtbot, screen.buttons["DuplicateWorkflow"])
    qtbot.waitUntil(lambda: screen.editor.title.text() == "Welcome Series (copy)", timeout=WAIT_MS)
    assert screen.current() is not None
    assert screen.current().status == "draft"  # type: ignore[union-attr]


def test_settings_tab_saves_reentry_rules(owner_window: OpenWindow, qtbot: QtBot):
    screen = automation(owner_window, qtbot)
    _select_workflow(screen, qtbot, "Welcome Series")
    owner_window.settle(qtbot)
    tab = screen.editor.settings
    screen.editor.tabs.setCurrentWidget(tab)
    assert tab.webhook.text() == "no inbound webhook trigger"
    assert not tab.webhook_button.isEnabled()
    tab.reentry.setChecked(True)
    tab.max_enrolments.setValue(5)
    tab.window_minutes.setValue(30)
    click(qtbot, tab.save_button)
    owner_window.settle(qtbot)
    qtbot.waitUntil(
        lambda: screen.editor.builder.status.text().endswith("unpublished changes"), timeout=WAIT_MS
    )
    wid = screen.current_id()
    assert wid is not None
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    with owner_window.ctx.uows.tenant(snapshot.actor, snapshot.sub_account.id) as uow:
        reentry = authoring.draft_definition(uow, wid).reentry
    assert (reentry.allow_reentry, reentry.max_enrolments, reentry.window_minutes) == (True, 5, 30)


def test_trigger_filters_name_records_not_ids(owner_window: OpenWindow, qtbot: QtBot):
    """The Form Follow-up trigger filters on the Lead Capture Form: the tree shows its name
    and the filter's label, not the form's id and the setting's key."""
    screen = automation(owner_window, qtbot)
    _select_workflow(screen, qtbot, "Form Follow-up")
    builder = screen.editor.builder
    trigger = builder.tree.topLevelItem(0).child(0).text(0)
    assert trigger == "Form submitted — Form = Lead Capture Form"
    versions = screen.editor.versions
    screen.editor.tabs.setCurrentWidget(versions)
    versions.table.selectRow(0)
    qtbot.waitUntil(lambda: versions.preview.topLevelItemCount() > 0, timeout=WAIT_MS)
    assert versions.preview.topLevelItem(0).child(0).text(0) == trigger
