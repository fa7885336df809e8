"""Reading opportunities: one with its details, lists with filters, and its stage history.

Lists join the contact's name and the owner's name in the same query (no query per row).
Opportunities of a deleted contact still show (the contact columns are then empty).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.pipelines import (
    Opportunity,
    OpportunityStageHistory,
    OpportunityStatus,
    PipelineStage,
)
from ghl_desktop.models.tenancy import User
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.pipelines.moves import load_opportunity
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

MAX_PAGE = 1_000


@dataclass(frozen=True)
class OpportunityInfo:
    id: str
    name: str
    pipeline_id: str
    stage_id: str
    stage_name: str
    contact_id: str
    contact_name: str
    value_minor: int
    currency: str
    owner_user_id: str | None
    owner_name: str
    source: str
    status: OpportunityStatus
    lost_reason: str | None
    custom_fields: dict[str, Any]
    follow_up_task_id: str | None
    stage_entered_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StageMove:
    id: str
    from_stage_id: str | None
    to_stage_id: str | None
    from_stage_name: str
    to_stage_name: str
    duration_seconds: int | None
    changed_at: datetime
    actor_user_id: str | None


def contact_label(
    first: str | None, last: str | None, email: str | None, company: str | None
) -> str:
    return " ".join(p for p in (first, last) if p) or email or company or ""


def _select() -> Any:
    return (
        select(
            Opportunity, PipelineStage.name.label("stage_name"), Contact.first_name,
            Contact.last_name, Contact.email, Contact.company, User.full_name, User.email,
        )
        .join(PipelineStage, PipelineStage.id == Opportunity.stage_id)
        .outerjoin(Contact, Contact.id == Opportunity.contact_id)
        .outerjoin(User, User.id == Opportunity.owner_user_id)
    )  # fmt: skip


def _info(row: Any) -> OpportunityInfo:
    o: Opportunity = row[0]
    return OpportunityInfo(
        id=o.id, name=o.name, pipeline_id=o.pipeline_id, stage_id=o.stage_id,
        stage_name=row[1], contact_id=o.contact_id,
        contact_name=contact_label(row[2], row[3], row[4], row[5]), value_minor=o.value_minor,
        currency=o.currency, owner_user_id=o.owner_user_id, owner_name=row[6] or row[7] or "",
        source=o.source, status=OpportunityStatus(o.status), lost_reason=o.lost_reason,
        custom_fields=dict(o.custom_fields or {}), follow_up_task_id=o.follow_up_task_id,
        stage_entered_at=o.stage_entered_at, closed_at=o.closed_at, created_at=o.created_at,
        updated_at=o.updated_at,
    )  # fmt: skip


def opportunity_info(uow: UnitOfWork, opportunity_id: str) -> OpportunityInfo:
    load_opportunity(uow, opportunity_id)  # NotFound for another sub-account's id
    uow.flush()
    return _info(uow.session.execute(_select().where(Opportunity.id == opportunity_id)).one())


def search_clause(text: str) -> Any:
    """Name of the deal, or the contact's name, email or company, containing ``text``."""
    like = f"%{text.strip()}%"
    return or_(
        Opportunity.name.ilike(like), Contact.first_name.ilike(like),
        Contact.last_name.ilike(like), Contact.email.ilike(like), Contact.company.ilike(like),
    )  # fmt: skip


@dataclass(frozen=True)
class OpportunityFilter:
    pipeline_id: str | None = None
    stage_id: str | None = None
    status: OpportunityStatus | None = None
    owner_user_id: str | None = None
    contact_id: str | None = None
    search: str = ""

    def apply(self, stmt: Any) -> Any:
        if self.pipeline_id:
            stmt = stmt.where(Opportunity.pipeline_id == self.pipeline_id)
        if self.stage_id:
            stmt = stmt.where(Opportunity.stage_id == self.stage_id)
        if self.status is not None:
            try:
                status = OpportunityStatus(self.status)
            except ValueError:
                raise ValidationError("status", f"unknown status {self.status!r}") from None
            stmt = stmt.where(Opportunity.status == status)
        if self.owner_user_id:
            stmt = stmt.where(Opportunity.owner_user_id == self.owner_user_id)
        if self.contact_id:
            stmt = stmt.where(Opportunity.contact_id == self.contact_id)
        if self.search.strip():
            stmt = stmt.where(search_clause(self.search))
        return stmt


def get_opportunity(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, opportunity_id: str
) -> OpportunityInfo:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("opportunities.read")
        return opportunity_info(uow, opportunity_id)


def list_opportunities(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str,
    filters: OpportunityFilter | None = None, *, limit: int = 100, offset: int = 0,
) -> list[OpportunityInfo]:  # fmt: skip
    """Newest first."""
    if limit < 1 or limit > MAX_PAGE:
        raise ValidationError("limit", f"must be 1-{MAX_PAGE}")
    if offset < 0:
        raise ValidationError("offset", "must not be negative")
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("opportunities.read")
        stmt = (filters or OpportunityFilter()).apply(_select())
        stmt = stmt.order_by(Opportunity.created_at.desc(), Opportunity.id.desc())
        rows = uow.session.execute(stmt.limit(limit).offset(offset))
        return [_info(r) for r in rows]


def stage_history(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, opportunity_id: str
) -> list[StageMove]:
    """The deal's moves, oldest first (the first row is its creation stage)."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("opportunities.read")
        load_opportunity(uow, opportunity_id)
        rows = uow.session.scalars(
            select(OpportunityStageHistory)
            .where(OpportunityStageHistory.opportunity_id == opportunity_id)
            .order_by(OpportunityStageHistory.changed_at, OpportunityStageHistory.id)
        )  # fmt: skip
        return [
            StageMove(
                r.id,
                r.from_stage_id,
                r.to_stage_id,
                r.from_stage_name,
                r.to_stage_name,
                r.duration_seconds,
                r.changed_at,
                r.actor_user_id,
            )
            for r in rows
        ]


def sub_account_of_opportunity(uows: UnitOfWorkFactory, opportunity_id: str) -> str:
    """Which sub-account a deal lives in (for commands given only its id). Access is checked
    by the tenant unit of work the command opens next, which answers NotFound without it."""
    with uows.system(read_only=True) as uow:
        found = uow.session.scalar(
            select(Opportunity.sub_account_id).where(Opportunity.id == opportunity_id)
        )
        if found is None:
            raise NotFound("opportunity", opportunity_id)
        return found
