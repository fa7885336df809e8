"""Demo pipelines: the default "Sales Pipeline" with the description's exact figures in
Location A (45/23/12/7/34 opportunities worth $234k/$567k/$389k/$456k/$2,345k per stage),
opportunity custom fields, and every opportunity's stage history."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.ids import new_id
from ghl_desktop.models.crm import Contact, LifecycleStage
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.models.pipelines import (
    Opportunity,
    OpportunityCustomField,
    OpportunityStageHistory,
    OpportunityStatus,
    Pipeline,
    PipelineStage,
    StageKind,
)
from ghl_desktop.services.demo.common import (
    CURRENCY,
    FEATURED_EMAIL,
    Location,
    contacts_of,
    demo_random,
    exists,
    pick,
    seed_locations,
    split_exact,
)
from ghl_desktop.services.demo.context import DemoContext
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

PIPELINE_NAME = "Sales Pipeline"
FEATURED_OPPORTUNITY = "Acme Corp — Annual catering contract"
# The featured deal's time in New Lead, Qualified and Proposal Sent (2 days, 1 day, 3 days).
FEATURED_DURATIONS = (172_800, 86_400, 259_200)
DOLLAR = 100  # minor units


@dataclass(frozen=True)
class StageSpec:
    name: str
    probability: int
    kind: StageKind
    colour: str
    count_a: int
    total_a_dollars: int
    count_b: int
    total_b_dollars: int


STAGES = (
    StageSpec("New Lead", 10, StageKind.OPEN, "#3498DB", 45, 234_000, 6, 18_000),
    StageSpec("Qualified", 25, StageKind.OPEN, "#9B59B6", 23, 567_000, 4, 36_000),
    StageSpec("Proposal Sent", 50, StageKind.OPEN, "#F1C40F", 12, 389_000, 3, 27_500),
    StageSpec("Negotiation", 75, StageKind.OPEN, "#E67E22", 7, 456_000, 2, 22_000),
    StageSpec("Closed Won", 100, StageKind.WON, "#27AE60", 34, 2_345_000, 5, 61_000),
)
OFFERINGS = (
    "Corporate catering contract", "Private dining package", "Annual events agreement",
    "Holiday party", "Weekly office lunches", "Product launch reception",
    "Rehearsal dinner", "Conference catering", "Team offsite dinner", "Gift card bulk order",
)  # fmt: skip
COMPETITORS = ("CompetitorCo", "TableMaster Catering", "Urban Feast Events", "Metro Bites")
DEAL_TYPES = ("New Business", "Upsell", "Renewal")
LOST_REASONS = ("Went with a competitor", "Budget cut", "No response after proposal",
                "Event cancelled", "Price too high")  # fmt: skip
# How many open deals per location ended lost and abandoned (they stay in their stage, as in
# the product: the outcome is the status, the stage is where the deal stopped).
LOST_A, ABANDONED_A, LOST_B = 9, 3, 2
_WON_STAGES = (LifecycleStage.CUSTOMER, LifecycleStage.EVANGELIST)


def _field_definitions() -> list[OpportunityCustomField]:
    return [
        OpportunityCustomField(
            key="deal_type", label="Deal Type", field_type=CustomFieldType.SELECT,
            options=list(DEAL_TYPES), position=0,
        ),
        OpportunityCustomField(
            key="competitor", label="Main Competitor", field_type=CustomFieldType.TEXT,
            position=1,
        ),
        OpportunityCustomField(
            key="decision_date", label="Decision Date", field_type=CustomFieldType.DATE,
            position=2,
        ),
    ]  # fmt: skip


def _durations(rng: random.Random, moves: int, age_seconds: int) -> list[int]:
    """Seconds spent in each stage left, fitting inside the deal's age."""
    spans = [rng.uniform(0.5, 12.0) * 86_400 for _ in range(moves)]
    budget = age_seconds * 0.9
    if spans and sum(spans) > budget:
        spans = [s * budget / sum(spans) for s in spans]
    return [int(s) for s in spans]


