"""Published snapshots, cached per process: a (workflow, version) snapshot never changes, so
the executor loads each one once instead of once per step."""

from __future__ import annotations

import threading
from collections import OrderedDict

from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows.definition import WorkflowDefinition, load_published

MAX_CACHED = 512

_lock = threading.Lock()
_cache: OrderedDict[tuple[str, int], WorkflowDefinition] = OrderedDict()


def definition_of(uow: UnitOfWork, workflow_id: str, version: int) -> WorkflowDefinition:
    """The snapshot an execution is pinned to (NotFound when it does not exist in the unit of
    work's scope - another sub-account's workflow included)."""
    key = (workflow_id, version)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
    # The cache is process-wide: check the tenant scope before handing a snapshot out.
    if found is not None and (uow.scope.sub_account_id is None or _owned(uow, workflow_id)):
        return found
    definition = load_published(uow, workflow_id, version)
    with _lock:
        _cache[key] = definition
        while len(_cache) > MAX_CACHED:
            _cache.popitem(last=False)
    return definition


_owners: dict[str, str] = {}


def _owned(uow: UnitOfWork, workflow_id: str) -> bool:
    from ghl_desktop.models.workflows import Workflow

    owner = _owners.get(workflow_id)
    if owner is None:
        row = uow.session.get(Workflow, workflow_id)
        if row is None:
            return False
        owner = _owners.setdefault(workflow_id, row.sub_account_id)
    return owner == uow.scope.sub_account_id


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _owners.clear()
