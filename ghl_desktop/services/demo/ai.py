"""Demo AI (Location A): the "Customer Support Bot" with the description's personality,
capabilities and channels, its "Product Documentation" knowledge base (the password-reset
answer and the pricing passage among a few restaurant FAQs), and a webchat conversation it
handles - one confident answer and one hand-off to a person.

Embeddings are not stored: ``services.vector_store`` keeps vectors but has no way to compute
them, so the entries wait (``embedding_model`` NULL) for the embedder to pick them up.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from ghl_desktop.core.ids import new_id
from ghl_desktop.models.ai import (
    AiAgent,
    AiConversationLog,
    ConversationAiConfig,
    KnowledgeBase,
    KnowledgeSource,
    TrainingData,
    TrainingKind,
)
from ghl_desktop.models.conversations import (
    Channel,
    ChannelType,
    Conversation,
    ConversationStatus,
    Message,
    MessageDirection,
    MessageStatus,
    SenderType,
)
from ghl_desktop.services.demo.common import Location, exists, featured_contact, seed_locations
from ghl_desktop.services.demo.context import DemoContext
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

AGENT_NAME = "Customer Support Bot"
KNOWLEDGE_BASE = "Product Documentation"
MODEL = "gpt-4-turbo"
RESET_QUESTION = "How do I reset my password?"
RESET_ANSWER = (
    "Click 'Forgot Password' on the login page, enter your account's email address and follow "
    "the link we send you to choose a new password. The link is valid for one hour."
)
PRICING = (
    "Our pricing starts at $29/month for the SaaS Platform, or $290/year (two months free) "
    "with a 14-day free trial. Extra users are $5 per user per month."
)
SYSTEM_PROMPT = (
    "You are a helpful customer support agent for Restaurant Location A. Answer from the "
    "knowledge base, keep replies short and friendly, and hand the conversation to a person "
    "when you are not sure or the customer asks for one."
)
# (kind, question or None, answer or content, category, tags)
ENTRIES = (
    (TrainingKind.QA, RESET_QUESTION, RESET_ANSWER, "Account Management",
     ["password", "login", "security"]),
    (TrainingKind.CONTENT, None, PRICING, "Pricing", ["pricing", "plans"]),
    (TrainingKind.QA, "What are your opening hours?",
     "Monday to Saturday 11am-10pm, Sunday 10am-9pm with brunch until 3pm.", "Restaurant",
     ["hours"]),
    (TrainingKind.QA, "Can I book the private dining room?",
     "Yes - it seats up to 20 guests. Book online or ask us here and we'll send the set menus.",
     "Reservations", ["private dining", "events"]),
    (TrainingKind.QA, "Do you offer catering?",
     "We cater office lunches and events from 10 people, starting at $18 per person.",
     "Catering", ["catering"]),
)  # fmt: skip


def embedded_text(kind: TrainingKind, question: str | None, text: str) -> str:
    """What an entry's embedding is computed from (its ``content_hash`` is this text's)."""
    return f"{question}\n{text}" if kind is TrainingKind.QA else text


def _knowledge(uow: UnitOfWork, agent: AiAgent) -> dict[str, TrainingData]:
    kb = KnowledgeBase(
        id=new_id(), ai_agent_id=agent.id, name=KNOWLEDGE_BASE, source_type=KnowledgeSource.MANUAL,
        description="Answers about the product, pricing and the restaurant",
    )  # fmt: skip
    uow.session.add(kb)
    uow.session.flush()
    entries = {}
    for kind, question, text, category, tags in ENTRIES:
        qa = kind is TrainingKind.QA
        entries[question or text] = TrainingData(
            id=new_id(), knowledge_base_id=kb.id, kind=kind, question=question,
            answer=text if qa else None, content=None if qa else text, category=category,
            tags=tags,
            content_hash=hashlib.sha256(embedded_text(kind, question, text).encode()).hexdigest(),
        )  # fmt: skip
    uow.session.add_all(entries.values())
    return entries


def _build(uow: UnitOfWork, location: Location) -> None:
    uow.require("ai.manage")
    now = uow.clock.now().replace(microsecond=0)
    agent = AiAgent(
        id=new_id(), name=AGENT_NAME, model=MODEL, temperature=0.7, max_tokens=2000,
        system_prompt=SYSTEM_PROMPT,
        personality={"tone": "friendly", "style": "concise", "emoji_usage": "minimal"},
        capabilities=["answer_faq", "book_appointments", "qualify_leads", "escalate_to_human"],
        enabled_channels=["sms", "webchat", "whatsapp"], handoff_threshold=0.5,
    )  # fmt: skip
    uow.session.add(agent)
    uow.session.flush()
    reset_entry = _knowledge(uow, agent)[RESET_QUESTION]

    channel = uow.session.scalar(select(Channel).where(Channel.type == ChannelType.WEBCHAT))
    assert channel is not None, "the conversations step creates the webchat channel"
    john = featured_contact(uow)
    start = now - timedelta(days=2, hours=3)
    conversation = Conversation(
        id=new_id(), channel_id=channel.id, contact_id=john.id,
        assigned_user_id=location.manager_id, status=ConversationStatus.OPEN,
        created_at=start, updated_at=start,
    )  # fmt: skip
    uow.session.add(conversation)
    uow.session.flush()

    def message(offset: int, direction: MessageDirection, sender: SenderType, body: str) -> Message:
        at = start + timedelta(seconds=offset)
        row = Message(
            id=new_id(), conversation_id=conversation.id, channel_id=channel.id,
            direction=direction, sender_type=sender,
            sender_id=john.id if sender is SenderType.CONTACT else None, body=body,
            status=MessageStatus.READ, sent_at=at, delivered_at=at, read_at=at,
            created_at=at, updated_at=at,
        )  # fmt: skip
        uow.session.add(row)
        return row

    inbound, outbound = MessageDirection.INBOUND, MessageDirection.OUTBOUND
    asked = message(0, inbound, SenderType.CONTACT, "How do I reset password?")
    answered = message(4, outbound, SenderType.BOT, RESET_ANSWER)
    upset = message(600, inbound, SenderType.CONTACT, "I was charged twice this month, can a "
                    "person look at my bill?")  # fmt: skip
    handed = message(603, outbound, SenderType.BOT, "I'm passing you to our team - John will "
                     "reply here shortly.")  # fmt: skip
    conversation.last_message_at = handed.created_at
    conversation.last_message_preview = handed.body
    uow.session.add(
        ConversationAiConfig(
            conversation_id=conversation.id, ai_agent_id=agent.id, is_active=False,
            messages_handled=14, satisfaction_score=4.5,
        )
    )  # fmt: skip
    uow.session.flush()
    uow.session.add_all([
        AiConversationLog(
            ai_agent_id=agent.id, conversation_id=conversation.id, message_id=answered.id,
            input=asked.body, response=answered.body, model=MODEL, confidence=0.92,
            was_helpful=True, prompt_tokens=234, completion_tokens=67,
            context={"history": [], "retrieved": [
                {"training_data_id": reset_entry.id, "distance": 0.08}]},
            created_at=answered.created_at, updated_at=answered.created_at,
        ),
        AiConversationLog(
            ai_agent_id=agent.id, conversation_id=conversation.id, message_id=handed.id,
            input=upset.body, response=handed.body, model=MODEL, confidence=0.31,
            prompt_tokens=412, completion_tokens=24, is_handoff=True,
            handoff_reason="Low confidence", context={"history": [asked.body, answered.body]},
            created_at=handed.created_at, updated_at=handed.created_at,
        ),
    ])  # fmt: skip


def seed_ai(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    seed_locations(
        uows,
        ctx,
        lambda uow: exists(uow, select(AiAgent.id).where(AiAgent.name == AGENT_NAME)),
        _build,
        main_only=True,
    )
