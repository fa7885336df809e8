"""Demo CRM: tags, contact custom fields and a few hundred contacts per location.

Location A also gets "John Doe" of Acme Corp, the contact the description's examples use
(custom fields, template rendering, form submission, invoice, analytics journey).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ghl_desktop.models.crm import Contact, ContactCustomField, ContactTag, LifecycleStage, Tag
from ghl_desktop.models.crm_lists import SmartList
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.services.contact_fields import normalise_fields
from ghl_desktop.services.demo.common import (
    FEATURED_EMAIL,
    NEW_LEAD_AGE,
    NEW_LEAD_EMAIL,
    Location,
    days_ago,
    demo_random,
    exists,
    seed_locations,
)
from ghl_desktop.services.demo.context import DemoContext
from ghl_desktop.services.demo.people import COMPANY_SIZES, PeopleFactory, Person
from ghl_desktop.services.smart_lists.service import normalise_filter
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

VIP = "VIP Customer"
NEWSLETTER = "Newsletter Subscriber"
# Tags the demo workflows add or trigger on, and a few everyday ones.
TAGS = {
    VIP: "#D4AF37",
    NEWSLETTER: "#2E86DE",
    "Engaged": "#27AE60",
    "Needs Nurture": "#E67E22",
    "inactive": "#95A5A6",
    "Lead - Website": "#8E44AD",
    "Catering": "#C0392B",
    "Private Events": "#16A085",
}
FEATURED = Person(
    first_name="John",
    last_name="Doe",
    email=FEATURED_EMAIL,
    phone="+12125550147",
    company="Acme Corp",
    address1="350 Fifth Ave",
    city="New York",
    state="NY",
    postal_code="10118",
    source="website_form",
    # Still a lead scored 65: the activity step promotes him to customer (85) as the
    # description's activity-log example shows.
    lifecycle_stage=LifecycleStage.LEAD,
    lead_score=65,
    custom_fields={"company_size": "11-50", "industry": "technology", "annual_revenue": 500000},
)
NEW_LEAD = Person(
    first_name="Maria",
    last_name="Santos",
    email=NEW_LEAD_EMAIL,
    phone="+16465550123",
    company="",
    address1="88 Orchard St",
    city="New York",
    state="NY",
    postal_code="10002",
    source="website_form",
    lifecycle_stage=LifecycleStage.LEAD,
    lead_score=30,
)


def _field_definitions() -> list[ContactCustomField]:
    return [
        ContactCustomField(
            key="company_size", label="Company Size", field_type=CustomFieldType.SELECT,
            options=list(COMPANY_SIZES), position=0,
        ),
        ContactCustomField(
            key="industry", label="Industry", field_type=CustomFieldType.TEXT, position=1,
            placeholder="e.g. technology",
        ),
        ContactCustomField(
            key="annual_revenue", label="Annual Revenue (USD)",
            field_type=CustomFieldType.NUMBER, position=2,
        ),
    ]  # fmt: skip


def _contact(person: Person, created: datetime, owner: str | None) -> Contact:
    """A contact whose standard fields went through the same checks as the contact form's."""
    fields = normalise_fields(
        {
            "first_name": person.first_name, "last_name": person.last_name,
            "email": person.email, "phone": person.phone, "company": person.company,
            "address1": person.address1, "city": person.city, "state": person.state,
            "postal_code": person.postal_code, "country": "US", "source": person.source,
            "lifecycle_stage": person.lifecycle_stage, "lead_score": person.lead_score,
            "custom_fields": dict(person.custom_fields),
        },
        "US",
    )  # fmt: skip
    return Contact(**fields, assigned_user_id=owner, created_at=created, updated_at=created)


def _tags_for(contact: Contact, roll: float) -> list[str]:
    names = []
    valued = contact.lifecycle_stage in (LifecycleStage.CUSTOMER, LifecycleStage.EVANGELIST)
    if valued and contact.lead_score >= 80:
        names.append(VIP)
    if contact.email and roll < 0.4:
        names.append(NEWSLETTER)
    if contact.source == "website_form":
        names.append("Lead - Website")
    if contact.lifecycle_stage is LifecycleStage.LEAD and contact.lead_score < 12:
        names.append("inactive")
    if contact.company and 0.4 <= roll < 0.5:
        names.append("Catering")
    if 0.5 <= roll < 0.56:
        names.append("Private Events")
    return names


def _build(uow: UnitOfWork, location: Location) -> None:
    uow.require("contacts.write")
    rng = demo_random("crm", location)
    now = uow.clock.now().replace(microsecond=0)
    session = uow.session
    tags = {name: Tag(name=name, colour=colour) for name, colour in TAGS.items()}
    session.add_all(tags.values())
    session.add_all(_field_definitions())
    session.flush()  # definitions first: contacts' custom fields are validated against them

    factory = PeopleFactory(location, rng)
    contacts: list[Contact] = []
    if location.is_main:
        factory.reserve(FEATURED.email, FEATURED.phone)
        factory.reserve(NEW_LEAD.email, NEW_LEAD.phone)
        contacts.append(_contact(FEATURED, now - timedelta(days=40), location.manager_id))
        contacts.append(_contact(NEW_LEAD, now - NEW_LEAD_AGE, location.staff_ids[0]))
    for _ in range(location.contact_count):
        person = factory.person()
        owner = rng.choice(location.team) if rng.random() < 0.8 else None
        contacts.append(_contact(person, days_ago(now, rng, 0.2, 90), owner))
    session.add_all(contacts)
    session.flush()

    links = []
    for contact in contacts:
        names = _tags_for(contact, rng.random())
        if contact.email == FEATURED_EMAIL:
            names = [VIP, NEWSLETTER, "Lead - Website"]
        links += [
            ContactTag(contact_id=contact.id, tag_id=tags[n].id, created_at=contact.created_at)
            for n in names
        ]
    session.add_all(links)


def seed_crm(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    seed_locations(
        uows, ctx, lambda uow: exists(uow, select(Tag.id).where(Tag.name == VIP)), _build
    )


# Shared smart lists every location starts with, so the list's tabs show what they are for.
SMART_LISTS: dict[str, dict[str, Any]] = {
    "VIP customers": {"op": "and", "conditions": [
        {"field": "tags", "operator": "has_any", "value": [VIP]}]},
    "Hot leads": {"op": "and", "conditions": [
        {"field": "lifecycle_stage", "operator": "in", "value": ["mql", "sql"]},
        {"field": "lead_score", "operator": "gte", "value": 60}]},
    "New in the last 30 days": {"op": "and", "conditions": [
        {"field": "created_at", "operator": "within_last_days", "value": 30}]},
}  # fmt: skip


def _smart_lists(uow: UnitOfWork, location: Location) -> None:
    for position, (name, filter) in enumerate(SMART_LISTS.items(), start=1):
        uow.session.add(SmartList(
            name=name, filter=normalise_filter(uow, filter).to_json(),
            owner_user_id=location.manager_id, is_shared=True, position=position,
        ))  # fmt: skip


def seed_smart_lists(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    seed_locations(uows, ctx, lambda uow: exists(uow, select(SmartList.id)), _smart_lists)
