"""A published workflow as the runtime sees it: an immutable snapshot of one version.

``workflow_versions.definition`` stores ``WorkflowDefinition.to_json()``; the runtime loads it
with ``load_published`` and never reads the draft tables, so editing the draft cannot change the
path of a running execution.

How a tree runs (the builder, the validator and the engine all follow this):

* Actions with the same ``(parent_action_id, branch)`` are a *sibling chain*, run in
  ``position`` order. ``roots()`` is the chain with no parent.
* After an action finishes, its children run first: for a branching action (if/else) the
  children under the branch it chose, for any other action its unlabelled (``branch=None``)
  children. When a chain is exhausted, the run continues with the next sibling of the chain's
  parent, climbing up until a next sibling exists (an if/else "rejoins" after its branches).
* A terminal action (``end``, ``goal``) finishes the run: nothing after it runs.

``next_step(action_id, branch)`` implements exactly that walk.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound
from ghl_desktop.models.workflows import Workflow, WorkflowVersion
from ghl_desktop.services.uow import UnitOfWork

DEFINITION_FORMAT = 1
TERMINAL_ACTION_TYPES = frozenset({"end", "goal"})


@dataclass(frozen=True)
class TriggerDef:
    id: str
    type: str
    conditions: Mapping[str, Any] = field(default_factory=dict)
    is_active: bool = True


@dataclass(frozen=True)
class ActionDef:
    id: str
    parent_action_id: str | None
    branch: str | None
    type: str
    name: str
    settings: Mapping[str, Any]
    position: int

    @property
    def label(self) -> str:
        return self.name or self.type


@dataclass(frozen=True)
class ReentryPolicy:
    """``allow_reentry=False``: one run per contact, ever. Either way a contact is enrolled at
    most ``max_enrolments`` times within ``window_minutes`` (loop protection)."""

    allow_reentry: bool = False
    max_enrolments: int = 3
    window_minutes: int = 60


@dataclass(frozen=True)
class WorkflowDefinition:
    workflow_id: str
    version: int
    name: str
    triggers: tuple[TriggerDef, ...]
    actions: tuple[ActionDef, ...]
    reentry: ReentryPolicy = ReentryPolicy()
    _by_id: dict[str, ActionDef] = field(init=False, repr=False, compare=False)
    _chains: dict[tuple[str | None, str | None], tuple[ActionDef, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        by_id = {a.id: a for a in self.actions}
        chains: dict[tuple[str | None, str | None], list[ActionDef]] = {}
        for a in self.actions:
            chains.setdefault((a.parent_action_id, a.branch), []).append(a)
        ordered = {k: tuple(sorted(v, key=lambda a: (a.position, a.id))) for k, v in chains.items()}
        # Frozen: the indexes are computed once and stored past the frozen guard.
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_chains", ordered)

    # -- tree navigation -------------------------------------------------------------------

    def action(self, action_id: str) -> ActionDef:
        try:
            return self._by_id[action_id]
        except KeyError:
            raise NotFound("workflow action", action_id) from None

    def has_action(self, action_id: str) -> bool:
        return action_id in self._by_id

    def roots(self) -> tuple[ActionDef, ...]:
        return self.children(None, None)

    def children(self, action_id: str | None, branch: str | None = None) -> tuple[ActionDef, ...]:
        return self._chains.get((action_id, branch), ())

    def siblings(self, action_id: str) -> tuple[ActionDef, ...]:
        a = self.action(action_id)
        return self.children(a.parent_action_id, a.branch)

    def next_sibling(self, action_id: str) -> ActionDef | None:
        chain = self.siblings(action_id)
        index = [a.id for a in chain].index(action_id)
        return chain[index + 1] if index + 1 < len(chain) else None

    def next_step(self, action_id: str, branch: str | None = None) -> ActionDef | None:
        """The action to run after ``action_id`` finished (having chosen ``branch`` if it is
        an if/else), or None when the run is over."""
        current = self.action(action_id)
        if current.type in TERMINAL_ACTION_TYPES:
            return None
        first = self.children(action_id, branch)
        if first:
            return first[0]
        node: ActionDef | None = current
        while node is not None:
            following = self.next_sibling(node.id)
            if following is not None:
                return following
            node = self.action(node.parent_action_id) if node.parent_action_id else None
        return None

    def first_step(self) -> ActionDef | None:
        roots = self.roots()
        return roots[0] if roots else None

    def walk(self) -> Iterator[tuple[int, ActionDef]]:
        """Every action depth first in display order, with its depth (for trees and logs)."""
        branches: dict[str | None, list[str | None]] = {}
        for parent, branch in self._chains:
            branches.setdefault(parent, []).append(branch)

        def visit(parent: str | None, depth: int) -> Iterator[tuple[int, ActionDef]]:
            labels = sorted(branches.get(parent, []), key=lambda b: (b is not None, b or ""))
            for label in labels:
                for a in self.children(parent, label):
                    yield depth, a
                    yield from visit(a.id, depth + 1)

        yield from visit(None, 0)

    def active_triggers(self) -> tuple[TriggerDef, ...]:
        return tuple(t for t in self.triggers if t.is_active)

    # -- JSON ------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": DEFINITION_FORMAT,
            "workflow_id": self.workflow_id,
            "version": self.version,
            "name": self.name,
            "triggers": [
                {
                    "id": t.id,
                    "type": t.type,
                    "conditions": dict(t.conditions),
                    "is_active": t.is_active,
                }
                for t in self.triggers
            ],
            "actions": [
                {
                    "id": a.id,
                    "parent_action_id": a.parent_action_id,
                    "branch": a.branch,
                    "type": a.type,
                    "name": a.name,
                    "settings": dict(a.settings),
                    "position": a.position,
                }
                for a in self.actions
            ],
            "reentry": {
                "allow_reentry": self.reentry.allow_reentry,
                "max_enrolments": self.reentry.max_enrolments,
                "window_minutes": self.reentry.window_minutes,
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WorkflowDefinition:
        if data.get("format") != DEFINITION_FORMAT:
            raise ValueError(f"unknown workflow definition format {data.get('format')!r}")
        reentry = data.get("reentry") or {}
        return cls(
            workflow_id=str(data["workflow_id"]),
            version=int(data["version"]),
            name=str(data.get("name", "")),
            triggers=tuple(
                TriggerDef(
                    id=t["id"],
                    type=t["type"],
                    conditions=dict(t.get("conditions") or {}),
                    is_active=bool(t.get("is_active", True)),
                )
                for t in data.get("triggers", ())
            ),
            actions=tuple(
                ActionDef(
                    id=a["id"],
                    parent_action_id=a.get("parent_action_id"),
                    branch=a.get("branch"),
                    type=a["type"],
                    name=a.get("name", ""),
                    settings=dict(a.get("settings") or {}),
                    position=int(a.get("position", 0)),
                )
                for a in data.get("actions", ())
            ),
            reentry=ReentryPolicy(
                allow_reentry=bool(reentry.get("allow_reentry", False)),
                max_enrolments=int(reentry.get("max_enrolments", 3)),
                window_minutes=int(reentry.get("window_minutes", 60)),
            ),
        )


def load_published(
    uow: UnitOfWork, workflow_id: str, version: int | None = None
) -> WorkflowDefinition:
    """The snapshot of ``version`` (an execution's pinned version), or of the version new
    enrolments use when ``version`` is None. Raises NotFound when the workflow is not published
    (and no version is asked for) or the version does not exist in this sub-account."""
    if version is None:
        workflow = uow.session.get(Workflow, workflow_id)
        if workflow is None or workflow.published_version is None:
            raise NotFound("published workflow", workflow_id)
        version = workflow.published_version
    row = uow.session.scalar(
        select(WorkflowVersion).where(
            WorkflowVersion.workflow_id == workflow_id, WorkflowVersion.version == version
        )
    )
    if row is None:
        raise NotFound("workflow version", f"{workflow_id} v{version}")
    return WorkflowDefinition.from_json(row.definition)
