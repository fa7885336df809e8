"""The filter builder lays its conditions out from the top, under "Match"."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.dialogs.filter_builder import FilterBuilderDialog
from ghl_desktop.ui.screens.contacts.lookups import EMPTY_LOOKUPS
from ghl_desktop.ui.widgets.filter_group import ConditionRow


def test_the_first_condition_sits_under_the_match_row(qtbot: QtBot, plain_ctx: UiContext) -> None:
    dialog = FilterBuilderDialog(plain_ctx, None, EMPTY_LOOKUPS)
    qtbot.addWidget(dialog)
    dialog.resize(900, 600)
    dialog.show()
    qtbot.waitExposed(dialog)
    row = dialog.root.items[0]
    assert isinstance(row, ConditionRow)
    match = dialog.root.op_combo
    below_match = match.mapTo(dialog, match.rect().bottomLeft()).y()
    field_top = row.field_combo.mapTo(dialog, row.field_combo.rect().topLeft()).y()
    # Directly below the "Match" row, not centred in the empty space of a tall dialog.
    assert 0 < field_top - below_match < 40
    dialog.close()
