"""The AI hand-off hook: an inbound message on a conversation whose AI config is active is
handed to the conversation's agent.

AI agents do not answer yet, so the default hook does nothing; it exists so the inbox already
honours ``conversation_ai_configs.is_active`` and the AI agents capability only has to
``set_hook`` its answerer. The hook runs inside the inbound message's unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from ghl_desktop.models.ai import ConversationAiConfig
from ghl_desktop.services.uow import UnitOfWork


@dataclass(frozen=True)
class AiHandoff:
    sub_account_id: str
    conversation_id: str
    message_id: str
    ai_agent_id: str


Hook = Callable[[UnitOfWork, AiHandoff], None]


def _no_answer_yet(_uow: UnitOfWork, _handoff: AiHandoff) -> None:
    """AI agents are not built yet: the message waits for a person."""


_hook: Hook = _no_answer_yet


def set_hook(hook: Hook | None) -> None:
    """Install the AI answerer (None restores the no-op)."""
    global _hook
    _hook = hook or _no_answer_yet


def on_inbound(uow: UnitOfWork, conversation_id: str, message_id: str) -> bool:
    """Call the hook when the conversation has an active AI config; True when it was called."""
    # Most sub-accounts have no AI agent answering: asked once per unit of work (a batch).
    any_active = uow.session.info.get("inbox.ai_active")
    if any_active is None:
        any_active = uow.session.info["inbox.ai_active"] = (
            uow.session.scalar(
                select(ConversationAiConfig.id).where(ConversationAiConfig.is_active).limit(1)
            )
            is not None
        )
    if not any_active:
        return False
    config = uow.session.scalar(
        select(ConversationAiConfig).where(ConversationAiConfig.conversation_id == conversation_id)
    )
    if config is None or not config.is_active:
        return False
    _hook(uow, AiHandoff(uow.sub_account_id, conversation_id, message_id, config.ai_agent_id))
    return True
