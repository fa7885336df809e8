"""The inbound workflow webhook over real HTTP: a secret URL per workflow enrols the contact
the JSON body names; wrong tokens, drafts and unknown contacts are refused with clear codes."""

from __future__ import annotations

import httpx

from ghl_desktop.models.workflows import Workflow, WorkflowStatus
from ghl_desktop.services import contacts
from ghl_desktop.services.actor import SYSTEM
from ghl_desktop.services.workflows import authoring
from ghl_desktop.services.workflows.engine import run_due
from ghl_desktop.services.workflows.engine.queries import contact_executions
from tests.conftest import make_tenant
from tests.e2e.sites_kit import client, running_server
from tests.integration.workflow_kit import Node, outbox_rows, publish


def test_inbound_webhook_enrols_the_matched_contact(runtime) -> None:
    t = make_tenant(runtime)
    sub = t.sub_account_id
    d = publish(runtime, sub, "Hooked", Node("send_email", {"subject": "Got {{contact.first_name}}",
                "body": "."}), [("inbound_webhook", {})])  # fmt: skip
    plain = publish(runtime, sub, "No hook", Node("end"), [("manual", {})])
    ada = contacts.create_contact(runtime.uows, t.owner, sub,
                                  {"first_name": "Ada", "email": "ada@example.com",
                                   "phone": "+14155552671"}).id  # fmt: skip
    with runtime.uows.tenant(SYSTEM, sub) as uow:
        token = authoring.webhook_token(uow, d.workflow_id)
        other = authoring.webhook_token(uow, plain.workflow_id)
        uow.commit()
    with running_server(runtime) as server, client(server) as http:
        url = f"/_hooks/workflows/{token}"
        ok = http.post(url, json={"email": "ADA@example.com", "order": 42})
        assert ok.status_code == 202
        assert ok.json() == {"accepted": True, "contact_id": ada}
        assert http.post(url, json={"phone": "(415) 555-2671"}).status_code == 202
        unknown = http.post(url, json={"email": "nobody@example.com"})
        assert unknown.status_code == 422
        assert unknown.json()["field"] == "email"
        assert http.post(url, content=b"not json").status_code == 422
        assert http.post(url, json=["a", "list"]).status_code == 422
        assert http.post("/_hooks/workflows/wrong-token", json={"email": "ada@example.com"}
                         ).status_code == 404  # fmt: skip
        # A workflow without an inbound-webhook trigger answers like an unknown token.
        assert http.post(f"/_hooks/workflows/{other}", json={"email": "ada@example.com"}
                         ).status_code == 404  # fmt: skip
        assert isinstance(http, httpx.Client)
    runs = contact_executions(runtime.uows, t.owner, sub, ada)
    assert len(runs) == 1  # the second post was refused by re-entry (off by default)
    assert runs[0].context["trigger"]["body"] == {"email": "ADA@example.com", "order": 42}
    run_due(runtime.uows)
    assert [r.payload["subject"] for r in outbox_rows(runtime)] == ["Got Ada"]
    # A workflow taken back to draft stops answering.
    with runtime.uows.tenant(SYSTEM, sub) as uow:
        uow.session.get(Workflow, d.workflow_id).status = WorkflowStatus.DRAFT
        uow.commit()
    with running_server(runtime) as server, client(server) as http:
        gone = http.post(f"/_hooks/workflows/{token}", json={"email": "ada@example.com"})
        assert gone.status_code == 404
