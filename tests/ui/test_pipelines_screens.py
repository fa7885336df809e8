"""Opportunities: the board (columns with counts and totals, drag and drop through the real
drop handler, load more, filters), the opportunity form (edit, lost with a reason), pipeline
settings (add, reorder, delete a stage moving its deals), the list and the analytics."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from ghl_desktop.models.pipelines import StageKind
from ghl_desktop.services.pipelines import board as board_service
from ghl_desktop.services.pipelines import queries, structure
from ghl_desktop.ui.screens.pipelines.card_list import MIME, CardList
from ghl_desktop.ui.screens.pipelines.opportunities_screen import (
    ANALYTICS,
    LIST,
    OpportunitiesScreen,
)
from ghl_desktop.ui.screens.pipelines.opportunity_form import OpportunityFormDialog
from ghl_desktop.ui.screens.pipelines.pipeline_settings import PipelineSettingsDialog
from ghl_desktop.ui.screens.pipelines.stage_forms import (
    DeleteStageDialog,
    LostReasonDialog,
    StageFormDialog,
)
from tests.ui.conftest import WAIT_MS, OpenWindow, click, find_dialog, wait_idle


def open_board(qtbot: QtBot, window: OpenWindow) -> OpportunitiesScreen:
    screen = window.window.open_screen("opportunities")
    assert isinstance(screen, OpportunitiesScreen)
    qtbot.waitUntil(lambda: len(screen.board.columns) == 5, timeout=WAIT_MS)
    wait_idle(qtbot, window.ctx)
    return screen


def where(window: OpenWindow) -> tuple:
    snapshot = window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    return window.ctx.uows, snapshot.actor, snapshot.sub_account.id


def drop(target: CardList, opportunity_id: str) -> None:
    """What Qt hands the list when a card is released over it."""
    data = QMimeData()
    data.setData(MIME, QByteArray(opportunity_id.encode()))
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.MoveAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    target.dropEvent(event)


def column(screen: OpportunitiesScreen, name: str):
    return next(c for c in screen.board.columns.values() if c.stage.name == name)


def test_board_shows_columns_with_counts_and_totals(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_board(qtbot, owner_window)
    headers = {c.stage.name: c.summary.text() for c in screen.board.columns.values()}
    assert headers["New Lead"] == "45 deals · $234K"
    assert headers["Closed Won"] == "34 deals · $2.3M"
    assert column(screen, "Qualified").cards.count() == 23
    assert screen.summary.text().startswith("121 opportunities")
    # Quick filter by text: only matching cards, counts from the filtered aggregate.
    qtbot.keyClicks(screen.filters.search, "Acme Corp")
    qtbot.waitUntil(lambda: column(screen, "New Lead").count < 45, timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    negotiation = column(screen, "Negotiation")
    assert any(c.name.startswith("Acme Corp") for c in negotiation.cards.cards())


def test_drag_and_drop_moves_the_deal_and_records_history(
    qtbot: QtBot, owner_window: OpenWindow
) -> None:
    screen = open_board(qtbot, owner_window)
    source, target = column(screen, "Proposal Sent"), column(screen, "Negotiation")
    card = source.cards.cards()[0]
    drop(target.cards, card.id)
    assert target.summary.text().startswith("8 deals")  # shown at once
    assert source.summary.text().startswith("11 deals")
    wait_idle(qtbot, owner_window.ctx)
    uows, actor, sub = where(owner_window)
    info = queries.get_opportunity(uows, actor, sub, card.id)
    assert info.stage_name == "Negotiation"
    history = queries.stage_history(uows, actor, sub, card.id)
    assert (history[-1].from_stage_name, history[-1].to_stage_name) == (
        "Proposal Sent", "Negotiation",
    )  # fmt: skip
    assert history[-1].actor_user_id == actor.user_id
    # The reload after the event keeps the card in its new column; dropping it on the
    # column it is in changes nothing.
    qtbot.waitUntil(lambda: screen.board.column_of(card.id) == target.stage.id, timeout=WAIT_MS)
    drop(column(screen, "Negotiation").cards, card.id)
    wait_idle(qtbot, owner_window.ctx)
    assert len(queries.stage_history(uows, actor, sub, card.id)) == len(history)


def test_load_more_fetches_the_next_page(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_board(qtbot, owner_window)
    uows, actor, sub = where(owner_window)
    small = board_service.load_board(uows, actor, sub, per_column=10)
    screen.board.show_board(small)
    first = column(screen, "New Lead")
    assert first.cards.count() == 10
    qtbot.waitUntil(first.more_button.isVisible, timeout=WAIT_MS)
    click(qtbot, first.more_button)
    qtbot.waitUntil(lambda: first.cards.count() == 45, timeout=WAIT_MS)
    assert first.more_button.isHidden()
    assert len({c.id for c in first.cards.cards()}) == 45


def test_card_opens_the_form_and_lost_needs_its_reason(
    qtbot: QtBot, owner_window: OpenWindow
) -> None:
    screen = open_board(qtbot, owner_window)
    card = next(c for c in column(screen, "Qualified").cards.cards() if c.status.value == "open")
    screen.open_opportunity(card.id)
    dialog = find_dialog(qtbot, screen, OpportunityFormDialog)
    qtbot.waitUntil(lambda: "created in" in dialog.history.toPlainText(), timeout=WAIT_MS)
    assert dialog.name_edit.text() == card.name
    assert not dialog.lost_reason.isEnabled()
    dialog.status.setCurrentIndex(dialog.status.findData("lost"))
    assert dialog.lost_reason.isEnabled()
    qtbot.keyClicks(dialog.lost_reason, "Chose a cheaper caterer")
    dialog.value.setText("not money")
    click(qtbot, dialog.ok_button)
    assert dialog.error_label.isVisible()
    assert "value" in dialog.error_label.text().lower()
    dialog.value.setText("12,500")
    with qtbot.waitSignal(dialog.succeeded, timeout=WAIT_MS):
        click(qtbot, dialog.ok_button)
    uows, actor, sub = where(owner_window)
    info = queries.get_opportunity(uows, actor, sub, card.id)
    assert (info.status.value, info.lost_reason) == ("lost", "Chose a cheaper caterer")
    assert info.value_minor == 1_250_000


def test_pipeline_settings_add_reorder_and_delete_a_stage(
    qtbot: QtBot, owner_window: OpenWindow
) -> None:
    screen = open_board(qtbot, owner_window)
    settings = screen.open_settings()
    assert settings is not None
    dialog = find_dialog(qtbot, screen, PipelineSettingsDialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 5, timeout=WAIT_MS)
    form = dialog._add_stage()
    assert isinstance(form, StageFormDialog)
    qtbot.keyClicks(form.name_edit, "Contract Review")
    form.probability.setValue(90)
    click(qtbot, form.ok_button)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 6, timeout=WAIT_MS)
    assert dialog.table.item(5, 0).text() == "Contract Review"
    dialog.table.selectRow(5)
    click(qtbot, dialog.up_button)
    qtbot.waitUntil(lambda: dialog.table.item(4, 0).text() == "Contract Review", timeout=WAIT_MS)
    dialog.table.selectRow(3)  # Negotiation, 7 deals
    deleting = dialog._delete_stage()
    assert isinstance(deleting, DeleteStageDialog)
    deleting.target.setCurrentIndex(deleting.target.findText("Contract Review"))
    click(qtbot, deleting.ok_button)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 5, timeout=WAIT_MS)
    dialog.reject()

    def moved() -> bool:
        names = [c.stage.name for c in screen.board.columns.values()]
        return "Contract Review" in names and column(screen, "Contract Review").count == 7

    qtbot.waitUntil(moved, timeout=WAIT_MS)  # the deleted stage's deals came along
    assert "Negotiation" not in [c.stage.name for c in screen.board.columns.values()]
    uows, actor, sub = where(owner_window)
    names = [s.name for s in structure.list_pipelines(uows, actor, sub)[0].stages]
    assert names == ["New Lead", "Qualified", "Proposal Sent", "Contract Review", "Closed Won"]


def test_list_and_analytics_views(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_board(qtbot, owner_window)
    click(qtbot, screen.views.button(LIST))
    qtbot.waitUntil(lambda: screen.list_model.rowCount() == 121, timeout=WAIT_MS)
    click(qtbot, screen.views.button(ANALYTICS))
    panel = screen.analytics
    qtbot.waitUntil(lambda: panel.table.rowCount() == 5, timeout=WAIT_MS)
    assert panel.table.item(0, 1).text() == "45"
    assert panel.won.value.text() == "34"
    assert panel.lost.value.text() == "9"
    assert panel.win_rate.value.text() == f"{34 / 43:.0%}"
    assert next(label for label, _v in panel.value_chart.bars) == "New Lead"


def test_dropping_on_a_lost_stage_asks_why(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_board(qtbot, owner_window)
    uows, actor, sub = where(owner_window)
    pipeline_id = screen.pipeline.currentData()
    structure.add_stage(uows, actor, sub, pipeline_id,
                        structure.StageInput("Closed Lost", 0, StageKind.LOST))  # fmt: skip
    qtbot.waitUntil(lambda: len(screen.board.columns) == 6, timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    card = next(c for c in column(screen, "New Lead").cards.cards() if c.status.value == "open")
    drop(column(screen, "Closed Lost").cards, card.id)
    dialog = find_dialog(qtbot, screen, LostReasonDialog)
    assert screen.board.column_of(card.id) == column(screen, "New Lead").stage.id  # not yet
    qtbot.keyClicks(dialog.reason, "Went with a competitor")
    with qtbot.waitSignal(dialog.succeeded, timeout=WAIT_MS):
        click(qtbot, dialog.ok_button)
    info = queries.get_opportunity(uows, actor, sub, card.id)
    assert (info.stage_name, info.status.value, info.lost_reason) == (
        "Closed Lost", "lost", "Went with a competitor",
    )  # fmt: skip
    qtbot.waitUntil(
        lambda: screen.board.column_of(card.id) == column(screen, "Closed Lost").stage.id,
        timeout=WAIT_MS,
    )


def test_switching_sub_account_shows_its_board_without_the_owner_filter(
    qtbot: QtBot, owner_window: OpenWindow
) -> None:
    screen = open_board(qtbot, owner_window)
    qtbot.waitUntil(lambda: screen.filters.owner.count() > 2, timeout=WAIT_MS)
    screen.filters.owner.setCurrentIndex(2)  # one of Location A's users
    wait_idle(qtbot, owner_window.ctx)
    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    other = next(s for s in snapshot.sub_accounts if s.id != snapshot.sub_account.id)
    owner_window.workspace.switch_sub_account(other.id)
    qtbot.waitUntil(lambda: screen.pipelines_for == other.id, timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    assert screen.filters.current().owner_user_id is None
    assert column(screen, "New Lead").count == 6  # Location B's demo figures


def test_opportunity_fields_tab_adds_a_field_the_form_then_shows(
    qtbot: QtBot, owner_window: OpenWindow
) -> None:
    screen = open_board(qtbot, owner_window)
    settings = screen.open_settings()
    assert settings is not None
    tab = settings.fields
    qtbot.waitUntil(lambda: tab.list.count() == 3, timeout=WAIT_MS)  # the demo's fields
    form = tab.add_field()
    qtbot.keyClicks(form.label, "Budget Approved")
    form.field_type.setCurrentIndex(form.field_type.findData("checkbox"))
    assert not form.options.isEnabled()
    with qtbot.waitSignal(form.succeeded, timeout=WAIT_MS):
        click(qtbot, form.ok_button)
    qtbot.waitUntil(lambda: tab.list.count() == 4, timeout=WAIT_MS)
    settings.reject()
    qtbot.waitUntil(lambda: any(f.key == "budget_approved" for f in screen.lookups.fields),
                    timeout=WAIT_MS)  # fmt: skip
    dialog = screen.new_opportunity()
    assert dialog is not None
    assert any(e.definition.key == "budget_approved" for e in dialog.custom)
    dialog.reject()
