"""Real mail peers for the email tests: an aiosmtpd SMTP server (STARTTLS, implicit TLS, AUTH)
and a pymap IMAP server, both on 127.0.0.1, plus a self-signed certificate made on the spot."""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import ipaddress
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SMTP_USER = "mailer"
SMTP_PASSWORD = "s3cret-pass"


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 / localhost (cert path, key path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server received."""

    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK queued"

    @property
    def messages(self) -> list[Message]:
        return [message_from_bytes(bytes(e.content or b"")) for e in self.envelopes]


def _authenticator(
    _server: Any, _session: Any, _envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@contextlib.contextmanager
def smtp_server(
    mode: str, cert: tuple[Path, Path] | None = None, *, auth: bool = True
) -> Iterator[tuple[Mailbox, int]]:
    """``mode``: "starttls", "tls" (implicit) or "none". Yields (mailbox, port)."""
    box = Mailbox()
    port = free_port()
    context = None
    if cert is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert[0]), str(cert[1]))
    kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": port}
    if mode == "tls":
        kwargs["ssl_context"] = context
        kwargs["server_hostname"] = "localhost"
    elif mode == "starttls":
        kwargs |= {"tls_context": context, "require_starttls": True}
    if auth:
        kwargs |= {
            "authenticator": _authenticator,
            # aiosmtpd cannot tell an implicit-TLS session from a plain one: there AUTH is
            # offered and checked, but not demanded before MAIL.
            "auth_required": mode != "tls",
            "auth_require_tls": mode == "starttls",
        }
    controller = Controller(box, **kwargs)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


IMAP_USER = "inbox"
IMAP_PASSWORD = "imap-pass"


@dataclass
class ImapServer:
    port: int

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(IMAP_USER, IMAP_PASSWORD)
        return client

    def deliver(self, raw: bytes, mailbox: str = "INBOX") -> None:
        client = self.client()
        try:
            typ, data = client.append(mailbox, None, None, raw)
            assert typ == "OK", data
        finally:
            client.logout()


@contextlib.contextmanager
def imap_server() -> Iterator[ImapServer]:
    """pymap with its in-memory backend: one user, an empty INBOX."""
    port = free_port()
    pymap = Path(sys.executable).with_name("pymap")
    proc = subprocess.Popen(
        [str(pymap), "--host", "127.0.0.1", "--port", str(port), "--no-tls", "dict",
         "--demo-user", IMAP_USER, "--demo-password", IMAP_PASSWORD],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    raise RuntimeError(f"pymap did not start: {err}") from None
                time.sleep(0.05)
        yield ImapServer(port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
