"""The sign-in dialog: a good password signs in; a wrong one, or a locked account, is
explained inside the form."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ghl_desktop.services.actor import Actor
from ghl_desktop.services.demo import DemoResult
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.dialogs.sign_in import SignInDialog
from tests.ui.conftest import WAIT_MS


def _dialog(qtbot: QtBot, ctx: UiContext) -> SignInDialog:
    dialog = SignInDialog(ctx)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)  # inspect it afterwards
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _attempt(qtbot: QtBot, dialog: SignInDialog, email: str, password: str) -> None:
    dialog.email.clear()
    qtbot.keyClicks(dialog.email, email)
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, password)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_good_password_signs_in(qtbot: QtBot, ctx: UiContext, demo: DemoResult) -> None:
    dialog = _dialog(qtbot, ctx)
    with qtbot.waitSignal(dialog.succeeded, timeout=WAIT_MS) as signed_in:
        _attempt(qtbot, dialog, demo.owner_email, demo.password)
    actor = signed_in.args[0]
    assert isinstance(actor, Actor)
    assert actor.label == demo.owner_email
    assert not dialog.isVisible()
    assert ctx.prefs.last_email == demo.owner_email


def test_wrong_password_is_explained_and_the_dialog_stays(
    qtbot: QtBot, ctx: UiContext, demo: DemoResult
) -> None:
    dialog = _dialog(qtbot, ctx)
    _attempt(qtbot, dialog, demo.owner_email, "not-the-password")
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=WAIT_MS)
    assert dialog.error_label.text() == "Wrong email or password"
    assert dialog.isVisible()
    assert dialog.password.text() == ""
    assert dialog.ok_button.isEnabled()
    # The same dialog then accepts the right password.
    with qtbot.waitSignal(dialog.succeeded, timeout=WAIT_MS):
        _attempt(qtbot, dialog, demo.owner_email, demo.password)


def test_lockout_after_repeated_failures_says_when_to_retry(
    qtbot: QtBot, ctx: UiContext, demo: DemoResult
) -> None:
    dialog = _dialog(qtbot, ctx)
    for attempt in range(5):
        _attempt(qtbot, dialog, "jane@restaurant.com", f"wrong-password-{attempt}")
        qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=WAIT_MS)
        assert dialog.error_label.text() == "Wrong email or password"
    _attempt(qtbot, dialog, "jane@restaurant.com", demo.password)
    qtbot.waitUntil(
        lambda: dialog.error_label.text().startswith("Too many failed attempts"), timeout=WAIT_MS
    )
    assert dialog.error_label.text() == "Too many failed attempts; try again in 31 s"
    assert dialog.isVisible()
