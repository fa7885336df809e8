"""Parsing inbound email (no server needed): bodies from text or HTML, threading ids,
attachments, messages without Message-ID or sender; webchat tokens and origins."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.services.inbox.email_parse import NotAnEmail, html_to_text, parse_email
from ghl_desktop.services.inbox.webchat import Visitor, issue_token, normalise_origin, read_token
from ghl_desktop.services.sites.signing import Signer

SUB, CHANNEL, CONTACT = (
    "01900000-0000-7000-8000-000000000001",
    "01900000-0000-7000-8000-000000000002",
    "01900000-0000-7000-8000-000000000003",
)


def _message(**headers: str) -> EmailMessage:
    msg = EmailMessage()
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    return msg


def test_html_only_mail_becomes_text_and_threading_ids_are_kept() -> None:
    msg = _message(
        From='"Lee, Ann" <Ann@Example.com>', To="Hello <hello@agency.test>",
        Subject="Re:  booking   for two", Message_ID="<b@x.test>",
        In_Reply_To="<a@agency.test>", References="<z@x.test> <a@agency.test>",
    )  # fmt: skip
    msg.set_content("<p>Yes &amp; thanks!</p><script>alert(1)</script><p>Ann</p>", subtype="html")
    parsed = parse_email(msg.as_bytes())
    assert parsed.body == "Yes & thanks!\nAnn"
    assert parsed.from_address == "Lee, Ann <Ann@Example.com>"
    assert parsed.to_address == "hello@agency.test"
    assert parsed.subject == "Re: booking for two"
    assert parsed.thread_refs == ("<z@x.test>", "<a@agency.test>")
    assert parsed.headers() == {
        "message_id": "<b@x.test>", "in_reply_to": "<a@agency.test>",
        "references": "<z@x.test> <a@agency.test>",
    }  # fmt: skip


def test_attachments_and_a_missing_message_id() -> None:
    msg = _message(From="bob@example.com", To="hello@agency.test", Subject="Photo")
    msg.set_content("See attached")
    msg.add_attachment(b"\x89PNG....", maintype="image", subtype="png", filename="../../x.png")
    raw = msg.as_bytes()
    parsed = parse_email(raw)
    [attachment] = parsed.attachments
    assert (attachment.name, attachment.content_type, attachment.data) == (
        "../../x.png", "image/png", b"\x89PNG....",
    )  # fmt: skip
    assert parsed.message_id.startswith("<sha256.")
    assert parse_email(raw).message_id == parsed.message_id  # the same bytes, the same id


def test_no_sender_is_not_an_email() -> None:
    with pytest.raises(NotAnEmail):
        parse_email(b"Subject: hi\r\n\r\nbody")


def test_html_to_text_drops_style_and_script() -> None:
    assert html_to_text("<style>p{}</style>Hi<br>there") == "Hi\nthere"


def test_visitor_tokens_are_signed_and_origins_normalised() -> None:
    signer = Signer(b"k" * 32)
    visitor = Visitor(SUB, CHANNEL, CONTACT)
    token = issue_token(signer, visitor)
    assert read_token(signer, token) == visitor
    assert read_token(signer, token.replace(CONTACT, SUB)) is None
    assert read_token(Signer(b"o" * 32), token) is None
    assert normalise_origin("https://WWW.Example.com/") == "https://www.example.com"
    for bad in ("example.com", "https://example.com/page", "ftp://example.com"):
        with pytest.raises(ValidationError, match="allowed_origins"):
            normalise_origin(bad)


def test_attachment_names_cannot_leave_the_attachments_folder(tmp_path) -> None:
    from ghl_desktop.services.inbox.email_ingest import store_attachment
    from ghl_desktop.services.inbox.email_parse import ParsedAttachment

    meta = store_attachment(tmp_path, SUB, ParsedAttachment("../../etc/passwd", "text/plain", b"x"))
    assert meta["path"].startswith(f"attachments/{SUB}/")
    assert meta["path"].endswith("/passwd")
    assert (tmp_path / meta["path"]).read_bytes() == b"x"
    big = ParsedAttachment("huge.bin", "application/octet-stream", b"0" * (25 * 1024 * 1024 + 1))
    assert store_attachment(tmp_path, SUB, big)["skipped"] == "larger than 25 MB"
