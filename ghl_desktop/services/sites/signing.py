"""Signed tokens of the funnel server: a form's CSRF + idempotency token, a survey's state
between its steps, and links to preview a draft.

The key is made once per installation and kept in the secret store (never the database).
Every token is bound to what it is for (``form``, ``survey``, ``preview``) and, for visitor
tokens, to the visitor's session id, so a token lifted from one browser fails in another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ghl_desktop.core.secrets import SecretStore

KEY_NAME = "funnel_server.signing_key"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_STATE_CHARS = 120_000


def load_signing_key(store: SecretStore) -> bytes:
    """The installation's key, created on first use."""
    value = store.get(KEY_NAME)
    if not value:
        value = secrets.token_urlsafe(32)
        store.set(KEY_NAME, value)
    return value.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _when(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


class Signer:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the signing key must be at least 16 bytes")
        self._key = key

    def sign(self, *parts: str) -> str:
        # Keyed BLAKE2b is a MAC in its own right (no HMAC construction needed) and a few
        # times faster than HMAC-SHA256: it runs once per form on every page view.
        message = "\x1f".join(parts).encode()
        return _b64(hashlib.blake2b(message, key=self._key[:64], digest_size=24).digest())

    def verify(self, signature: str, *parts: str) -> bool:
        return hmac.compare_digest(signature.encode(), self.sign(*parts).encode())


@dataclass(frozen=True)
class FormToken:
    """What a form's token proves: when the form was rendered for this session, and the id
    its submission will get (a second post of the same token finds that id taken)."""

    issued_at: datetime
    nonce: str


def _nonce(ms: int) -> str:
    """A UUIDv7 for the submission id, made here because this runs for every form on every page
    view (``core.ids.new_id`` orders ids within a millisecond; a nonce does not need that)."""
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | (rand >> 68) << 64
    value |= 0b10 << 62 | rand & ((1 << 62) - 1)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def issue_form_token(signer: Signer, session_id: str, target_id: str, now: datetime) -> str:
    ms = _ms(now)
    issued, nonce = str(ms), _nonce(ms)
    return f"{issued}.{nonce}.{signer.sign('form', session_id, target_id, issued, nonce)}"


def read_form_token(
    signer: Signer, token: str, session_id: str, target_id: str
) -> FormToken | None:
    """The token's content, or None when it is malformed, forged or for another form/session."""
    parts = token.split(".")
    if len(parts) != 3 or len(token) > 200:
        return None
    issued, nonce, signature = parts
    if not issued.isdigit() or not _UUID.match(nonce):
        return None
    if not signer.verify(signature, "form", session_id, target_id, issued, nonce):
        return None
    return FormToken(_when(int(issued)), nonce)


@dataclass(frozen=True)
class SurveyState:
    """A survey between its steps: the answers so far and the question on screen."""

    nonce: str
    issued_at: datetime
    current: str
    answers: dict[str, Any]
    path: tuple[str, ...]  # the questions answered, in order (jumps skip some)


def issue_survey_state(signer: Signer, session_id: str, survey_id: str, state: SurveyState) -> str:
    body = _b64(
        json.dumps(
            [state.nonce, _ms(state.issued_at), state.current, state.answers, list(state.path)],
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
    )
    return f"{body}.{signer.sign('survey', session_id, survey_id, body)}"


def read_survey_state(
    signer: Signer, token: str, session_id: str, survey_id: str
) -> SurveyState | None:
    body, _, signature = token.partition(".")
    if not body or len(token) > MAX_STATE_CHARS:
        return None
    if not signer.verify(signature, "survey", session_id, survey_id, body):
        return None
    try:
        nonce, issued, current, answers, path = json.loads(_unb64(body))
    except (ValueError, TypeError):
        return None
    if not isinstance(answers, dict) or not isinstance(path, list) or not _UUID.match(nonce):
        return None
    return SurveyState(nonce, _when(int(issued)), str(current), answers, tuple(map(str, path)))


def issue_preview_token(signer: Signer, page_id: str, expires_at: datetime) -> str:
    expires = str(_ms(expires_at))
    return f"{expires}.{signer.sign('preview', page_id, expires)}"


def check_preview_token(signer: Signer, token: str, page_id: str, now: datetime) -> bool:
    expires, _, signature = token.partition(".")
    if not expires.isdigit() or not signer.verify(signature, "preview", page_id, expires):
        return False
    return _ms(now) <= int(expires)
