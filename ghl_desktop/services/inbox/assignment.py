"""Who answers a thread: manual assignment, and rules that assign new inbound threads.

Rules are tried by position; the first whose conditions all match (channel type, a tag of the
contact, a keyword in the first message; a rule without conditions matches every thread)
assigns its next user in turn (round-robin). Users who can no longer work in the sub-account
are skipped. A thread no rule claims stays in the unassigned queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.conversations import AssignmentRule, ChannelType, Conversation
from ghl_desktop.models.crm import Contact, ContactTag, Tag
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.crm_common import assignable_users, check_assignee
from ghl_desktop.services.inbox.channels import channel_type
from ghl_desktop.services.inbox.events import ConversationAssigned
from ghl_desktop.services.inbox.threads import load_conversation
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

MAX_KEYWORD = 100


@dataclass(frozen=True)
class RuleInfo:
    id: str
    name: str
    position: int
    channel_type: str | None
    tag_id: str | None
    keyword: str | None
    user_ids: tuple[str, ...]
    is_active: bool

    @classmethod
    def of(cls, rule: AssignmentRule) -> RuleInfo:
        return cls(
            rule.id, rule.name, rule.position, rule.channel_type, rule.tag_id, rule.keyword,
            tuple(rule.user_ids or ()), rule.is_active,
        )  # fmt: skip


def set_assignee(
    uow: UnitOfWork, conversation: Conversation, user_id: str | None, rule_id: str | None = None
) -> None:
    if conversation.assigned_user_id == user_id:
        return
    conversation.assigned_user_id = user_id
    conversation.updated_at = uow.clock.now()
    uow.record(
        ConversationAssigned(
            sub_account_id=uow.sub_account_id, conversation_id=conversation.id,
            assigned_user_id=user_id, rule_id=rule_id,
        )
    )  # fmt: skip


def assign(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, conversation_id: str,
    user_id: str | None,
) -> None:  # fmt: skip
    """Assign a thread to a user (None: back to the unassigned queue)."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("conversations.reply")
        check_assignee(uow, user_id)
        set_assignee(uow, load_conversation(uow, conversation_id), user_id)
        uow.commit()


def _matches(
    uow: UnitOfWork, rule: AssignmentRule, contact: Contact, kind: ChannelType, body: str
) -> bool:
    if rule.channel_type and rule.channel_type != kind.value:
        return False
    if rule.keyword and rule.keyword.casefold() not in (body or "").casefold():
        return False
    if rule.tag_id:
        has_tag = uow.session.scalar(
            select(ContactTag.tag_id).where(
                ContactTag.contact_id == contact.id, ContactTag.tag_id == rule.tag_id
            )
        )
        if has_tag is None:
            return False
    return True


# A batch of inbound messages (``ingest_batch``) puts a dict here: its new threads share one
# read of the rules (their round-robin position moves in memory and is flushed with the batch).
RULES_CACHE = "inbox.assignment_rules"


def _active_rules(uow: UnitOfWork) -> list[AssignmentRule]:
    cache: dict[str, list[AssignmentRule]] | None = uow.session.info.get(RULES_CACHE)
    if cache is not None and "rules" in cache:
        return cache["rules"]
    rules = list(
        uow.session.scalars(
            select(AssignmentRule)
            .where(AssignmentRule.is_active.is_(True))
            .order_by(AssignmentRule.position, AssignmentRule.created_at)
            .with_for_update()
        )
    )
    if cache is not None:
        cache["rules"] = rules
    return rules


def auto_assign(
    uow: UnitOfWork, conversation: Conversation, contact: Contact, kind: ChannelType, body: str
) -> str | None:
    """Apply the first matching rule to a new thread; returns the user assigned (or None)."""
    if conversation.assigned_user_id is not None:
        return conversation.assigned_user_id
    rules = _active_rules(uow)
    allowed: set[str] | None = None
    for rule in rules:
        users = list(rule.user_ids or ())
        if not users or not _matches(uow, rule, contact, kind, body):
            continue
        if allowed is None:
            allowed = set(assignable_users(uow))
        for step in range(len(users)):
            index = (rule.next_index + step) % len(users)
            if users[index] in allowed:
                rule.next_index = (index + 1) % len(users)
                set_assignee(uow, conversation, users[index], rule.id)
                return users[index]
    return None


# -- rule administration --------------------------------------------------------------------
def _validate(
    uow: UnitOfWork, name: str, channel: str | None, tag_id: str | None, keyword: str | None,
    user_ids: Sequence[str],
) -> tuple[str, str | None, str | None, str | None, list[str]]:  # fmt: skip
    label = (name or "").strip()
    if not label:
        raise ValidationError("name", "must not be empty")
    kind = channel_type(channel).value if channel else None
    if tag_id and uow.session.scalar(select(Tag.id).where(Tag.id == tag_id)) is None:
        raise ValidationError("tag_id", f"no tag {tag_id} in this sub-account")
    word = (keyword or "").strip() or None
    if word is not None and len(word) > MAX_KEYWORD:
        raise ValidationError("keyword", f"at most {MAX_KEYWORD} characters")
    users = list(dict.fromkeys(user_ids))
    if not users:
        raise ValidationError("user_ids", "choose at least one user")
    for user_id in users:
        check_assignee(uow, user_id, "user_ids")
    return label[:200], kind, tag_id or None, word, users


def create_rule(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, *, name: str,
    user_ids: Sequence[str], channel: str | None = None, tag_id: str | None = None,
    keyword: str | None = None, position: int | None = None,
) -> RuleInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("settings.manage")
        label, kind, tag, word, users = _validate(uow, name, channel, tag_id, keyword, user_ids)
        if position is None:
            last = uow.session.scalar(
                select(AssignmentRule.position).order_by(AssignmentRule.position.desc()).limit(1)
            )
            position = 0 if last is None else last + 1
        now = uow.clock.now()
        rule = AssignmentRule(
            name=label, position=position, channel_type=kind, tag_id=tag, keyword=word,
            user_ids=users, next_index=0, is_active=True, created_at=now, updated_at=now,
        )  # fmt: skip
        uow.session.add(rule)
        uow.flush()
        info = RuleInfo.of(rule)
        uow.commit()
        return info


def list_rules(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> list[RuleInfo]:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("conversations.read")
        rows = uow.session.scalars(
            select(AssignmentRule).order_by(AssignmentRule.position, AssignmentRule.created_at)
        )
        return [RuleInfo.of(r) for r in rows]


def delete_rule(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, rule_id: str) -> None:
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("settings.manage")
        rule = uow.session.scalar(select(AssignmentRule).where(AssignmentRule.id == rule_id))
        if rule is None:
            raise NotFound("assignment rule", rule_id)
        uow.session.delete(rule)
        uow.commit()
