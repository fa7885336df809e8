"""Demo marketing: the description's template ("Hi {{first_name}}, check out our new features!"
with defaults "there" and "your company"), the templates the demo workflows send, and a sent
campaign whose counters agree with its recipients (John Doe opened it three times and clicked
/product-1 and /pricing, as in the description's engagement example)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ghl_desktop.core.ids import new_id
from ghl_desktop.models.crm import Contact, ContactTag, Tag
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
from ghl_desktop.services.demo.common import (
    FEATURED_EMAIL,
    Location,
    demo_random,
    exists,
    seed_locations,
)
from ghl_desktop.services.demo.context import DemoContext
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

FEATURE_TEMPLATE = "Feature Announcement"
WELCOME_TEMPLATE = "Welcome Email"
TIPS_TEMPLATE = "Product Tips"
REENGAGEMENT_TEMPLATE = "Re-engagement Email"
CONFIRMATION_TEMPLATE = "Form Confirmation"
PROPOSAL_TEMPLATE = "Proposal Follow-up"
CAMPAIGN_NAME = "New Features Announcement"
FIRST_NAME = {"name": "first_name", "default": "there"}
COMPANY_NAME = {"name": "company_name", "default": "your company"}

# name -> (subject, html body, variables)
EMAIL_TEMPLATES = {
    FEATURE_TEMPLATE: (
        "Hi {{first_name}}, check out our new features!",
        "<p>Hey {{first_name}},</p><p>we thought {{company_name}} might like what's new: "
        "online reservations, catering quotes in minutes and our loyalty programme.</p>"
        '<p><a href="/product-1">See what\'s new</a> · <a href="/pricing">Pricing</a></p>',
        [FIRST_NAME, COMPANY_NAME],
    ),
    WELCOME_TEMPLATE: (
        "Welcome, {{first_name}}!",
        "<p>Hi {{first_name}},</p><p>thanks for signing up. Here is how to book a table, "
        "order catering for {{company_name}} and reach us any time.</p>",
        [FIRST_NAME, COMPANY_NAME],
    ),
    TIPS_TEMPLATE: (
        "{{first_name}}, 3 tips to get more from your account",
        "<p>Hi {{first_name}},</p><ol><li>Save your favourite orders.</li>"
        "<li>Invite your team.</li><li>Book private dining online.</li></ol>",
        [FIRST_NAME],
    ),
    REENGAGEMENT_TEMPLATE: (
        "We miss you, {{first_name}}",
        "<p>Hi {{first_name}},</p><p>it has been a while. Here is 15% off your next visit "
        "- just show this email.</p>",
        [FIRST_NAME],
    ),
    CONFIRMATION_TEMPLATE: (
        "Thanks for reaching out, {{first_name}}",
        "<p>Hi {{first_name}},</p><p>we received your message and will get back to you "
        "within one business day.</p>",
        [FIRST_NAME],
    ),
    PROPOSAL_TEMPLATE: (
        "Any questions about your proposal, {{first_name}}?",
        "<p>Hi {{first_name}},</p><p>just checking whether the proposal for "
        "{{company_name}} answers everything. Happy to walk you through it.</p>",
        [FIRST_NAME, COMPANY_NAME],
    ),
}
SMS_TEMPLATES = {
    "Appointment Reminder": (
        "Hi {{first_name}}, a reminder of your {{service_name}} tomorrow. Reply C to confirm.",
        [FIRST_NAME, {"name": "service_name", "default": "appointment"}],
    ),
    "Weekend Brunch Promo": (
        "Hi {{first_name}}, brunch is back this weekend! Show this text for a free coffee. "
        "Reply STOP to opt out.",
        [FIRST_NAME],
    ),
}
# (status, weight) of the campaign's recipients: the furthest stage each one reached.
OUTCOMES = (
    (RecipientStatus.DELIVERED, 50), (RecipientStatus.OPENED, 27), (RecipientStatus.CLICKED, 15),
    (RecipientStatus.BOUNCED, 4), (RecipientStatus.UNSUBSCRIBED, 2), (RecipientStatus.FAILED, 2),
)  # fmt: skip
_OPENED = (RecipientStatus.OPENED, RecipientStatus.CLICKED, RecipientStatus.UNSUBSCRIBED)
_NOT_SENT = (RecipientStatus.FAILED, RecipientStatus.PENDING)


def _templates(uow: UnitOfWork) -> tuple[dict[str, EmailTemplate], dict[str, SmsTemplate]]:
    templates = {
        name: EmailTemplate(
            id=new_id(), name=name, subject=subject, html=html, variables=variables,
            text=html.replace("</p>", "\n").replace("<p>", ""),
        )
        for name, (subject, html, variables) in EMAIL_TEMPLATES.items()
    }  # fmt: skip
    sms = {
        name: SmsTemplate(id=new_id(), name=name, body=body, variables=variables)
        for name, (body, variables) in SMS_TEMPLATES.items()
    }
    uow.session.add_all([*templates.values(), *sms.values()])
    return templates, sms


def _send_time(uow: UnitOfWork, location: Location) -> datetime:
    """10:00 local, 18 days ago."""
    zone = ZoneInfo(location.timezone)
    day = (uow.clock.now().astimezone(zone) - timedelta(days=18)).date()
    return datetime.combine(day, time(10), tzinfo=zone).astimezone(UTC)


def _audience(uow: UnitOfWork, before: datetime) -> list[Contact]:
    stmt = (
        select(Contact)
        .join(ContactTag, ContactTag.contact_id == Contact.id)
        .join(Tag, Tag.id == ContactTag.tag_id)
        .where(Tag.name == "Newsletter Subscriber", Contact.email.is_not(None))
        .where(Contact.created_at < before)
        .order_by(Contact.created_at, Contact.email)
    )
    return list(uow.session.scalars(stmt))


def _track(recipient: CampaignRecipient, rng: random.Random, sent: datetime) -> list[EmailClick]:
    """Fill the recipient's timestamps and counters from its status; return its clicks."""
    status = recipient.status
    if status in _NOT_SENT:
        recipient.error = "mailbox unavailable" if status is RecipientStatus.FAILED else None
        return []
    recipient.sent_at = sent
    recipient.provider_message_id = f"sandbox-{recipient.id}"
    if status is RecipientStatus.BOUNCED:
        recipient.error = "550 5.1.1 recipient address rejected"
        return []
    recipient.delivered_at = sent + timedelta(seconds=rng.randint(2, 40))
    if status not in _OPENED:
        return []
    recipient.opened_at = recipient.delivered_at + timedelta(minutes=rng.randint(3, 2_000))
    recipient.open_count = rng.randint(1, 4)
    if status is not RecipientStatus.CLICKED:
        return []
    clicks = []
    moment = recipient.opened_at
    for url in rng.sample(["/product-1", "/pricing", "/menu"], rng.randint(1, 2)):
        moment += timedelta(minutes=rng.randint(1, 6))
        clicks.append(EmailClick(recipient_id=recipient.id, url=url, clicked_at=moment))
    recipient.first_clicked_at = clicks[0].clicked_at
    recipient.click_count = len(clicks)
    return clicks


