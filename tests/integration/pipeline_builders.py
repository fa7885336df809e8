"""Shared set-up for the pipeline tests: a tenant with a five-stage pipeline and contacts."""

from __future__ import annotations

from dataclasses import dataclass

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.models.pipelines import StageKind
from ghl_desktop.services import contacts
from ghl_desktop.services.pipelines import structure
from ghl_desktop.services.pipelines.structure import PipelineInfo, StageInput
from tests.conftest import Tenant, make_tenant

STAGES = (
    StageInput("New Lead", 10),
    StageInput("Qualified", 25),
    StageInput("Proposal Sent", 50),
    StageInput("Closed Won", 100, StageKind.WON, "#27ae60"),
    StageInput("Closed Lost", 0, StageKind.LOST),
)


@dataclass
class Sales:
    rt: Runtime
    t: Tenant
    pipeline: PipelineInfo
    contact_ids: list[str]

    def stage(self, name: str) -> str:
        return next(s.id for s in self.pipeline.stages if s.name == name)


def sales(rt: Runtime, contacts_count: int = 2) -> Sales:
    t = make_tenant(rt)
    pipeline = structure.create_pipeline(rt.uows, t.owner, t.sub_account_id, "Sales", STAGES)
    ids = [
        contacts.create_contact(
            rt.uows, t.owner, t.sub_account_id,
            {"first_name": f"Person{i}", "last_name": "Test", "email": f"p{i}@example.com"},
        ).id
        for i in range(contacts_count)
    ]  # fmt: skip
    return Sales(rt, t, pipeline, ids)
