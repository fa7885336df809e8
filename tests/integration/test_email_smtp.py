"""Outbound email against a real SMTP server (aiosmtpd) on 127.0.0.1: STARTTLS, implicit TLS,
AUTH, MIME structure, reply threading headers, List-Unsubscribe, and the errors "send test"
shows."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ghl_desktop.core.clock import FixedClock
from ghl_desktop.providers.email_smtp import SmtpEmailProvider, SmtpSetupError, send_test
from ghl_desktop.services.inbox.email_settings import SmtpSettings
from ghl_desktop.services.outbox import OutboundMessage, PermanentSendError, TransientSendError
from tests.email_peers import SMTP_PASSWORD, SMTP_USER, free_port, self_signed_cert, smtp_server

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def client_tls(cert: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert[0]))


def _settings(port: int, security: str, username: str = SMTP_USER) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1", port=port, security=security, username=username,
        from_address="team@agency.test", from_name="Agency Team",
    )  # fmt: skip


def _message(payload: dict[str, object], **extra: object) -> OutboundMessage:
    return OutboundMessage(
        id="out-1", sub_account_id="sub-1", channel="email", payload=payload,
        idempotency_key="k1", attempt=1, contact_id="contact-1",
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def _provider(port: int, security: str, tls: ssl.SSLContext, **kw: object) -> SmtpEmailProvider:
    return SmtpEmailProvider(
        _settings(port, security), SMTP_PASSWORD, FixedClock(NOW), ssl_context=tls,
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_starttls_auth_multipart_with_attachment(cert, client_tls, tmp_path: Path) -> None:
    pdf = tmp_path / "quote.pdf"
    pdf.write_bytes(b"%PDF-1.4 fake quote")
    with smtp_server("starttls", cert) as (box, port):
        receipt = _provider(port, "starttls", client_tls).send(
            _message({
                "to": "ann@example.com", "to_name": "Ann Lee", "subject": "Your quote",
                "body": "Hello Ann", "html": "<p>Hello <b>Ann</b></p>",
                "attachments": [{"name": "quote.pdf", "path": str(pdf)}],
            })
        )  # fmt: skip
    [envelope] = box.envelopes
    assert envelope.mail_from == "team@agency.test"
    assert envelope.rcpt_tos == ["ann@example.com"]
    [msg] = box.messages
    assert msg["Message-ID"] == receipt.provider_message_id
    assert receipt.provider_message_id.endswith("@agency.test>")
    assert msg["From"] == "Agency Team <team@agency.test>"
    assert msg["To"] == "Ann Lee <ann@example.com>"
    assert msg["List-Unsubscribe"] is None  # transactional by default
    assert msg.get_content_type() == "multipart/mixed"
    alternative, attachment = msg.get_payload()
    assert [p.get_content_type() for p in alternative.get_payload()] == [
        "text/plain", "text/html",
    ]  # fmt: skip
    assert attachment.get_filename() == "quote.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_payload(decode=True) == b"%PDF-1.4 fake quote"


def test_reply_headers_and_marketing_unsubscribe(cert, client_tls) -> None:
    def links(message: OutboundMessage) -> dict[str, str]:
        url = f"https://pages.agency.test/_email/unsubscribe?c={message.contact_id}"
        return {"mailto": "unsubscribe@agency.test", "url": url}

    with smtp_server("tls", cert) as (box, port):
        _provider(port, "tls", client_tls, unsubscribe_links=links).send(
            _message({
                "to": "ann@example.com", "subject": "Re: spring offer", "body": "Thanks!",
                "kind": "marketing", "in_reply_to": "<b@x.test>", "references": ["<a@x.test>"],
            })
        )  # fmt: skip
    [msg] = box.messages
    assert msg["In-Reply-To"] == "<b@x.test>"
    assert msg["References"] == "<a@x.test> <b@x.test>"
    assert " ".join(msg["List-Unsubscribe"].split()) == (  # folded on the wire
        "<mailto:unsubscribe@agency.test>, "
        "<https://pages.agency.test/_email/unsubscribe?c=contact-1>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_wrong_password_is_permanent_and_says_authentication(cert, client_tls) -> None:
    with smtp_server("starttls", cert) as (box, port):
        provider = SmtpEmailProvider(
            _settings(port, "starttls"), "wrong", FixedClock(NOW), ssl_context=client_tls
        )
        with pytest.raises(PermanentSendError, match="SMTP authentication failed"):
            provider.send(_message({"to": "ann@example.com", "subject": "x", "body": "y"}))
        with pytest.raises(SmtpSetupError, match="authentication failed") as info:
            send_test(_settings(port, "starttls"), "wrong", "me@agency.test",
                      ssl_context=client_tls)  # fmt: skip
    assert not info.value.transient
    assert box.envelopes == []


def test_connection_refused_is_transient() -> None:
    port = free_port()  # nothing listens there
    provider = SmtpEmailProvider(_settings(port, "none"), SMTP_PASSWORD, FixedClock(NOW))
    with pytest.raises(TransientSendError, match="connection refused"):
        provider.send(_message({"to": "ann@example.com", "subject": "x", "body": "y"}))


def test_untrusted_certificate_is_a_tls_failure(cert) -> None:
    # The default context does not trust the test's self-signed certificate.
    with (
        smtp_server("starttls", cert) as (_box, port),
        pytest.raises(SmtpSetupError, match="TLS failure") as info,
    ):
        send_test(_settings(port, "starttls"), SMTP_PASSWORD, "me@agency.test")
    assert not info.value.transient


def test_send_test_delivers(cert, client_tls) -> None:
    with smtp_server("starttls", cert) as (box, port):
        message_id = send_test(
            _settings(port, "starttls"), SMTP_PASSWORD, "me@agency.test", ssl_context=client_tls
        )
    [msg] = box.messages
    assert msg["Message-ID"] == message_id
    assert msg["Subject"] == "Test email from ghl_desktop"


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"to": "not-an-address", "subject": "x", "body": "y"}, "to: "),
        ({"to": "a@b.test", "subject": "x\r\nBcc: evil@x.test", "body": "y"}, "subject: "),
        ({"to": "a@b.test", "subject": "x", "body": ""}, "body: "),
        ({"to": "a@b.test", "subject": "x", "body": "y", "in_reply_to": "nope"}, "in_reply_to"),
        ({"to": "a@b.test", "subject": "x", "body": "y",
          "attachments": [{"path": "/nonexistent/file.pdf"}]}, "attachments"),
    ],
)  # fmt: skip
def test_bad_payloads_are_permanent_and_name_the_field(payload, problem) -> None:
    provider = SmtpEmailProvider(_settings(free_port(), "none"), None, FixedClock(NOW))
    with pytest.raises(PermanentSendError, match=problem):
        provider.send(_message(payload))
