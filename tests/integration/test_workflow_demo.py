"""The demo's own Welcome Series (published by the demo through the authoring services) runs
end to end: a new website lead gets the welcome email, and a day later the "opened" branch
decides between the tips + Engaged and the re-engagement email + Needs Nurture."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from ghl_desktop.bootstrap import build_runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.models.workflows import Workflow
from ghl_desktop.services import contacts
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.demo import create_demo
from ghl_desktop.services.workflows.engine import run_due
from ghl_desktop.services.workflows.engine.control import record_email_open
from ghl_desktop.services.workflows.engine.queries import contact_executions
from tests.integration.workflow_kit import outbox_rows


def test_demo_welcome_series_runs_end_to_end(tmp_path: Path) -> None:
    clock = FixedClock()
    rt = build_runtime(
        tmp_path / "data", clock=clock, secrets=EncryptedFileSecretStore(tmp_path / "s.enc")
    )
    try:
        demo = create_demo(rt.uows)
        sub = demo.sub_accounts["Restaurant Location A"]
        run_due(rt.uows)  # the demo's own runs catch up first
        before = len(outbox_rows(rt, sub))
        with rt.uows.system(read_only=True) as uow:
            welcome = uow.session.scalar(
                select(Workflow.id).where(
                    Workflow.sub_account_id == sub, Workflow.name == "Welcome Series"
                )
            )
        people = [
            contacts.create_contact(rt.uows, SYSTEM, sub, {"first_name": first, "email": email,
                                                           "source": "website_form"}).id
            for first, email in (("Opal", "opal@example.com"), ("Ike", "ike@example.com"))
        ]  # fmt: skip
        run_due(rt.uows)
        new = outbox_rows(rt, sub)[before:]
        assert sorted(r.payload["to"] for r in new) == ["ike@example.com", "opal@example.com"]
        welcome_subject = new[0].payload["subject"]
        with rt.uows.tenant(SYSTEM, sub) as uow:
            record_email_open(uow, people[0])
            uow.commit()
        clock.advance(timedelta(days=1, minutes=1))
        run_due(rt.uows)
        ours = {"opal@example.com", "ike@example.com"}
        later = {
            r.payload["to"]: r.payload["subject"]
            for r in outbox_rows(rt, sub)[before + 2 :]
            if r.payload["to"] in ours  # the demo's waiting runs move on too
        }
        assert set(later) == {"opal@example.com", "ike@example.com"}
        assert later["opal@example.com"] != later["ike@example.com"] != welcome_subject
        tags = {
            cid: {t.name for t in contacts.get_contact(rt.uows, SYSTEM, sub, cid).tags}
            for cid in people
        }
        assert tags == {people[0]: {"Engaged"}, people[1]: {"Needs Nurture"}}
        [run] = [
            d for d in contact_executions(rt.uows, SYSTEM, sub, people[0])
            if d.summary.workflow_id == welcome
        ]  # fmt: skip
        assert run.summary.status == "completed"
        assert [s.action_type for s in run.steps] == [
            "send_email", "wait", "if_else", "send_email", "add_tag",
        ]  # fmt: skip
    finally:
        rt.close()
