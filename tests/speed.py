"""Fixtures that keep slow set-up out of every test: cheap password hashing and one migrated
runtime shared by the read-only tests of a module. Import the fixtures into a test module to
use them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.services import passwords
from tests.conftest import _runtime

# Production argon2id settings cost ~0.4 s per hash on a 2-core machine; the rules around
# hashing (verify, rehash, lockout) do not depend on the cost.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="module")
def fast_password_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", CHEAP_HASHER)
        yield


@pytest.fixture(scope="module")
def module_runtime(
    tmp_path_factory: pytest.TempPathFactory, fast_password_hashing: None
) -> Iterator[Runtime]:
    rt = _runtime(tmp_path_factory.mktemp("module-data"), None, FixedClock())
    yield rt
    rt.close()
