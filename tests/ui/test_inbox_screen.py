"""The Conversations screen: an inbound message shows in the list, the navigation badge and a
notification; opening the thread reads it; replies, notes, status and star; visitor text is
shown as text; the SMS counter; the channel setup tab with a real SMTP server."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ghl_desktop.models.conversations import Snippet
from ghl_desktop.services.inbox.queries import ConversationRow
from ghl_desktop.ui.screens.inbox import loaders
from ghl_desktop.ui.screens.inbox.badge import InboxBadge
from ghl_desktop.ui.screens.inbox.channels_tab import ChannelsTab
from ghl_desktop.ui.screens.inbox.inbox_screen import InboxScreen
from ghl_desktop.ui.widgets.nav_bar import BADGE_ROLE
from tests.email_peers import smtp_server
from tests.ui.conftest import WAIT_MS, OpenWindow, click, wait_idle

PHONE = "+14155550177"


def open_inbox(qtbot: QtBot, window: OpenWindow) -> InboxScreen:
    screen = window.window.open_screen("conversations")
    assert isinstance(screen, InboxScreen)
    window.settle(qtbot)
    return screen


def _simulate(window: OpenWindow, body: str, sender: str = PHONE) -> str:
    snapshot = window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    return loaders.simulate_inbound(
        window.ctx.runtime, snapshot.actor, snapshot.sub_account.id, sender, body
    )


def _row(screen: InboxScreen, conversation_id: str) -> ConversationRow | None:
    index = screen.model.find(conversation_id)
    return screen.model.row(index) if index >= 0 else None


def test_inbound_reply_note_status_and_badge(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_inbox(qtbot, owner_window)
    badge = owner_window.window.badges["conversations"]
    assert isinstance(badge, InboxBadge)
    before = badge.count
    conversation_id = _simulate(owner_window, "Hi, can I book for <b>Friday</b>?")
    qtbot.waitUntil(lambda: _row(screen, conversation_id) is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: badge.count == before + 1, timeout=WAIT_MS)
    nav = owner_window.window.nav
    assert nav.badge("conversations") == before + 1
    item = nav.item(nav.keys().index("conversations"))
    assert item.data(BADGE_ROLE) == before + 1
    assert item.text() == "Conversations"
    assert badge.notifications[-1][1] == "Hi, can I book for <b>Friday</b>?"
    row = _row(screen, conversation_id)
    assert row is not None
    assert row.unread_count == 1

    snapshot = owner_window.workspace.snapshot
    assert snapshot is not None
    assert snapshot.sub_account is not None
    with owner_window.ctx.uows.run_tenant(snapshot.actor, snapshot.sub_account.id) as uow:
        uow.session.add(Snippet(name="Call back", body="We'll call you on {{contact.phone}}."))
    screen.list.setCurrentIndex(screen.model.index(screen.model.find(conversation_id)))
    qtbot.waitUntil(lambda: screen.current is not None, timeout=WAIT_MS)
    wait_idle(qtbot, owner_window.ctx)
    # Visitor text is text: the markup shows as typed.
    assert "Hi, can I book for <b>Friday</b>?" in screen.thread_view.toPlainText()
    qtbot.waitUntil(lambda: badge.count == before, timeout=WAIT_MS)

    [snippet] = screen.composer.snippets_menu.actions()
    snippet.trigger()
    assert screen.composer.body.toPlainText() == f"We'll call you on {PHONE}."
    screen.composer.body.setPlainText("Yes, Friday at 10 works.")
    click(qtbot, screen.composer.send_button)
    qtbot.waitUntil(
        lambda: screen.current is not None and len(screen.current.messages) == 2, timeout=WAIT_MS
    )
    assert screen.composer.body.toPlainText() == ""
    assert "Yes, Friday at 10 works." in screen.thread_view.toPlainText()

    screen.composer.note.setChecked(True)
    screen.composer.body.setPlainText("VIP - offer the corner table")
    click(qtbot, screen.composer.send_button)
    qtbot.waitUntil(
        lambda: screen.current is not None and len(screen.current.notes) == 1, timeout=WAIT_MS
    )
    assert "Internal note" in screen.thread_view.toPlainText()

    screen.contact_panel.status_requested.emit("resolved")
    screen.contact_panel.star_requested.emit(True)
    qtbot.waitUntil(
        lambda: screen.current is not None and screen.current.conversation.is_starred
        and str(screen.current.conversation.status) == "resolved",
        timeout=WAIT_MS,
    )  # fmt: skip
    assert screen.contact_panel.star.text() == "★ Starred"


def test_filters_and_sms_counter(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_inbox(qtbot, owner_window)
    conversation_id = _simulate(owner_window, "Unread one")
    qtbot.waitUntil(lambda: _row(screen, conversation_id) is not None, timeout=WAIT_MS)
    screen.filters.channel.setCurrentIndex(screen.filters.channel.findData("email"))
    qtbot.waitUntil(lambda: _row(screen, conversation_id) is None, timeout=WAIT_MS)
    screen.filters.channel.setCurrentIndex(screen.filters.channel.findData("sandbox"))
    qtbot.waitUntil(lambda: _row(screen, conversation_id) is not None, timeout=WAIT_MS)

    composer = screen.composer
    composer.set_channel("sms")
    composer.body.setPlainText("a" * 161)
    assert composer.counter.text() == "161 chars · 2 segments · GSM-7"
    composer.body.setPlainText("Grüße 😀")
    assert composer.counter.text().endswith("1 segment · UCS-2")
    composer.set_channel("email")
    assert composer.subject.isVisibleTo(composer)
    assert composer.attach_button.isVisibleTo(composer)


def test_channels_tab_saves_and_tests_smtp(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_inbox(qtbot, owner_window)
    tab = screen.open_channels()
    assert isinstance(tab, ChannelsTab)
    wait_idle(qtbot, owner_window.ctx)
    tab.smtp_host.setText("127.0.0.1")
    tab.from_address.setText("not an address")
    click(qtbot, tab.save_button)
    qtbot.waitUntil(lambda: tab.result.text().startswith("✗"), timeout=WAIT_MS)
    assert "from_address" in tab.result.text()

    with smtp_server("none", auth=False) as (box, port):
        tab.smtp_port.setText(str(port))
        tab.smtp_security.setCurrentIndex(tab.smtp_security.findData("none"))
        tab.from_address.setText("hello@agency.test")
        click(qtbot, tab.save_button)
        qtbot.waitUntil(lambda: "saved" in tab.result.text(), timeout=WAIT_MS)
        tab.test_to.setText("me@agency.test")
        click(qtbot, tab.test_smtp_button)
        qtbot.waitUntil(lambda: "accepted" in tab.result.text(), timeout=WAIT_MS)
    assert box.messages[0]["To"] == "me@agency.test"
    click(qtbot, tab.test_imap_button)  # no IMAP server given
    qtbot.waitUntil(lambda: tab.result.text().startswith("✗ Imap.host"), timeout=WAIT_MS)


def test_webchat_embed_code_and_origins(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_inbox(qtbot, owner_window)
    tab = screen.open_channels()
    assert isinstance(tab, ChannelsTab)
    box = tab.webchat
    qtbot.waitUntil(lambda: "/_webchat/widget.js?key=wc_" in box.snippet.text(), timeout=WAIT_MS)
    box.origins.setPlainText("not-a-site")
    click(qtbot, box.save_button)
    qtbot.waitUntil(lambda: box.result.text().startswith("✗ Allowed_origins"), timeout=WAIT_MS)
    box.origins.setPlainText("https://www.Acme.test/\nhttps://shop.acme.test")
    click(qtbot, box.save_button)
    qtbot.waitUntil(lambda: box.result.text().startswith("✓"), timeout=WAIT_MS)
    assert box.origins.toPlainText() == "https://www.acme.test\nhttps://shop.acme.test"


def test_twilio_fields_say_what_is_wrong(qtbot: QtBot, owner_window: OpenWindow) -> None:
    screen = open_inbox(qtbot, owner_window)
    tab = screen.open_channels()
    tab.twilio_test_to.setText("+14155550123")
    click(qtbot, tab.twilio_test)
    qtbot.waitUntil(lambda: "save the Twilio settings" in tab.twilio_result.text(), timeout=WAIT_MS)
    tab.twilio_sid.setText("AC123")
    tab.twilio_token.setText("0" * 32)
    tab.twilio_from.setText("+14155550100")
    click(qtbot, tab.twilio_save)
    qtbot.waitUntil(lambda: tab.twilio_result.text().startswith("✗ Account_sid"), timeout=WAIT_MS)