class _Builder:
    def __init__(self, uow: UnitOfWork, location: Location) -> None:
        self.uow = uow
        self.location = location
        self.rng = demo_random("pipelines", location)
        self.now = uow.clock.now().replace(microsecond=0)
        contacts = [c for c in contacts_of(uow) if c.email != FEATURED_EMAIL]
        self.won_pool = [c for c in contacts if c.lifecycle_stage in _WON_STAGES]
        self.open_pool = [c for c in contacts if c.lifecycle_stage not in _WON_STAGES]
        # Added after the opportunities are flushed: the flush orders inserts by
        # relationships, and these rows have none.
        self.history: list[OpportunityStageHistory] = []
        self.open_deals: list[Opportunity] = []

    def opportunity(
        self, pipeline: Pipeline, stages: list[PipelineStage], index: int, value: int,
        contact: Contact, durations: list[int], created: datetime, name: str | None = None,
    ) -> Opportunity:  # fmt: skip
        rng = self.rng
        stage = stages[index]
        entered = created + timedelta(seconds=sum(durations))
        won = stage.kind is StageKind.WON
        custom: dict[str, Any] = {"deal_type": rng.choices(DEAL_TYPES, weights=(6, 3, 1))[0]}
        if rng.random() < 0.5:
            custom["competitor"] = pick(rng, COMPETITORS)
        if not won and rng.random() < 0.6:
            custom["decision_date"] = (self.now + timedelta(days=rng.randint(7, 75))).date()
        opportunity = Opportunity(
            id=new_id(), contact_id=contact.id, pipeline_id=pipeline.id, stage_id=stage.id,
            name=name or f"{contact.company or contact.full_name} — {pick(rng, OFFERINGS)}",
            value_minor=value, currency=CURRENCY,
            owner_user_id=contact.assigned_user_id or rng.choice(self.location.team),
            source=contact.source,
            status=OpportunityStatus.WON if won else OpportunityStatus.OPEN,
            custom_fields=custom, stage_entered_at=entered, closed_at=entered if won else None,
            created_at=created, updated_at=entered,
        )  # fmt: skip
        self.uow.session.add(opportunity)
        self._history(opportunity, stages[: index + 1], durations, created)
        if not won and name is None:
            self.open_deals.append(opportunity)
        return opportunity

    def _close_some(self) -> None:
        """Some open deals were lost (with a reason) or abandoned, a few days after they
        entered their stage."""
        main = self.location.is_main
        chosen = self.rng.sample(self.open_deals, (LOST_A + ABANDONED_A) if main else LOST_B)
        for index, deal in enumerate(chosen):
            lost = index < (LOST_A if main else LOST_B)
            entered = deal.stage_entered_at or deal.created_at
            closed = min(entered + timedelta(days=self.rng.uniform(1, 10)), self.now)
            deal.status = OpportunityStatus.LOST if lost else OpportunityStatus.ABANDONED
            deal.lost_reason = pick(self.rng, LOST_REASONS) if lost else None
            deal.closed_at = closed
            deal.updated_at = max(deal.updated_at, closed)

    def _history(
        self, opportunity: Opportunity, path: list[PipelineStage], durations: list[int],
        created: datetime,
    ) -> None:  # fmt: skip
        rows = [
            OpportunityStageHistory(
                opportunity_id=opportunity.id, to_stage_id=path[0].id,
                to_stage_name=path[0].name, changed_at=created,
                actor_user_id=opportunity.owner_user_id, created_at=created, updated_at=created,
            )
        ]  # fmt: skip
        moment = created
        for previous, stage, seconds in zip(path[:-1], path[1:], durations, strict=True):
            moment += timedelta(seconds=seconds)
            rows.append(
                OpportunityStageHistory(
                    opportunity_id=opportunity.id, from_stage_id=previous.id,
                    to_stage_id=stage.id, from_stage_name=previous.name,
                    to_stage_name=stage.name, duration_seconds=seconds, changed_at=moment,
                    actor_user_id=opportunity.owner_user_id, created_at=moment,
                    updated_at=moment,
                )
            )  # fmt: skip
        self.history += rows

    def build(self) -> None:
        self.uow.require("opportunities.write")
        session, rng, main = self.uow.session, self.rng, self.location.is_main
        session.add_all(_field_definitions())
        pipeline = Pipeline(id=new_id(), name=PIPELINE_NAME, is_default=True, position=0)
        session.add(pipeline)
        stages = [
            PipelineStage(
                id=new_id(), pipeline_id=pipeline.id, name=s.name, position=i,
                probability=s.probability, kind=s.kind, colour=s.colour,
            )
            for i, s in enumerate(STAGES)
        ]  # fmt: skip
        session.add_all(stages)
        session.flush()  # opportunities reference stages through a composite key
        for index, spec in enumerate(STAGES):
            count = spec.count_a if main else spec.count_b
            total = (spec.total_a_dollars if main else spec.total_b_dollars) * DOLLAR
            values = split_exact(total, count, rng, unit=100 * DOLLAR)
            pool = self.won_pool if spec.kind is StageKind.WON else self.open_pool
            if main and spec.name == "Negotiation":
                self._featured(pipeline, stages, index, values.pop(0))
            for value in values:
                age = int(rng.uniform(3, 88) * 86_400)
                created = self.now - timedelta(seconds=age)
                durations = _durations(rng, index, age)
                contact = pick(rng, pool)
                self.opportunity(pipeline, stages, index, value, contact, durations, created)
        self._close_some()
        session.flush()
        session.add_all(self.history)

    def _featured(
        self, pipeline: Pipeline, stages: list[PipelineStage], index: int, value: int
    ) -> None:
        """The description's opp-123: New Lead -> Qualified (2 d) -> Proposal Sent (1 d) ->
        Negotiation (3 d)."""
        contact = self.uow.session.scalar(select(Contact).where(Contact.email == FEATURED_EMAIL))
        assert contact is not None, "the CRM step creates the featured contact"
        created = self.now - timedelta(days=10)
        opportunity = self.opportunity(
            pipeline, stages, index, value, contact, list(FEATURED_DURATIONS), created,
            name=FEATURED_OPPORTUNITY,
        )  # fmt: skip
        opportunity.custom_fields = {
            "deal_type": "New Business",
            "competitor": "CompetitorCo",
            "decision_date": (self.now + timedelta(days=26)).date().isoformat(),
        }


def seed_pipelines(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    seed_locations(
        uows,
        ctx,
        lambda uow: exists(uow, select(Pipeline.id).where(Pipeline.name == PIPELINE_NAME)),
        lambda uow, location: _Builder(uow, location).build(),
    )
