"""What an action executor gets and returns, and the registry of executors by action type.

An executor runs inside the tenant unit of work that completes its step: everything it
writes (a tag, a task, an outbox row) commits together with the step's completion or not at
all. It never opens another unit of work and never talks to the network - external effects go
through ``services.outbox.enqueue`` with the step's idempotency key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from ghl_desktop.core.errors import NotFound
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.models.workflows import (
    ActionExecutionStatus,
    WorkflowActionExecution,
    WorkflowExecution,
)
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows.definition import ActionDef, WorkflowDefinition

_Row = TypeVar("_Row")

TAGS_KEY = "workflow_batch_tags"
BATCH_KEY = "workflow_batch"  # (model, id) -> the row the executor preloaded for its batch


def batch_get(session: Session, model: type[_Row], row_id: str) -> _Row | None:
    """``session.get`` for the rows the executor preloaded for its batch, read from a plain
    dict (``get``'s own bookkeeping, once or twice per step, showed in the profile)."""
    preloaded = session.info.get(BATCH_KEY)
    found = preloaded.get((model, row_id)) if preloaded is not None else None
    return found if found is not None else session.get(model, row_id)


def load_tag_names(uow: UnitOfWork, contact_ids: list[str]) -> dict[str, list[str]]:
    """Tag names per contact, in name order, in one query (complete: contacts without tags
    map to an empty list)."""
    from sqlalchemy import select

    from ghl_desktop.models.crm import ContactTag, Tag

    found: dict[str, list[str]] = {cid: [] for cid in contact_ids}
    rows = uow.session.execute(
        select(ContactTag.contact_id, Tag.name)
        .join(Tag, Tag.id == ContactTag.tag_id)
        .where(ContactTag.contact_id.in_(contact_ids))
        .order_by(Tag.name_key)
    )
    for contact_id, name in rows:
        found[contact_id].append(name)
    return found


class StepSkipped(Exception):
    """Raised by an executor: the step is recorded as skipped with this reason and the run
    goes on (a send to a contact with DND on, a contact without an email address)."""

    def __init__(self, reason: str, **detail: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass
class StepContext:
    uow: UnitOfWork
    execution: WorkflowExecution
    step: WorkflowActionExecution
    action: ActionDef
    definition: WorkflowDefinition
    now: datetime
    dry_run: bool = False
    _contact: Contact | None = field(default=None, repr=False)
    _sub_account: SubAccount | None = field(default=None, repr=False)

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.action.settings)

    @property
    def idempotency_key(self) -> str:
        """What an external effect of this step is sent under: execution id + action id."""
        return f"wf:{self.execution.id}:{self.action.id}"

    @property
    def contact(self) -> Contact:
        if self._contact is None:
            # A contact the executor preloaded for the batch comes from the identity map.
            found = batch_get(self.uow.session, Contact, self.execution.contact_id)
            if found is not None and found.deleted_at is not None:
                found = None
            if found is None:
                raise NotFound("contact", self.execution.contact_id)
            self._contact = found
        return self._contact

    def tag_names(self) -> list[str]:
        """The contact's tag names by name (preloaded for the whole batch by the executor)."""
        preloaded = self.uow.session.info.get(TAGS_KEY)
        if isinstance(preloaded, dict) and self.execution.contact_id in preloaded:
            return list(preloaded[self.execution.contact_id])
        return load_tag_names(self.uow, [self.execution.contact_id]).get(
            self.execution.contact_id, []
        )

    def tags_changed(self) -> None:
        """Forget the preloaded tags of the contact (an add/remove tag step changed them)."""
        preloaded = self.uow.session.info.get(TAGS_KEY)
        if isinstance(preloaded, dict):
            preloaded.pop(self.execution.contact_id, None)

    @property
    def sub_account(self) -> SubAccount:
        if self._sub_account is None:
            found = self.uow.session.get(SubAccount, self.execution.sub_account_id)
            if found is None:
                raise NotFound("sub-account", self.execution.sub_account_id)
            self._sub_account = found
        return self._sub_account

    def set_context(self, **values: Any) -> None:
        # Reassigned, not mutated: the JSON column only notices a new object.
        self.execution.context = {**(self.execution.context or {}), **values}


@dataclass(frozen=True)
class StepOutcome:
    """``branch``: the label an if/else chose; ``finish``: the run ends here with this reason
    (end, goal); ``status``: completed, or skipped with a reason in the result."""

    result: dict[str, Any] = field(default_factory=dict)
    branch: str | None = None
    finish: str | None = None
    status: ActionExecutionStatus = ActionExecutionStatus.COMPLETED


Executor = Callable[[StepContext], StepOutcome]

EXECUTORS: dict[str, Executor] = {}


def executor(*action_types: str) -> Callable[[Executor], Executor]:
    def register(fn: Executor) -> Executor:
        for action_type in action_types:
            if action_type in EXECUTORS:
                raise ValueError(f"an executor for {action_type!r} is already registered")
            EXECUTORS[action_type] = fn
        return fn

    return register


def executor_for(action_type: str) -> Executor:
    # Importing the package registers the built-in executors.
    from ghl_desktop.services.workflows.engine import actions  # noqa: F401

    found = EXECUTORS.get(action_type)
    if found is None:
        raise NotFound("workflow action executor", action_type)
    return found
