"""What the opportunity screens need besides the deals themselves, loaded in one background
read: the pipelines with their stages, the users deals can be owned by, the opportunity
custom fields."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ghl_desktop.core.money import Money, currency_exponent
from ghl_desktop.services import users
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.custom_field_definitions import CustomFieldInfo
from ghl_desktop.services.pipelines import fields
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


@dataclass(frozen=True)
class People:
    users: tuple[UserChoice, ...]
    fields: tuple[CustomFieldInfo, ...]


def load_people(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> People:
    """The owners to pick from and the opportunity fields (read after the board shows)."""
    return People(
        tuple(
            UserChoice(u.id, u.full_name or u.email)
            for u in users.list_sub_account_users(uows, actor, sub_account_id)
        ),
        tuple(fields.list_opportunity_fields(uows, actor, sub_account_id)),
    )


@lru_cache(maxsize=32)
def _pattern(currency: str) -> tuple[str, str, int]:
    """(text before the number, text after it, decimal places) of a currency, taken from
    ``Money.format`` once: boards format thousands of amounts."""
    sample = Money(0, currency).format()
    digits = sample.index("0")
    end = len(sample) - sample[::-1].index("0")
    return sample[:digits], sample[end:], currency_exponent(currency)


def money(minor: int, currency: str) -> str:
    """The same text as ``Money(minor, currency).format()``, without building a Money."""
    before, after, places = _pattern(currency)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**places)
    number = f"{whole:,}.{fraction:0{places}d}" if places else f"{whole:,}"
    return f"{sign}{before}{number}{after}"


def short_money(minor: int, currency: str) -> str:
    """$2.3M, $456K, $999 - for column headers and chart labels."""
    whole = Money(minor, currency).as_decimal()
    symbol = Money(0, currency).format().rstrip("0.,").strip() or currency
    for limit, suffix in ((1_000_000, "M"), (1_000, "K")):
        if abs(whole) >= limit:
            return f"{symbol}{whole / limit:,.1f}{suffix}".replace(".0" + suffix, suffix)
    return f"{symbol}{whole:,.0f}"
