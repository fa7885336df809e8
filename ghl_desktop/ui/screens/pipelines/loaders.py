"""What the opportunity screens need besides the deals themselves, loaded in one background
read: the pipelines with their stages, the users deals can be owned by, the opportunity
custom fields."""

from __future__ import annotations

from dataclasses import dataclass

from ghl_desktop.core.money import Money
from ghl_desktop.services import users
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.custom_field_definitions import CustomFieldInfo
from ghl_desktop.services.pipelines import fields, structure
from ghl_desktop.services.pipelines.structure import PipelineInfo, StageInfo
from ghl_desktop.services.uow import UnitOfWorkFactory
from ghl_desktop.ui.screens.contacts.lookups import UserChoice


@dataclass(frozen=True)
class PipelineLookups:
    pipelines: tuple[PipelineInfo, ...] = ()
    users: tuple[UserChoice, ...] = ()
    fields: tuple[CustomFieldInfo, ...] = ()
    currency: str = "USD"

    def pipeline(self, pipeline_id: str | None) -> PipelineInfo | None:
        found = next((p for p in self.pipelines if p.id == pipeline_id), None)
        return found or (self.pipelines[0] if self.pipelines else None)

    def stage(self, stage_id: str) -> StageInfo | None:
        return next((s for p in self.pipelines for s in p.stages if s.id == stage_id), None)

    def user_label(self, user_id: str | None) -> str:
        return next((u.label for u in self.users if u.id == user_id), "") if user_id else ""


EMPTY = PipelineLookups()


def load_lookups(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, currency: str
) -> PipelineLookups:
    return PipelineLookups(
        tuple(structure.list_pipelines(uows, actor, sub_account_id)),
        tuple(
            UserChoice(u.id, u.full_name or u.email)
            for u in users.list_sub_account_users(uows, actor, sub_account_id)
        ),
        tuple(fields.list_opportunity_fields(uows, actor, sub_account_id)),
        currency,
    )


def money(minor: int, currency: str) -> str:
    return Money(minor, currency).format()


def short_money(minor: int, currency: str) -> str:
    """$2.3M, $456K, $999 - for column headers and chart labels."""
    whole = Money(minor, currency).as_decimal()
    symbol = Money(0, currency).format().rstrip("0.,").strip() or currency
    for limit, suffix in ((1_000_000, "M"), (1_000, "K")):
        if abs(whole) >= limit:
            return f"{symbol}{whole / limit:,.1f}{suffix}".replace(".0" + suffix, suffix)
    return f"{symbol}{whole:,.0f}"
