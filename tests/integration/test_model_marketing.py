"""Marketing tables on SQLite and PostgreSQL: campaign children cascade, used templates cannot
be purged, one recipient row per campaign and contact, suppressions unique per address."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import exc, text

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.marketing import (
    Campaign,
    CampaignChannel,
    CampaignRecipient,
    CampaignStatus,
    EmailClick,
    EmailTemplate,
    RecipientStatus,
    SmsTemplate,
    Suppression,
    SuppressionChannel,
    SuppressionReason,
)
from ghl_desktop.services.uow import UnitOfWork
from tests.conftest import make_tenant
from tests.integration.model_builders import (
    add,
    contact,
    count,
    purge,
    purge_is_refused,
    tenant_uow,
)


def email_template(uow: UnitOfWork, **kw: Any) -> EmailTemplate:
    kw.setdefault("name", "Launch")
    kw.setdefault("subject", "Hi {{first_name}}, check out our new features!")
    kw.setdefault("html", "<p>Hey {{first_name}},</p>")
    kw.setdefault("variables", [{"name": "first_name", "default": "there"}])
    return add(uow, EmailTemplate(**kw))


def campaign(uow: UnitOfWork, tpl: EmailTemplate | None = None, **kw: Any) -> Campaign:
    kw.setdefault("name", "December launch")
    kw.setdefault("channel", CampaignChannel.EMAIL)
    kw.setdefault("audience", {"tags": ["vip"]})
    return add(uow, Campaign(email_template_id=tpl.id if tpl else None, **kw))


def recipient(uow: UnitOfWork, camp: Campaign, c: Contact, **kw: Any) -> CampaignRecipient:
    return add(uow, CampaignRecipient(campaign_id=camp.id, contact_id=c.id, **kw))


def click(uow: UnitOfWork, r: CampaignRecipient, url: str) -> EmailClick:
    return add(uow, EmailClick(recipient_id=r.id, url=url, clicked_at=uow.clock.now()))


def test_campaign_purge_cascades_to_recipients_and_clicks(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        tpl = email_template(uow)
        camp = campaign(uow, tpl, status=CampaignStatus.SENT, recipients_count=1, sent_count=1)
        r = recipient(uow, camp, contact(uow), status=RecipientStatus.CLICKED, click_count=2)
        click(uow, r, "/product-1")
        click(uow, r, "/pricing")
        uow.commit()
    purge_is_refused(any_runtime, t, EmailTemplate, tpl.id)  # a campaign was sent with it
    purge(any_runtime, t, Campaign, camp.id)
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, CampaignRecipient) == 0
        assert count(uow, EmailClick) == 0
        assert count(uow, Contact) == 1
    purge(any_runtime, t, EmailTemplate, tpl.id)  # unused now


def test_contact_purge_drops_tracking_but_keeps_counters_and_suppression(
    any_runtime: Runtime,
) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow, email="ada@example.com")
        camp = campaign(uow, email_template(uow), opened_count=1, unsubscribed_count=1)
        click(uow, recipient(uow, camp, c, status=RecipientStatus.UNSUBSCRIBED), "/x")
        supp = add(
            uow,
            Suppression(
                channel=SuppressionChannel.EMAIL, address="ada@example.com",
                reason=SuppressionReason.UNSUBSCRIBED, contact_id=c.id, campaign_id=camp.id,
            ),
        )  # fmt: skip
        uow.commit()
    purge(any_runtime, t, Contact, c.id)
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, CampaignRecipient) == 0
        assert count(uow, EmailClick) == 0
        stored = uow.session.get(Campaign, camp.id)
        assert stored is not None
        assert (stored.opened_count, stored.unsubscribed_count) == (1, 1)
        kept = uow.session.get(Suppression, supp.id)
        assert kept is not None
        assert (kept.contact_id, kept.address) == (None, "ada@example.com")
    purge(any_runtime, t, Campaign, camp.id)
    with tenant_uow(any_runtime, t) as uow:
        kept = uow.session.get(Suppression, supp.id)
        assert kept is not None
        assert kept.campaign_id is None


def test_one_recipient_row_per_campaign_and_contact(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c, tpl = contact(uow), email_template(uow)
        first = campaign(uow, tpl)
        recipient(uow, first, c)
        recipient(uow, campaign(uow, tpl, name="Second"), c)  # another campaign: fine
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        recipient(uow, first, c)


def test_suppressions_are_unique_per_sub_account_channel_and_address(
    any_runtime: Runtime,
) -> None:
    t = make_tenant(any_runtime)

    def suppress(uow: UnitOfWork, channel: SuppressionChannel, address: str) -> None:
        add(uow, Suppression(channel=channel, address=address, reason=SuppressionReason.MANUAL))

    with tenant_uow(any_runtime, t) as uow:
        suppress(uow, SuppressionChannel.EMAIL, "ada@example.com")
        suppress(uow, SuppressionChannel.SMS, "+14155552671")
        suppress(uow, SuppressionChannel.EMAIL, "bob@example.com")
        uow.commit()
    with tenant_uow(any_runtime, t, t.other_sub_account_id) as uow:
        suppress(uow, SuppressionChannel.EMAIL, "ada@example.com")
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        suppress(uow, SuppressionChannel.EMAIL, "ada@example.com")


def test_sms_campaign_uses_an_sms_template(any_runtime: Runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        sms = add(uow, SmsTemplate(name="Promo", body="Hi {{first_name}}: 20% off today"))
        add(uow, Campaign(name="SMS promo", channel=CampaignChannel.SMS, sms_template_id=sms.id))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        add(
            uow,
            Campaign(
                name="Mixed", channel=CampaignChannel.EMAIL, sms_template_id=sms.id,
            ),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("table", "assignment"),
    [
        ("campaigns", "status = 'archived'"),
        ("campaigns", "channel = 'fax'"),
        ("campaigns", "status = 'scheduled'"),  # needs scheduled_at
        ("campaigns", "sent_count = -1"),
        ("campaigns", "bounced_count = -3"),
        ("campaign_recipients", "status = 'read'"),
        ("campaign_recipients", "open_count = -1"),
        ("suppressions", "reason = 'spam'"),
        ("suppressions", "channel = 'push'"),
    ],
)
def test_enum_and_counter_checks_hold_below_the_orm(
    any_runtime: Runtime, table: str, assignment: str
) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow)
        recipient(uow, campaign(uow, email_template(uow)), c)
        add(
            uow,
            Suppression(
                channel=SuppressionChannel.EMAIL, address="a@b.c", reason=SuppressionReason.BOUNCED
            ),
        )
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        uow.session.execute(text(f"UPDATE {table} SET {assignment}"))
