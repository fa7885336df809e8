"""AI tables and the training-data vector store on SQLite (sqlite-vec) and PostgreSQL (the
bytea + numpy fallback: pgvector is not installed here)."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest
from sqlalchemy import exc, text

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.ai import (
    EMBEDDING_DIM,
    AiAgent,
    AiConversationLog,
    ConversationAiConfig,
    KnowledgeBase,
    TrainingData,
    TrainingKind,
)
from ghl_desktop.models.conversations import Conversation, Message
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.vector_store import VectorLayout, VectorStore, vector_layout
from tests.conftest import make_tenant
from tests.integration.model_builders import (
    add,
    channel,
    contact,
    conversation,
    count,
    message,
    purge,
    tenant_uow,
)


def agent(uow: UnitOfWork, **kw: Any) -> AiAgent:
    kw.setdefault("name", "Support bot")
    kw.setdefault("model", "gpt-4o-mini")
    return add(uow, AiAgent(**kw))


def knowledge_base(uow: UnitOfWork, a: AiAgent, name: str = "Docs") -> KnowledgeBase:
    return add(uow, KnowledgeBase(ai_agent_id=a.id, name=name))


def entry(uow: UnitOfWork, kb: KnowledgeBase, content: str, **kw: Any) -> TrainingData:
    kw.setdefault("kind", TrainingKind.CONTENT)
    return add(
        uow,
        TrainingData(
            knowledge_base_id=kb.id,
            content=content,
            content_hash=hashlib.sha256(content.encode()).hexdigest(),
            **kw,
        ),
    )


def vectors(count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((count, EMBEDDING_DIM)).astype(np.float32)


def reference_ranking(matrix: np.ndarray, query: np.ndarray) -> list[int]:
    unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    return list(np.argsort(1 - unit @ (query / np.linalg.norm(query)), kind="stable"))


# -- relations -------------------------------------------------------------------------------
def test_purging_an_agent_cascades_to_its_knowledge_configs_and_logs(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        a = agent(uow, capabilities=["answer_faq"], enabled_channels=["sms", "webchat"])
        kb = knowledge_base(uow, a)
        doc = entry(uow, kb, "Our pricing starts at $29/month")
        VectorStore(uow.session, t.sub_account_id).put(doc.id, vectors(1, 1)[0])
        conv = conversation(uow, channel(uow), contact(uow))
        add(uow, ConversationAiConfig(conversation_id=conv.id, ai_agent_id=a.id))
        add(uow, AiConversationLog(ai_agent_id=a.id, conversation_id=conv.id, input="cost?"))
        uow.commit()
    purge(any_runtime, t, AiAgent, a.id)
    with tenant_uow(any_runtime, t) as uow:
        for model in (KnowledgeBase, TrainingData, ConversationAiConfig, AiConversationLog):
            assert count(uow, model) == 0, model
        assert count(uow, Conversation) == 1
        # The vector went with its entry (a trigger on SQLite, a foreign key on PostgreSQL).
        left = uow.session.execute(text("SELECT COUNT(*) FROM training_data_vec")).scalar()
        assert left == 0


def test_message_purge_keeps_the_log_and_conversation_purge_removes_it(
    any_runtime: Runtime,
) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        a = agent(uow)
        conv = conversation(uow, channel(uow), contact(uow))
        reply = message(uow, conv)
        log = add(
            uow,
            AiConversationLog(
                ai_agent_id=a.id, conversation_id=conv.id, message_id=reply.id,
                input="reset password?", response="Click 'Forgot password'", confidence=0.92,
                prompt_tokens=234, completion_tokens=67,
            ),
        )  # fmt: skip
        add(uow, ConversationAiConfig(conversation_id=conv.id, ai_agent_id=a.id))
        uow.commit()
    assert log.total_tokens == 301
    purge(any_runtime, t, Message, reply.id)
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.get(AiConversationLog, log.id)
        assert stored is not None
        assert (stored.message_id, stored.response) == (None, "Click 'Forgot password'")
    purge(any_runtime, t, Conversation, conv.id)
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, AiConversationLog) == 0
        assert count(uow, ConversationAiConfig) == 0
        assert count(uow, AiAgent) == 1


def test_one_ai_config_per_conversation(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        a, b = agent(uow), agent(uow, name="Sales bot")
        conv = conversation(uow, channel(uow), contact(uow))
        add(uow, ConversationAiConfig(conversation_id=conv.id, ai_agent_id=a.id))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        add(uow, ConversationAiConfig(conversation_id=conv.id, ai_agent_id=b.id))


def test_duplicate_training_content_is_refused_within_a_knowledge_base(
    any_runtime: Runtime,
) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        a = agent(uow)
        first, second = knowledge_base(uow, a), knowledge_base(uow, a, "Other")
        entry(uow, first, "same text")
        entry(uow, second, "same text")
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        entry(uow, first, "same text")


@pytest.mark.parametrize(
    ("table", "assignment"),
    [
        ("ai_agents", "temperature = 2.5"),
        ("ai_agents", "temperature = -0.1"),
        ("ai_agents", "max_tokens = 0"),
        ("training_data", "kind = 'image'"),
        ("training_data", "kind = 'qa'"),  # a Q&A entry needs question and answer
        ("training_data", "content = NULL"),
        ("knowledge_bases", "source_type = 'email'"),
        ("ai_conversation_logs", "confidence = 1.5"),
        ("ai_conversation_logs", "prompt_tokens = -1"),
        ("ai_conversation_logs", "handoff_reason = 'Low confidence'"),  # without is_handoff
        ("conversation_ai_configs", "satisfaction_score = 6"),
        ("conversation_ai_configs", "messages_handled = -1"),
    ],
)
def test_checks_hold_below_the_orm(any_runtime: Runtime, table: str, assignment: str) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        a = agent(uow, temperature=2.0)
        entry(uow, knowledge_base(uow, a), "text")
        conv = conversation(uow, channel(uow), contact(uow))
        add(uow, AiConversationLog(ai_agent_id=a.id, conversation_id=conv.id, input="hi"))
        add(uow, ConversationAiConfig(conversation_id=conv.id, ai_agent_id=a.id))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        uow.session.execute(text(f"UPDATE {table} SET {assignment}"))


# -- vector store ----------------------------------------------------------------------------
def test_vector_layout_per_dialect(any_runtime: Runtime) -> None:
    expected = (
        VectorLayout.SQLITE_VEC if any_runtime.database.is_sqlite else VectorLayout.BYTEA
    )  # pgvector is not installed on these machines
    with any_runtime.database.writer.connect() as conn:
        assert vector_layout(conn) is expected


def test_search_returns_the_nearest_entries_of_one_knowledge_base(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    docs_vectors, other_vectors = vectors(40, seed=7), vectors(10, seed=8)
    with tenant_uow(any_runtime, t) as uow:
        a = agent(uow)
        docs, other = knowledge_base(uow, a), knowledge_base(uow, a, "Other")
        store = VectorStore(uow.session, t.sub_account_id)
        doc_ids = [entry(uow, docs, f"doc {i}").id for i in range(len(docs_vectors))]
        for doc_id, vec in zip(doc_ids, docs_vectors, strict=True):
            store.put(doc_id, vec)
        for i, vec in enumerate(other_vectors):
            store.put(entry(uow, other, f"other {i}").id, vec)
        uow.commit()

    query = docs_vectors[13] + 0.05 * vectors(1, seed=9)[0]
    with tenant_uow(
        any_runtime,
        t,
    ) as uow:
        hits = VectorStore(uow.session, t.sub_account_id).search_k(docs.id, query, k=5)
    assert hits[0].training_data_id == doc_ids[13]
    expected = [doc_ids[i] for i in reference_ranking(docs_vectors, query)[:5]]
    assert [h.training_data_id for h in hits] == expected
    unit = docs_vectors / np.linalg.norm(docs_vectors, axis=1, keepdims=True)
    reference = 1 - unit @ (query / np.linalg.norm(query))
    for hit in hits:
        assert hit.distance == pytest.approx(
            reference[doc_ids.index(hit.training_data_id)], abs=1e-4
        )
    assert [h.distance for h in hits] == sorted(h.distance for h in hits)

    # k larger than the knowledge base returns all of it, and nothing from the other one.
    with tenant_uow(any_runtime, t) as uow:
        everything = VectorStore(uow.session, t.sub_account_id).search_k(other.id, query, k=50)
    assert len(everything) == len(other_vectors)
    assert not {h.training_data_id for h in everything} & set(doc_ids)


def test_put_replaces_and_delete_removes(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    a_vec, b_vec = vectors(2, seed=3)
    with tenant_uow(any_runtime, t) as uow:
        kb = knowledge_base(uow, agent(uow))
        store = VectorStore(uow.session, t.sub_account_id)
        one, two = entry(uow, kb, "one"), entry(uow, kb, "two")
        store.put(one.id, a_vec)
        store.put(two.id, b_vec)
        store.put(one.id, b_vec)  # re-embedded: now identical to two
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        store = VectorStore(uow.session, t.sub_account_id)
        hits = store.search_k(kb.id, b_vec, k=2)
        assert {h.training_data_id for h in hits} == {one.id, two.id}
        assert all(h.distance == pytest.approx(0, abs=1e-5) for h in hits)
        assert store.delete(one.id) is True
        assert store.delete(one.id) is False
        assert (store.has(one.id), store.has(two.id)) == (False, True)
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        hits = VectorStore(uow.session, t.sub_account_id).search_k(kb.id, a_vec, k=5)
        assert [h.training_data_id for h in hits] == [two.id]


def test_store_is_bound_to_its_sub_account(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        kb = knowledge_base(uow, agent(uow))
        doc = entry(uow, kb, "private")
        VectorStore(uow.session, t.sub_account_id).put(doc.id, vectors(1, 1)[0])
        uow.commit()
    with tenant_uow(any_runtime, t, t.other_sub_account_id) as uow:
        foreign = VectorStore(uow.session, t.other_sub_account_id)
        with pytest.raises(NotFound):
            foreign.search_k(kb.id, vectors(1, 2)[0], k=3)
        with pytest.raises(NotFound):
            foreign.put(doc.id, vectors(1, 2)[0])
        with pytest.raises(NotFound):
            foreign.delete(doc.id)
    # A soft-deleted knowledge base is not searchable either.
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.get(KnowledgeBase, kb.id)
        assert stored is not None
        stored.deleted_at = any_runtime.clock.now()
        uow.flush()
        with pytest.raises(NotFound):
            VectorStore(uow.session, t.sub_account_id).search_k(kb.id, vectors(1, 2)[0], k=3)


@pytest.mark.parametrize(
    ("vector", "problem"),
    [
        (np.ones(EMBEDDING_DIM - 1), "dimensions"),
        (np.zeros(EMBEDDING_DIM), "all zeros"),
        (np.full(EMBEDDING_DIM, np.nan), "finite"),
        (["a"] * EMBEDDING_DIM, "numbers"),
    ],
)
def test_bad_vectors_are_refused(any_runtime: Runtime, vector: Any, problem: str) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        kb = knowledge_base(uow, agent(uow))
        doc = entry(uow, kb, "x")
        store = VectorStore(uow.session, t.sub_account_id)
        with pytest.raises(ValidationError, match=problem) as err:
            store.put(doc.id, vector)
        assert err.value.field == "vector"
        with pytest.raises(ValidationError, match=problem):
            store.search_k(kb.id, vector, k=1)
        with pytest.raises(ValidationError, match="k: must be at least 1"):
            store.search_k(kb.id, np.ones(EMBEDDING_DIM), k=0)
