"""Plain functions the CRM screens run on reader threads: each gathers what one part of a screen
shows from the services, in one background read."""

from __future__ import annotations

from dataclasses import dataclass

from ghl_desktop.services import custom_field_definitions, tags, users
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.smart_lists import service as smart_lists
from ghl_desktop.services.smart_lists.service import SmartListInfo
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.ui.screens.contacts.lookups import CrmLookups, TagChoice, UserChoice


def load_lookups(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> CrmLookups:
    found = tags.list_tags(uows, actor, sub_account_id)
    return CrmLookups(
        tags=tuple(TagChoice(t.id, t.name, t.colour, t.contact_count) for t in found),
        fields=tuple(custom_field_definitions.list_custom_fields(uows, actor, sub_account_id)),
        users=tuple(
            UserChoice(u.id, u.full_name or u.email)
            for u in users.list_sub_account_users(uows, actor, sub_account_id)
        ),
    )


@dataclass(frozen=True)
class SmartListState:
    lists: tuple[SmartListInfo, ...]
    counts: dict[str, int]


def load_smart_lists(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> SmartListState:
    """The visible smart lists and their counts ("All contacts" is counted by the list
    itself: counting a million contacts twice would only slow the first paint)."""
    return SmartListState(
        tuple(smart_lists.list_smart_lists(uows, actor, sub_account_id)),
        smart_lists.smart_list_counts(uows, actor, sub_account_id),
    )
