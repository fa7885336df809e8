"""AI agents: their configuration, knowledge bases and training entries, which conversations
they answer, and a log of every answer they gave.

Embeddings of training entries are not columns here: migration 0004 stores them in
``training_data_vec`` (sqlite-vec ``vec0`` on SQLite, a ``vector``/``bytea`` table on
PostgreSQL), read and written by ``services.vector_store``.

On delete:

* agent -> knowledge bases -> training data: CASCADE (pure children; agents and knowledge
  bases are soft-deleted in the product).
* agent -> conversation AI configs and logs: CASCADE; conversation -> config and logs: CASCADE
  (the messages the agent sent stay in ``messages``); message -> log: SET NULL.
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ghl_desktop.models.base import (
    Base,
    IdMixin,
    JSONType,
    SoftDeleteMixin,
    TenantMixin,
    TimestampMixin,
    enum_column_type,
)

# wordllama's embedding size, the embedded default embedder (see ARCHITECTURE.md).
EMBEDDING_DIM = 256


class KnowledgeSource(enum.StrEnum):
    MANUAL = "manual"
    WEBSITE = "website"
    DOCUMENT = "document"
    CONVERSATIONS = "conversations"  # learnt from helpful answers in the logs


class TrainingKind(enum.StrEnum):
    QA = "qa"
    CONTENT = "content"


class AiAgent(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """An assistant that answers contacts.

    ``personality``: ``{"tone": "friendly", "style": "concise", "emoji_usage": "minimal"}``;
    ``capabilities``: e.g. ``["answer_faq", "book_appointments", "escalate_to_human"]``;
    ``enabled_channels``: channel types it may answer on (``["sms", "webchat"]``).
    """

    __tablename__ = "ai_agents"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("temperature >= 0 AND temperature <= 2", name="temperature_range"),
        CheckConstraint("max_tokens >= 1", name="max_tokens_positive"),
        Index("ix_ai_agents_sub_account_name", "sub_account_id", "is_active", "name"),
    )

    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(100))
    temperature: Mapped[float] = mapped_column(Float, default=0.7)
    max_tokens: Mapped[int] = mapped_column(Integer, default=1024)
    system_prompt: Mapped[str] = mapped_column(Text, default="")
    personality: Mapped[dict[str, Any]] = mapped_column(default=dict)
    capabilities: Mapped[list[str]] = mapped_column(JSONType, default=list)
    enabled_channels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Below this confidence the agent hands the conversation to a person.
    handoff_threshold: Mapped[float] = mapped_column(Float, default=0.5)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class KnowledgeBase(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    __tablename__ = "knowledge_bases"
    __audited__ = True
    __table_args__ = (
        Index("ix_knowledge_bases_sub_account_agent", "sub_account_id", "ai_agent_id", "name"),
    )

    ai_agent_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("ai_agents.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source_type: Mapped[KnowledgeSource] = mapped_column(
        enum_column_type(KnowledgeSource), default=KnowledgeSource.MANUAL
    )


class TrainingData(IdMixin, TimestampMixin, TenantMixin, Base):
    """One retrievable entry: a question with its answer, or a passage of content.

    ``content_hash`` (sha256 of the embedded text) deduplicates entries within a knowledge
    base and tells the embedder what changed; ``embedding_model`` names the model whose
    vector is stored (NULL: not embedded yet).
    """

    __tablename__ = "training_data"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(
            "(kind = 'qa' AND question IS NOT NULL AND answer IS NOT NULL)"
            " OR (kind = 'content' AND content IS NOT NULL)",
            name="kind_has_text",
        ),
        UniqueConstraint("knowledge_base_id", "content_hash"),
        Index("ix_training_data_sub_account_kb", "sub_account_id", "knowledge_base_id", "category"),
        # The embedder's queue: entries without a vector from the current model.
        Index(
            "ix_training_data_sub_account_embedding",
            "sub_account_id",
            "embedding_model",
        ),
    )

    knowledge_base_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("knowledge_bases.id", ondelete="CASCADE")
    )
    kind: Mapped[TrainingKind] = mapped_column(enum_column_type(TrainingKind))
    question: Mapped[str | None] = mapped_column(Text, default=None)
    answer: Mapped[str | None] = mapped_column(Text, default=None)
    content: Mapped[str | None] = mapped_column(Text, default=None)
    category: Mapped[str] = mapped_column(String(100), default="")
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    embedding_model: Mapped[str | None] = mapped_column(String(100), default=None)


class AiConversationLog(IdMixin, TimestampMixin, TenantMixin, Base):
    """One answer an agent produced: what it read, what it said, how sure it was, what it cost,
    and whether it handed the conversation to a person."""

    __tablename__ = "ai_conversation_logs"
    __table_args__ = (
        CheckConstraint(
            "confidence IS NULL OR (confidence >= 0 AND confidence <= 1)", name="confidence_range"
        ),
        CheckConstraint(
            "prompt_tokens >= 0 AND completion_tokens >= 0", name="tokens_not_negative"
        ),
        CheckConstraint("is_handoff OR handoff_reason IS NULL", name="reason_only_on_handoff"),
        Index(
            "ix_ai_conversation_logs_sub_account_agent",
            "sub_account_id",
            "ai_agent_id",
            "created_at",
        ),
        Index(
            "ix_ai_conversation_logs_sub_account_conversation",
            "sub_account_id",
            "conversation_id",
            "created_at",
        ),
    )

    ai_agent_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("ai_agents.id", ondelete="CASCADE")
    )
    conversation_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("conversations.id", ondelete="CASCADE")
    )
    message_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("messages.id", ondelete="SET NULL"), default=None
    )
    input: Mapped[str] = mapped_column(Text)
    response: Mapped[str] = mapped_column(Text, default="")
    # {"history": [...], "retrieved": [{"training_data_id", "distance"}...]}
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model: Mapped[str] = mapped_column(String(100), default="")
    confidence: Mapped[float | None] = mapped_column(Float, default=None)
    was_helpful: Mapped[bool | None] = mapped_column(Boolean, default=None)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    is_handoff: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff_reason: Mapped[str | None] = mapped_column(String(500), default=None)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ConversationAiConfig(IdMixin, TimestampMixin, TenantMixin, Base):
    """Which agent answers a conversation (at most one), and whether it currently does."""

    __tablename__ = "conversation_ai_configs"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("conversation_id"),
        CheckConstraint("messages_handled >= 0", name="messages_handled_not_negative"),
        CheckConstraint(
            "satisfaction_score IS NULL OR (satisfaction_score >= 1 AND satisfaction_score <= 5)",
            name="satisfaction_range",
        ),
        Index("ix_conversation_ai_configs_sub_account_agent", "sub_account_id", "ai_agent_id"),
    )

    conversation_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("conversations.id", ondelete="CASCADE")
    )
    ai_agent_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("ai_agents.id", ondelete="CASCADE")
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    messages_handled: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_score: Mapped[float | None] = mapped_column(Float, default=None)
