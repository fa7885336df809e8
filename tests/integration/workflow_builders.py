"""Build the "Welcome Series" through the authoring services (tests of definitions share it)."""

from __future__ import annotations

from dataclasses import dataclass

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.models.crm import Tag
from ghl_desktop.models.marketing import EmailTemplate
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows import authoring, draft_steps
from tests.conftest import Tenant

OPENED = {"field": "context.opened_email", "operator": "is_true"}


@dataclass
class Welcome:
    workflow_id: str
    trigger_id: str
    steps: dict[str, str]  # name -> action id
    templates: dict[str, str]  # name -> template id


def templates_and_tags(uow: UnitOfWork) -> dict[str, str]:
    ids = {}
    for name in ("Welcome", "Tips", "Nudge"):
        template = EmailTemplate(name=name, subject=f"{name} subject", html="<p>hi</p>")
        uow.session.add(template)
        uow.flush()
        ids[name] = template.id
    uow.session.add_all([Tag(name="Engaged"), Tag(name="Needs Nurture")])
    uow.flush()
    return ids


def build_welcome(uow: UnitOfWork, name: str = "Welcome Series") -> Welcome:
    t = templates_and_tags(uow)
    wid = authoring.create_workflow(uow, name, folder="Onboarding")
    trigger = draft_steps.add_trigger(uow, wid, "contact_created", {"source": "website_form"})
    add = draft_steps.add_action
    email = add(
        uow, wid, "send_email", name="Send Welcome Email", settings={"template_id": t["Welcome"]}
    )
    wait = add(
        uow,
        wid,
        "wait",
        parent_action_id=email,
        name="Wait 1 Day",
        settings={"mode": "duration", "amount": 1, "unit": "days"},
    )
    check = add(
        uow,
        wid,
        "if_else",
        parent_action_id=wait,
        name="Opened Email?",
        settings={"conditions": [OPENED], "match": "all"},
    )
    tips = add(
        uow,
        wid,
        "send_email",
        parent_action_id=check,
        branch="yes",
        name="Send Product Tips",
        settings={"template_id": t["Tips"]},
    )
    nudge = add(
        uow,
        wid,
        "send_email",
        parent_action_id=check,
        branch="no",
        name="Send Re-engagement Email",
        settings={"template_id": t["Nudge"]},
    )
    engaged = add(uow, wid, "add_tag", parent_action_id=tips, settings={"tag": "Engaged"})
    nurture = add(uow, wid, "add_tag", parent_action_id=nudge, settings={"tag": "Needs Nurture"})
    steps = {
        "email": email,
        "wait": wait,
        "check": check,
        "tips": tips,
        "nudge": nudge,
        "engaged": engaged,
        "nurture": nurture,
    }
    return Welcome(wid, trigger, steps, t)


def welcome_in(rt: Runtime, t: Tenant) -> Welcome:
    with rt.uows.tenant(t.owner, t.sub_account_id) as uow:
        built = build_welcome(uow)
        uow.commit()
    return built
