"""Secret storage: the OS keyring when there is one, else an encrypted 0600 file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import pytest
from cryptography.fernet import Fernet

from ghl_desktop.core.secrets import (
    EncryptedFileSecretStore,
    KeyringSecretStore,
    SecretStoreError,
    keyring_available,
    open_secret_store,
)

SECRET = "sk_live_51NotARealKeyButLongEnough"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_round_trip_and_delete(tmp_path: Path) -> None:
    store = EncryptedFileSecretStore(tmp_path / "s" / "secrets.enc")
    assert store.get("stripe") is None
    store.set("stripe", SECRET)
    store.set("smtp", "hunter2-but-longer")
    assert store.get("stripe") == SECRET
    store.delete("stripe")
    store.delete("never-set")
    assert store.get("stripe") is None
    reopened = EncryptedFileSecretStore(tmp_path / "s" / "secrets.enc")
    assert reopened.get("smtp") == "hunter2-but-longer"


def test_files_are_private_and_leave_no_temporaries(tmp_path: Path) -> None:
    store = EncryptedFileSecretStore(tmp_path / "secrets.enc")
    store.set("stripe", SECRET)
    files = _files(tmp_path)
    assert {p.name for p in files} == {"secrets.enc", "secrets.key"}
    for path in files:
        assert _mode(path) == 0o600, path


def test_values_are_never_on_disk_in_plaintext(tmp_path: Path) -> None:
    store = EncryptedFileSecretStore(tmp_path / "secrets.enc")
    store.set("stripe", SECRET)
    store.set("other", "second-secret-value-123")
    for path in _files(tmp_path):
        raw = path.read_bytes()
        assert SECRET.encode() not in raw, path
        assert b"second-secret-value-123" not in raw, path
        assert b"stripe" not in raw, path  # key names are hidden too


def test_wrong_key_file_is_refused(tmp_path: Path) -> None:
    EncryptedFileSecretStore(tmp_path / "secrets.enc").set("stripe", SECRET)
    key_file = tmp_path / "secrets.key"
    key_file.write_bytes(Fernet.generate_key())
    with pytest.raises(SecretStoreError, match="wrong key file or passphrase"):
        EncryptedFileSecretStore(tmp_path / "secrets.enc").get("stripe")


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    EncryptedFileSecretStore(tmp_path / "secrets.enc").set("stripe", SECRET)
    os.chmod(tmp_path / "secrets.key", 0o644)
    with pytest.raises(SecretStoreError, match="chmod 600"):
        EncryptedFileSecretStore(tmp_path / "secrets.enc")


def test_passphrase_store(tmp_path: Path) -> None:
    path = tmp_path / "secrets.enc"
    EncryptedFileSecretStore(path, passphrase="correct horse").set("stripe", SECRET)
    assert not (tmp_path / "secrets.key").exists()  # the key comes from the passphrase
    assert _mode(tmp_path / "secrets.salt") == 0o600
    assert EncryptedFileSecretStore(path, passphrase="correct horse").get("stripe") == SECRET
    with pytest.raises(SecretStoreError, match="wrong key file or passphrase"):
        EncryptedFileSecretStore(path, passphrase="wrong horse").get("stripe")
    with pytest.raises(SecretStoreError):
        EncryptedFileSecretStore(path).get("stripe")  # nor a generated key file
    for p in _files(tmp_path):
        assert SECRET.encode() not in p.read_bytes()
        assert b"correct horse" not in p.read_bytes()


def test_a_refused_store_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "secrets.enc"
    EncryptedFileSecretStore(path, passphrase="right").set("stripe", SECRET)
    before = path.read_bytes()
    with pytest.raises(SecretStoreError):
        EncryptedFileSecretStore(path, passphrase="wrong").set("stripe", "overwrite")
    assert path.read_bytes() == before


class _MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.values:
            raise keyring.errors.PasswordDeleteError(username)
        del self.values[(service, username)]


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


@pytest.mark.usefixtures("restore_keyring")
def test_headless_keyring_falls_back_to_the_encrypted_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GHL_DESKTOP_SECRETS", raising=False)
    monkeypatch.delenv("GHL_DESKTOP_SECRETS_PASSPHRASE", raising=False)
    keyring.set_keyring(keyring.backends.fail.Keyring())
    assert not keyring_available()
    store = open_secret_store(tmp_path, "ns")
    assert isinstance(store, EncryptedFileSecretStore)
    store.set("k", "v-value")
    assert (tmp_path / "secrets" / "secrets.enc").exists()


@pytest.mark.usefixtures("restore_keyring")
def test_an_empty_chainer_counts_as_headless(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GHL_DESKTOP_SECRETS", raising=False)
    chainer = keyring.backends.chainer.ChainerBackend()
    monkeypatch.setattr(type(chainer), "backends", property(lambda _self: []))
    keyring.set_keyring(chainer)
    assert not keyring_available()
    assert isinstance(open_secret_store(tmp_path, "ns"), EncryptedFileSecretStore)


@pytest.mark.usefixtures("restore_keyring")
def test_a_real_keyring_is_used_unless_file_is_forced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GHL_DESKTOP_SECRETS", raising=False)
    backend = _MemoryKeyring()
    keyring.set_keyring(backend)
    assert keyring_available()
    store = open_secret_store(tmp_path, "install-1")
    assert isinstance(store, KeyringSecretStore)
    store.set("stripe", SECRET)
    assert backend.values == {("ghl-desktop:install-1", "stripe"): SECRET}
    assert store.get("stripe") == SECRET
    store.delete("stripe")
    store.delete("stripe")  # deleting twice is harmless
    assert store.get("stripe") is None
    assert not (tmp_path / "secrets").exists()

    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")
    assert isinstance(open_secret_store(tmp_path, "install-1"), EncryptedFileSecretStore)


@pytest.mark.usefixtures("restore_keyring")
def test_passphrase_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GHL_DESKTOP_SECRETS", "file")
    monkeypatch.setenv("GHL_DESKTOP_SECRETS_PASSPHRASE", "from-env")
    open_secret_store(tmp_path, "ns").set("k", SECRET)
    assert not (tmp_path / "secrets" / "secrets.key").exists()
    monkeypatch.setenv("GHL_DESKTOP_SECRETS_PASSPHRASE", "other")
    with pytest.raises(SecretStoreError):
        open_secret_store(tmp_path, "ns").get("k")


def test_stores_opened_at_the_same_moment_share_one_key(tmp_path: Path) -> None:
    """The app and ``serve`` may create the key file at once: both must end up with the same
    key (before, each wrote ``secrets.key.tmp`` and the loser kept a key nobody else had)."""
    import threading

    path = tmp_path / "secrets.enc"
    barrier = threading.Barrier(8)
    stores: list[EncryptedFileSecretStore] = []
    errors: list[BaseException] = []

    def open_store() -> None:
        barrier.wait()
        try:
            stores.append(EncryptedFileSecretStore(path))
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    for _ in range(20):
        for p in tmp_path.iterdir():
            p.unlink()
        stores.clear()
        threads = [threading.Thread(target=open_store) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        stores[0].set("stripe", SECRET)
        assert {s.get("stripe") for s in stores} == {SECRET}
        assert {p.name for p in tmp_path.iterdir()} == {"secrets.enc", "secrets.key"}
