"""The kanban board: per-stage counts and totals from one aggregate query, and each column's
cards a page at a time (the board opens with the first page of every column; "load more"
asks for the next). Reads only: nothing here changes data.

Totals add up deals in the sub-account's currency (deals in other currencies count, but
their values are not added to a total in another currency).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.pipelines import Opportunity, OpportunityStatus
from ghl_desktop.models.tenancy import User
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.crm_common import sub_account_of
from ghl_desktop.services.pipelines.queries import contact_label, search_clause
from ghl_desktop.services.pipelines.structure import (
    PipelineInfo,
    StageInfo,
    default_pipeline_id,
    get_info,
    load_pipeline,
    pipeline_infos,
)
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

PAGE = 50
MAX_PAGE = 500


@dataclass(frozen=True)
class BoardFilter:
    owner_user_id: str | None = None
    status: OpportunityStatus | None = None
    search: str = ""

    def apply(self, stmt: Any) -> Any:
        if self.owner_user_id:
            stmt = stmt.where(Opportunity.owner_user_id == self.owner_user_id)
        if self.status is not None:
            stmt = stmt.where(Opportunity.status == OpportunityStatus(self.status))
        if self.search.strip():
            stmt = stmt.where(search_clause(self.search))
        return stmt


@dataclass(frozen=True)
class Card:
    id: str
    name: str
    stage_id: str
    contact_id: str
    contact_name: str
    value_minor: int
    currency: str
    owner_user_id: str | None
    owner_name: str
    status: OpportunityStatus
    updated_at: datetime


@dataclass(frozen=True)
class BoardColumn:
    stage: StageInfo
    count: int
    value_minor: int
    cards: tuple[Card, ...]

    @property
    def has_more(self) -> bool:
        return len(self.cards) < self.count


@dataclass(frozen=True)
class Board:
    pipeline: PipelineInfo
    currency: str
    columns: tuple[BoardColumn, ...]


def _cards_query(pipeline_id: str, stage_id: str, filters: BoardFilter) -> Any:
    stmt = (
        select(
            Opportunity.id, Opportunity.name, Opportunity.stage_id, Opportunity.contact_id,
            Contact.first_name, Contact.last_name, Contact.email, Contact.company,
            Opportunity.value_minor, Opportunity.currency, Opportunity.owner_user_id,
            User.full_name, User.email.label("owner_email"), Opportunity.status,
            Opportunity.updated_at,
        )
        .outerjoin(Contact, Contact.id == Opportunity.contact_id)
        .outerjoin(User, User.id == Opportunity.owner_user_id)
        .where(Opportunity.pipeline_id == pipeline_id, Opportunity.stage_id == stage_id)
    )  # fmt: skip
    return filters.apply(stmt).order_by(Opportunity.updated_at.desc(), Opportunity.id.desc())


def _cards(uow: UnitOfWork, stmt: Any) -> tuple[Card, ...]:
    return tuple(
        Card(
            r[0],
            r[1],
            r[2],
            r[3],
            contact_label(r[4], r[5], r[6], r[7]),
            r[8],
            r[9],
            r[10],
            r[11] or r[12] or "",
            OpportunityStatus(r[13]),
            r[14],
        )
        for r in uow.session.execute(stmt)
    )


def _totals(
    uow: UnitOfWork, pipeline_id: str, filters: BoardFilter, currency: str
) -> dict[str, tuple[int, int]]:
    in_currency = case((Opportunity.currency == currency, Opportunity.value_minor), else_=0)
    stmt = select(Opportunity.stage_id, func.count(), func.coalesce(func.sum(in_currency), 0))
    if filters.search.strip():
        stmt = stmt.outerjoin(Contact, Contact.id == Opportunity.contact_id)
    stmt = filters.apply(stmt.where(Opportunity.pipeline_id == pipeline_id))
    rows = uow.session.execute(stmt.group_by(Opportunity.stage_id))
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}


def _board(uow: UnitOfWork, pipeline: PipelineInfo, filters: BoardFilter, per_column: int) -> Board:
    currency = sub_account_of(uow).currency or "USD"
    totals = _totals(uow, pipeline.id, filters, currency)
    columns = []
    for stage in pipeline.stages:
        count, value = totals.get(stage.id, (0, 0))
        cards = _cards(uow, _cards_query(pipeline.id, stage.id, filters).limit(per_column))
        columns.append(BoardColumn(stage, count, value, cards if count else ()))
    return Board(pipeline, currency, tuple(columns))


def _check_page(per_column: int) -> None:
    if not 1 <= per_column <= MAX_PAGE:
        raise ValidationError("per_column", f"must be 1-{MAX_PAGE}")


def load_board(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, pipeline_id: str | None = None,
    filters: BoardFilter | None = None, *, per_column: int = PAGE,
) -> Board:  # fmt: skip
    """Every column's count and total, and its first ``per_column`` cards (most recently
    changed first). Without ``pipeline_id``: the default pipeline."""
    _check_page(per_column)
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("opportunities.read")
        pipeline = get_info(uow, load_pipeline(uow, pipeline_id or default_pipeline_id(uow)))
        return _board(uow, pipeline, filters or BoardFilter(), per_column)


@dataclass(frozen=True)
class BoardOpening:
    pipelines: tuple[PipelineInfo, ...]
    board: Board | None  # None when the sub-account has no pipeline yet


def open_board(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, pipeline_id: str | None = None,
    filters: BoardFilter | None = None, *, per_column: int = PAGE,
) -> BoardOpening:  # fmt: skip
    """What the screen's first paint needs, in one unit of work: the pipelines (for the
    picker) and the board of ``pipeline_id`` (else of the default pipeline)."""
    _check_page(per_column)
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("opportunities.read")
        pipelines = tuple(pipeline_infos(uow))
        chosen = next((p for p in pipelines if p.id == pipeline_id), None)
        chosen = chosen or (pipelines[0] if pipelines else None)
        if chosen is None:
            return BoardOpening(pipelines, None)
        return BoardOpening(pipelines, _board(uow, chosen, filters or BoardFilter(), per_column))


def stage_cards(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, pipeline_id: str,
    stage_id: str, filters: BoardFilter | None = None, *, offset: int = 0, limit: int = PAGE,
) -> tuple[Card, ...]:  # fmt: skip
    """The next page of one column ("load more")."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be 1-{MAX_PAGE}")
    if offset < 0:
        raise ValidationError("offset", "must not be negative")
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("opportunities.read")
        stmt = _cards_query(pipeline_id, stage_id, filters or BoardFilter())
        return _cards(uow, stmt.limit(limit).offset(offset))