def _featured_engagement(recipient: CampaignRecipient, sent: datetime) -> list[EmailClick]:
    """The description's example: opened 10:30, clicked /product-1 10:32 and /pricing 10:35."""
    recipient.status = RecipientStatus.CLICKED
    recipient.sent_at = sent
    recipient.provider_message_id = f"sandbox-{recipient.id}"
    recipient.delivered_at = sent + timedelta(seconds=4)
    recipient.opened_at = sent + timedelta(minutes=30)
    recipient.first_clicked_at = sent + timedelta(minutes=32)
    recipient.open_count, recipient.click_count = 3, 2
    return [
        EmailClick(recipient_id=recipient.id, url="/product-1", clicked_at=recipient.opened_at
                   + timedelta(minutes=2)),
        EmailClick(recipient_id=recipient.id, url="/pricing", clicked_at=recipient.opened_at
                   + timedelta(minutes=5)),
    ]  # fmt: skip


def _campaign(uow: UnitOfWork, location: Location, template: EmailTemplate) -> None:
    rng = demo_random("marketing", location)
    sent = _send_time(uow, location)
    campaign = Campaign(
        id=new_id(), name=CAMPAIGN_NAME, channel=CampaignChannel.EMAIL,
        email_template_id=template.id, audience={"tags": ["Newsletter Subscriber"]},
        status=CampaignStatus.SENT, scheduled_at=sent, started_at=sent,
        completed_at=sent + timedelta(minutes=12), created_at=sent - timedelta(days=2),
        updated_at=sent + timedelta(minutes=12),
    )  # fmt: skip
    uow.session.add(campaign)
    uow.session.flush()
    recipients, clicks, suppressions = [], [], []
    for index, contact in enumerate(_audience(uow, sent)):
        assert contact.email is not None
        moment = sent + timedelta(seconds=index * 2)
        recipient = CampaignRecipient(
            id=new_id(), campaign_id=campaign.id, contact_id=contact.id, address=contact.email,
            status=rng.choices([o[0] for o in OUTCOMES], weights=[o[1] for o in OUTCOMES])[0],
            created_at=sent, updated_at=sent,
        )  # fmt: skip
        if contact.email == FEATURED_EMAIL:
            clicks += _featured_engagement(recipient, sent)
        else:
            clicks += _track(recipient, rng, moment)
        if recipient.status is RecipientStatus.UNSUBSCRIBED:
            suppressions.append(
                Suppression(
                    channel=SuppressionChannel.EMAIL, address=contact.email,
                    reason=SuppressionReason.UNSUBSCRIBED, contact_id=contact.id,
                    campaign_id=campaign.id, note="one-click unsubscribe",
                )
            )  # fmt: skip
        recipients.append(recipient)
    statuses = [r.status for r in recipients]
    campaign.recipients_count = len(recipients)
    campaign.sent_count = sum(s not in _NOT_SENT for s in statuses)
    campaign.bounced_count = statuses.count(RecipientStatus.BOUNCED)
    campaign.delivered_count = campaign.sent_count - campaign.bounced_count
    campaign.opened_count = sum(s in _OPENED for s in statuses)
    campaign.clicked_count = statuses.count(RecipientStatus.CLICKED)
    campaign.unsubscribed_count = statuses.count(RecipientStatus.UNSUBSCRIBED)
    uow.session.add_all(recipients)
    uow.session.flush()
    uow.session.add_all([*clicks, *suppressions])


def _build(uow: UnitOfWork, location: Location) -> None:
    uow.require("marketing.send")
    templates, sms = _templates(uow)
    uow.session.flush()
    if location.is_main:
        _campaign(uow, location, templates[FEATURE_TEMPLATE])
        # A draft for the owner to finish: nothing is sent until someone schedules it.
        uow.session.add(
            Campaign(
                name="Weekend Brunch Promo", channel=CampaignChannel.SMS,
                sms_template_id=sms["Weekend Brunch Promo"].id,
                audience={"tags": ["Newsletter Subscriber"], "exclude_tags": ["inactive"]},
            )
        )  # fmt: skip


def seed_marketing(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    seed_locations(
        uows,
        ctx,
        lambda uow: exists(
            uow, select(EmailTemplate.id).where(EmailTemplate.name == FEATURE_TEMPLATE)
        ),
        _build,
    )
