"""Secret storage for provider keys, SMTP passwords and tokens - never in the database or logs.

The OS keyring is used when it has a real backend. Headless machines (servers, CI) have none, so
the fallback is a Fernet-encrypted file whose key comes from a 0600 key file next to it or from a
passphrase (Scrypt-derived) given in ``GHL_DESKTOP_SECRETS_PASSPHRASE``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Protocol

import keyring
import keyring.backends.fail
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

SERVICE = "ghl-desktop"


class SecretStore(Protocol):
    backend_name: str

    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str) -> None: ...
    def delete(self, key: str) -> None: ...


class SecretStoreError(Exception):
    pass


class KeyringSecretStore:
    backend_name = "os-keyring"

    def __init__(self, namespace: str) -> None:
        self._service = f"{SERVICE}:{namespace}"

    def get(self, key: str) -> str | None:
        value = keyring.get_password(self._service, key)
        return str(value) if value is not None else None

    def set(self, key: str, value: str) -> None:
        keyring.set_password(self._service, key, value)

    def delete(self, key: str) -> None:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(self._service, key)


class EncryptedFileSecretStore:
    """A JSON map encrypted with Fernet, written atomically with mode 0600."""

    backend_name = "encrypted-file"

    def __init__(self, path: Path, *, passphrase: str | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fernet = Fernet(self._key(passphrase))

    def _key(self, passphrase: str | None) -> bytes:
        if passphrase:
            salt_file = self._path.with_suffix(".salt")
            if not salt_file.exists():
                _create_private_once(salt_file, os.urandom(16))
            kdf = Scrypt(salt=salt_file.read_bytes(), length=32, n=2**15, r=8, p=1)
            return base64.urlsafe_b64encode(kdf.derive(passphrase.encode()))
        key_file = self._path.with_suffix(".key")
        if not key_file.exists():
            _create_private_once(key_file, Fernet.generate_key())
        mode = key_file.stat().st_mode & 0o777
        if os.name == "posix" and mode & 0o077:
            raise SecretStoreError(f"{key_file} must be readable by its owner only (chmod 600)")
        return key_file.read_bytes().strip()

    def _load(self) -> dict[str, str]:
        if not self._path.exists():
            return {}
        try:
            data = self._fernet.decrypt(self._path.read_bytes())
        except InvalidToken:
            raise SecretStoreError(
                f"cannot decrypt {self._path}: wrong key file or passphrase"
            ) from None
        loaded: dict[str, str] = json.loads(data)
        return loaded

    def _save(self, data: dict[str, str]) -> None:
        _write_private(self._path, self._fernet.encrypt(json.dumps(data).encode()))

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._load().get(key)

    def set(self, key: str, value: str) -> None:
        with self._lock:
            data = self._load()
            data[key] = value
            self._save(data)

    def delete(self, key: str) -> None:
        with self._lock:
            data = self._load()
            if data.pop(key, None) is not None:
                self._save(data)


def _private_temp(path: Path, content: bytes) -> Path:
    """A 0600 file beside ``path`` holding ``content``, under a name no other process uses."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(name)


def _write_private(path: Path, content: bytes) -> None:
    os.replace(_private_temp(path, content), path)


def _create_private_once(path: Path, content: bytes) -> None:
    """Create ``path`` unless it exists. Two processes starting at once (the app and
    ``serve``) must end up with one key: the hard link fails for the second, which then
    reads the first one's key instead of replacing it."""
    tmp = _private_temp(path, content)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def keyring_available() -> bool:
    """True when the keyring can really store secrets (not the headless ``fail`` backend)."""
    backend = keyring.get_keyring()
    if isinstance(backend, keyring.backends.fail.Keyring):
        return False
    members = getattr(backend, "backends", None)  # the chainer backend delegates to these
    return members is None or len(members) > 0


def open_secret_store(data_dir: Path, namespace: str) -> SecretStore:
    """The OS keyring if usable (unless ``GHL_DESKTOP_SECRETS=file``), else the encrypted file."""
    if os.environ.get("GHL_DESKTOP_SECRETS", "auto") != "file" and keyring_available():
        return KeyringSecretStore(namespace)
    return EncryptedFileSecretStore(
        data_dir / "secrets" / "secrets.enc",
        passphrase=os.environ.get("GHL_DESKTOP_SECRETS_PASSPHRASE") or None,
    )
