"""Pipelines, stages and opportunities through the services: rules, history, events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ghl_desktop.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ghl_desktop.models.crm import Task
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.models.pipelines import OpportunityStatus, StageKind
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.services import notes_tasks, users
from ghl_desktop.services.contact_timeline import contact_timeline
from ghl_desktop.services.pipelines import board, fields, opportunities, queries, structure
from ghl_desktop.services.pipelines.opportunities import FollowUp
from ghl_desktop.services.pipelines.structure import StageInput
from tests.conftest import TEST_PASSWORD
from tests.integration.pipeline_builders import Sales, sales
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


@pytest.fixture
def s(any_runtime) -> Sales:
    return sales(any_runtime)


def _events(s: Sales, name: str) -> list[dict]:
    with s.rt.uows.system(read_only=True) as uow:
        rows = uow.session.scalars(
            select(DomainEventRecord).where(DomainEventRecord.name == name)
            .order_by(DomainEventRecord.occurred_at, DomainEventRecord.id)
        )  # fmt: skip
        return [r.payload for r in rows]


def test_first_pipeline_is_default_and_stages_keep_order(s: Sales) -> None:
    uows, owner, sub = s.rt.uows, s.t.owner, s.t.sub_account_id
    assert s.pipeline.is_default
    assert [x.name for x in s.pipeline.stages][:2] == ["New Lead", "Qualified"]
    assert s.pipeline.stages[3].colour == "#27AE60"
    other = structure.create_pipeline(uows, owner, sub, "Renewals", [StageInput("Due")])
    assert not other.is_default
    structure.set_default_pipeline(uows, owner, sub, other.id)
    listed = structure.list_pipelines(uows, owner, sub)
    assert [(p.name, p.is_default) for p in listed] == [("Renewals", True), ("Sales", False)]
    with pytest.raises(Conflict):
        structure.archive_pipeline(uows, owner, sub, other.id)
    with pytest.raises(ValidationError, match="stages"):
        structure.create_pipeline(uows, owner, sub, "Empty", [])
    with pytest.raises(Conflict, match="name"):
        structure.create_pipeline(uows, owner, sub, "Dup", [StageInput("A"), StageInput("a")])
    with pytest.raises(ValidationError, match="probability"):
        structure.add_stage(uows, owner, sub, other.id, StageInput("X", 120))
    with pytest.raises(ValidationError, match="colour"):
        structure.add_stage(uows, owner, sub, other.id, StageInput("X", colour="red"))
    structure.set_default_pipeline(uows, owner, sub, s.pipeline.id)
    structure.archive_pipeline(uows, owner, sub, other.id)
    assert [p.name for p in structure.list_pipelines(uows, owner, sub)] == ["Sales"]
    with pytest.raises(NotFound):
        structure.get_pipeline(uows, owner, sub, other.id)
    structure.set_default_pipeline(uows, owner, sub, s.pipeline.id)  # already: no change


def test_reorder_rename_and_add_stage(s: Sales) -> None:
    uows, owner, sub = s.rt.uows, s.t.owner, s.t.sub_account_id
    ids = [x.id for x in s.pipeline.stages]
    info = structure.reorder_stages(uows, owner, sub, s.pipeline.id, [ids[1], ids[0], *ids[2:]])
    assert [x.name for x in info.stages][:2] == ["Qualified", "New Lead"]
    with pytest.raises(ValidationError, match="stage_ids"):
        structure.reorder_stages(uows, owner, sub, s.pipeline.id, ids[:-1])
    structure.update_stage(uows, owner, sub, ids[0], name="Fresh", probability=5, colour="#112233")
    added = structure.add_stage(uows, owner, sub, s.pipeline.id, StageInput("Demo", 40), position=2)
    names = [x.name for x in structure.get_pipeline(uows, owner, sub, s.pipeline.id).stages]
    assert names == ["Qualified", "Fresh", "Demo", "Proposal Sent", "Closed Won", "Closed Lost"]
    assert added.position == 2
    with pytest.raises(Conflict):
        structure.update_stage(uows, owner, sub, ids[0], name="qualified")


def test_create_move_win_lose_with_history_and_events(s: Sales, clock) -> None:
    uows, owner, sub = s.rt.uows, s.t.owner, s.t.sub_account_id
    opp = opportunities.create_opportunity(
        uows, owner, sub, contact_id=s.contact_ids[0], name="Big deal", value_minor=500_000,
        owner_user_id=owner.user_id, source="referral",
    )  # fmt: skip
    assert opp.stage_name == "New Lead"
    assert opp.currency == "USD"
    assert opp.status is OpportunityStatus.OPEN
    assert opp.owner_name == "Owner"
    clock.advance(timedelta(days=3, hours=5))
    moved = opportunities.move_opportunity(uows, owner, sub, opp.id, s.stage("Qualified"))
    assert moved.stage_name == "Qualified"
    clock.advance(timedelta(days=1))
    won = opportunities.move_opportunity(uows, owner, sub, opp.id, s.stage("Closed Won"))
    assert won.status is OpportunityStatus.WON
    assert won.closed_at == clock.now()
    history = queries.stage_history(uows, owner, sub, opp.id)
    assert [(h.from_stage_name, h.to_stage_name, h.duration_seconds) for h in history] == [
        ("", "New Lead", None),
        ("New Lead", "Qualified", 3 * 86_400 + 5 * 3600),
        ("Qualified", "Closed Won", 86_400),
    ]
    assert all(h.actor_user_id == owner.user_id for h in history)
    changed = _events(s, "opportunity.stage_changed")
    assert changed[0]["days_in_previous_stage"] == 3
    assert changed[0]["from_stage_name"] == "New Lead"
    assert changed[0]["to_stage_name"] == "Qualified"
    assert len(_events(s, "opportunity.won")) == 1
    # Back to an open stage reopens; into the lost stage loses with its reason.
    reopened = opportunities.move_opportunity(uows, owner, sub, opp.id, s.stage("Proposal Sent"))
    assert reopened.status is OpportunityStatus.OPEN
    assert reopened.closed_at is None
    lost = opportunities.move_opportunity(
        uows, owner, sub, opp.id, s.stage("Closed Lost"), lost_reason="Budget cut"
    )
    assert (lost.status, lost.lost_reason) == (OpportunityStatus.LOST, "Budget cut")
    assert _events(s, "opportunity.lost")[0]["lost_reason"] == "Budget cut"
    # Moving to where it is changes nothing.
    opportunities.move_opportunity(uows, owner, sub, opp.id, s.stage("Closed Lost"))
    assert len(queries.stage_history(uows, owner, sub, opp.id)) == 5
    assert len(_events(s, "opportunity.created")) == 1


def test_status_without_move_and_validation(s: Sales) -> None:
    uows, owner, sub = s.rt.uows, s.t.owner, s.t.sub_account_id
    opp = opportunities.create_opportunity(
        uows, owner, sub, contact_id=s.contact_ids[0], name="Deal", value_minor=100
    )
    won = opportunities.set_status(uows, owner, sub, opp.id, "won")
    assert won.status is OpportunityStatus.WON
    assert won.stage_name == "New Lead"
    lost = opportunities.set_status(uows, owner, sub, opp.id, "lost", lost_reason="Went dark")
    assert lost.lost_reason == "Went dark"
    with pytest.raises(ValidationError, match="status"):
        opportunities.set_status(uows, owner, sub, opp.id, "maybe")
    with pytest.raises(ValidationError, match="value_minor"):
        opportunities.update_opportunity(uows, owner, sub, opp.id, {"value_minor": -1})
    with pytest.raises(ValidationError, match="currency"):
        opportunities.update_opportunity(uows, owner, sub, opp.id, {"currency": "dollars"})
    with pytest.raises(ValidationError, match="name"):
        opportunities.create_opportunity(uows, owner, sub, contact_id=s.contact_ids[0], name=" ")
    with pytest.raises(NotFound):
        opportunities.move_opportunity(uows, owner, s.t.other_sub_account_id, opp.id,
                                       s.stage("Qualified"))  # fmt: skip
    created_won = opportunities.create_opportunity(
        uows, owner, sub, contact_id=s.contact_ids[1], name="Signed", stage_id=s.stage("Closed Won")
    )
    assert created_won.status is OpportunityStatus.WON


def test_update_custom_fields_and_follow_up(s: Sales) -> None:
    uows, owner, sub = s.rt.uows, s.t.owner, s.t.sub_account_id
    fields.create_opportunity_field(uows, owner, sub, "Deal Type", CustomFieldType.SELECT,
                                    options=["New", "Upsell"])  # fmt: skip
    fields.create_opportunity_field(uows, owner, sub, "Decision date", "date")
    due = s.rt.clock.now() + timedelta(days=2)
    opp = opportunities.create_opportunity(
        uows, owner, sub, contact_id=s.contact_ids[0], name="Deal",
        custom_fields={"deal_type": "New"}, follow_up=FollowUp("Call back", due, owner.user_id),
    )  # fmt: skip
    assert opp.custom_fields == {"deal_type": "New"}
    assert opp.follow_up_task_id
    tasks = notes_tasks.list_tasks(uows, owner, sub, s.contact_ids[0])
    assert [(t.title, t.id) for t in tasks] == [("Call back", opp.follow_up_task_id)]
    with pytest.raises(ValidationError, match=r"custom_fields\.deal_type"):
        opportunities.update_opportunity(uows, owner, sub, opp.id,
                                         {"custom_fields": {"deal_type": "Other"}})  # fmt: skip
    updated = opportunities.update_opportunity(
        uows, owner, sub, opp.id,
        {"custom_fields": {"decision_date": "2026-03-01", "deal_type": ""}, "name": "Deal 2",
         "stage_id": s.stage("Qualified")},
    )  # fmt: skip
    assert updated.custom_fields == {"decision_date": "2026-03-01"}
    assert updated.stage_name == "Qualified"
    assert updated.name == "Deal 2"
    changed = _events(s, "opportunity.updated")[0]["changed_fields"]
    assert changed == ["name", "custom_fields.deal_type", "custom_fields.decision_date"]
    with pytest.raises(ValidationError, match=r"follow_up\.title"):
        opportunities.set_follow_up(uows, owner, sub, opp.id, FollowUp(""))
    with s.rt.uows.system(read_only=True) as uow:
        assert uow.session.scalar(select(Task.title).where(Task.id == opp.follow_up_task_id))


def test_delete_stage_moves_its_opportunities_in_one_transaction(s: Sales, clock) -> None:
    uows, owner, sub = s.rt.uows, s.t.owner, s.t.sub_account_id
    qualified = s.stage("Qualified")
    ids = [
        opportunities.create_opportunity(
            uows, owner, sub, contact_id=s.contact_ids[0], name=f"D{i}", stage_id=qualified
        ).id
        for i in range(3)
    ]
    opportunities.delete_opportunity(uows, owner, sub, ids[2])
    with pytest.raises(ValidationError, match="move_to_stage_id"):
        structure.delete_stage(uows, owner, sub, qualified)
    other = structure.create_pipeline(uows, owner, sub, "Other", [StageInput("Elsewhere")])
    with pytest.raises(ValidationError, match="move_to_stage_id"):
        structure.delete_stage(uows, owner, sub, qualified, move_to_stage_id=other.stages[0].id)
    clock.advance(timedelta(hours=2))
    moved = structure.delete_stage(uows, owner, sub, qualified,
                                   move_to_stage_id=s.stage("Proposal Sent"))  # fmt: skip
    assert moved == 2
    info = structure.get_pipeline(uows, owner, sub, s.pipeline.id)
    assert [x.name for x in info.stages] == ["New Lead", "Proposal Sent", "Closed Won",
                                              "Closed Lost"]  # fmt: skip
    assert [x.position for x in info.stages] == [0, 1, 2, 3]
    history = queries.stage_history(uows, owner, sub, ids[0])
    assert (history[-1].from_stage_name, history[-1].to_stage_name) == (
        "Qualified",
        "Proposal Sent",
    )
    assert history[-1].duration_seconds == 7200
    empty = structure.add_stage(uows, owner, sub, s.pipeline.id, StageInput("Empty"))
    assert structure.delete_stage(uows, owner, sub, empty.id) == 0


def test_board_columns_counts_totals_pages_and_filters(s: Sales) -> None:
    uows, owner, sub = s.rt.uows, s.t.owner, s.t.sub_account_id
    for i in range(7):
        opportunities.create_opportunity(
            uows, owner, sub, contact_id=s.contact_ids[i % 2], name=f"Deal {i}",
            value_minor=1000 * (i + 1), owner_user_id=owner.user_id if i % 2 else None,
            stage_id=s.stage("Qualified") if i < 5 else None,
        )  # fmt: skip
    opportunities.create_opportunity(uows, owner, sub, contact_id=s.contact_ids[0],
                                     name="Euro", value_minor=999, currency="EUR")  # fmt: skip
    loaded = board.load_board(uows, owner, sub, per_column=2)
    col = {c.stage.name: c for c in loaded.columns}
    assert (col["Qualified"].count, col["Qualified"].value_minor) == (5, 15_000)
    assert (col["New Lead"].count, col["New Lead"].value_minor) == (3, 13_000)
    assert len(col["Qualified"].cards) == 2
    assert col["Qualified"].has_more
    rest = board.stage_cards(uows, owner, sub, s.pipeline.id, s.stage("Qualified"), offset=2)
    assert len({c.id for c in rest} | {c.id for c in col["Qualified"].cards}) == 5
    mine = board.load_board(uows, owner, sub, filters=board.BoardFilter(owner.user_id))
    assert {c.stage.name: c.count for c in mine.columns}["Qualified"] == 2
    found = board.load_board(uows, owner, sub, filters=board.BoardFilter(search="person1"))
    assert sum(c.count for c in found.columns) == 3
    assert found.columns[0].cards[0].contact_name == "Person1 Test"


def test_permissions(s: Sales) -> None:
    uows, owner, sub = s.rt.uows, s.t.owner, s.t.sub_account_id
    staff = users.create_user(uows, owner, s.t.agency_id, "staff@acme.com", TEST_PASSWORD,
                              role="staff", sub_account_id=sub)  # fmt: skip
    from ghl_desktop.services.actor import Actor

    actor = Actor(staff.id, staff.email)
    opp = opportunities.create_opportunity(uows, actor, sub, contact_id=s.contact_ids[0],
                                           name="Staff deal")  # fmt: skip
    opportunities.move_opportunity(uows, actor, sub, opp.id, s.stage("Qualified"))
    with pytest.raises(PermissionDenied):
        structure.add_stage(uows, actor, sub, s.pipeline.id, StageInput("Nope"))
    with pytest.raises(NotFound):
        board.load_board(uows, actor, s.t.other_sub_account_id)


def test_contact_timeline_shows_deals_and_moves(s: Sales, clock) -> None:
    uows, owner, sub = s.rt.uows, s.t.owner, s.t.sub_account_id
    opp = opportunities.create_opportunity(uows, owner, sub, contact_id=s.contact_ids[0],
                                           name="Timeline deal", value_minor=12_345)  # fmt: skip
    clock.advance(timedelta(days=1))
    opportunities.move_opportunity(uows, owner, sub, opp.id, s.stage("Qualified"))
    entries = contact_timeline(uows, owner, sub, s.contact_ids[0])
    kinds = [(e.kind, e.title) for e in entries if e.kind.startswith("opportunity")]
    assert kinds == [
        ("opportunity_stage", "Timeline deal: New Lead → Qualified"),
        ("opportunity", "Opportunity: Timeline deal"),
    ]
    assert StageKind.OPEN  # the enum is importable from the model
