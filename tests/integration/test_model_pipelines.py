"""Pipeline tables: one default pipeline, stage rules, money checks, what deletes do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import exc, select, text

from ghl_desktop.models.crm import Contact
from ghl_desktop.models.pipelines import (
    Opportunity,
    OpportunityStageHistory,
    OpportunityStatus,
    Pipeline,
    PipelineStage,
)
from tests.conftest import make_tenant
from tests.integration.model_builders import (
    add,
    contact,
    count,
    opportunity,
    pipeline,
    purge,
    purge_is_refused,
    stages,
    tenant_uow,
)
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


def test_only_one_default_pipeline_per_sub_account(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        pipeline(uow, "Sales", is_default=True)
        pipeline(uow, "Renewals")
        pipeline(uow, "Upsells")  # any number of non-default pipelines
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        pipeline(uow, "Partners", is_default=True)
    with tenant_uow(any_runtime, t, t.other_sub_account_id) as uow:
        pipeline(uow, "Sales", is_default=True)  # each sub-account has its own default
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        # Moving the default is two updates in one transaction: clear, then set.
        old = uow.session.scalars(select(Pipeline).where(Pipeline.is_default)).one()
        new = uow.session.scalars(select(Pipeline).where(Pipeline.name == "Renewals")).one()
        old.is_default = False
        uow.flush()
        new.is_default = True
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        assert uow.session.scalars(select(Pipeline.name).where(Pipeline.is_default)).all() == [
            "Renewals"
        ]


def test_opportunity_rules_on_delete(any_runtime, clock) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c, p = contact(uow), pipeline(uow)
        new, won, _lost = stages(uow, p)
        opp = opportunity(uow, c, p, stage_entered_at=clock.now())
        add(
            uow,
            OpportunityStageHistory(
                opportunity_id=opp.id,
                to_stage_id=new.id,
                to_stage_name=new.name,
                changed_at=clock.now(),
            ),
        )
        opp.stage_id = won.id
        opp.status = OpportunityStatus.WON
        add(
            uow,
            OpportunityStageHistory(
                opportunity_id=opp.id,
                from_stage_id=new.id,
                from_stage_name=new.name,
                to_stage_id=won.id,
                to_stage_name=won.name,
                duration_seconds=int(timedelta(days=2).total_seconds()),
                changed_at=clock.now() + timedelta(days=2),
                actor_user_id=t.owner.user_id,
            ),
        )
        uow.commit()
    # Deals are money: contact, pipeline and the occupied stage cannot be purged under them.
    purge_is_refused(any_runtime, t, Contact, c.id)
    purge_is_refused(any_runtime, t, Pipeline, p.id)
    purge_is_refused(any_runtime, t, PipelineStage, won.id)
    # An empty stage can go; history keeps its name, loses the id.
    purge(any_runtime, t, PipelineStage, new.id)
    with tenant_uow(any_runtime, t) as uow:
        rows = uow.session.scalars(
            select(OpportunityStageHistory).order_by(OpportunityStageHistory.changed_at)
        ).all()
        assert [(r.from_stage_id, r.to_stage_id) for r in rows] == [(None, None), (None, won.id)]
        assert rows[1].from_stage_name == "New"
        assert rows[1].duration_seconds == 172_800
    # Purging the opportunity takes its history with it; then the pipeline can go too.
    purge(any_runtime, t, Opportunity, opp.id)
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, OpportunityStageHistory) == 0
    purge(any_runtime, t, Pipeline, p.id)
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, PipelineStage) == 0
        assert count(uow, Contact) == 1


def test_stage_must_belong_to_the_opportunitys_pipeline(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c, sales, renewals = contact(uow), pipeline(uow), pipeline(uow, "Renewals")
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        opportunity(uow, c, sales, stage_id=stages(uow, renewals)[0].id)


@pytest.mark.parametrize(
    ("table", "assignment"),
    [
        ("opportunities", "value_minor = -1"),
        ("opportunities", "currency = 'US'"),
        ("opportunities", "status = 'pending'"),
        ("pipeline_stages", "probability = 101"),
        ("pipeline_stages", "probability = -1"),
        ("pipeline_stages", "kind = 'nope'"),
        ("opportunity_stage_history", "duration_seconds = -5"),
    ],
)
def test_money_probability_and_enum_checks(any_runtime, clock, table: str, assignment: str) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        p = pipeline(uow)
        opp = opportunity(uow, contact(uow), p)
        add(uow, OpportunityStageHistory(opportunity_id=opp.id, changed_at=clock.now()))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        uow.session.execute(text(f"UPDATE {table} SET {assignment}"))
