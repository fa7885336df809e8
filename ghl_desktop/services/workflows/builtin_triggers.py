"""The built-in trigger types. Event names are those of ``docs/events.md``."""

from __future__ import annotations

from typing import Any

from ghl_desktop.models.workflows import TriggerType as T
from ghl_desktop.services.workflows.fields import Kind
from ghl_desktop.services.workflows.specs import FilterSpec, Match, TriggerSpec, event_value

CHANNELS = ("email", "sms", "whatsapp", "webchat")


def _tag(attr: str = "tag_name", match: str = Match.EQUALS_CI) -> FilterSpec:
    return FilterSpec("tag", "Tag", Kind.TAG, attr=attr, match=match)


def _channel() -> FilterSpec:
    return FilterSpec("channel", "Channel", Kind.CHOICE, options=CHANNELS, attr="channel")


def _pipeline() -> FilterSpec:
    return FilterSpec("pipeline_id", "Pipeline", Kind.PIPELINE, attr="pipeline_id")


def _stage(key: str = "stage_id", label: str = "Stage") -> FilterSpec:
    return FilterSpec(key, label, Kind.PIPELINE_STAGE, attr=key)


def _calendar() -> FilterSpec:
    return FilterSpec("calendar_id", "Calendar", Kind.CALENDAR, attr="calendar_id")


def _min_amount() -> FilterSpec:
    return FilterSpec(
        "min_amount_minor",
        "Minimum amount (minor units)",
        Kind.INTEGER,
        minimum=0,
        attr="amount_minor",
        match=Match.AT_LEAST,
    )


def _custom_field_changed(event: Any) -> bool:
    changed = event_value(event, "changed_fields") or ()
    return any(str(name).startswith("custom_fields.") for name in changed)


BUILTIN_TRIGGERS: tuple[TriggerSpec, ...] = (
    TriggerSpec(
        T.CONTACT_CREATED,
        "Contact created",
        "Contacts",
        ("contact.created",),
        (
            FilterSpec("source", "Source", attr="source", match=Match.EQUALS_CI),
            _tag("tags", Match.CONTAINS),
        ),
        "A contact was created (form, import, by hand).",
    ),
    TriggerSpec(
        T.CONTACT_UPDATED,
        "Contact changed",
        "Contacts",
        ("contact.updated",),
        (FilterSpec("field", "Changed field", Kind.CONTACT_FIELD, match=Match.CHANGED),),
        "One of the contact's fields changed.",
    ),
    TriggerSpec(
        T.TAG_ADDED,
        "Tag added",
        "Contacts",
        ("contact.tag_added",),
        (_tag(),),
        "A tag was put on a contact.",
    ),
    TriggerSpec(
        T.TAG_REMOVED,
        "Tag removed",
        "Contacts",
        ("contact.tag_removed",),
        (_tag(),),
        "A tag was taken off a contact.",
    ),
    TriggerSpec(
        T.CUSTOM_FIELD_CHANGED,
        "Custom field changed",
        "Contacts",
        ("contact.updated",),
        (FilterSpec("field_key", "Custom field", Kind.CUSTOM_FIELD, match=Match.CHANGED_CUSTOM),),
        "A custom field of the contact changed.",
        predicate=_custom_field_changed,
    ),
    TriggerSpec(
        T.FORM_SUBMITTED,
        "Form submitted",
        "Sites",
        ("form.submitted",),
        (FilterSpec("form_id", "Form", Kind.FORM, attr="form_id"),),
        "A visitor submitted a form.",
    ),
    TriggerSpec(
        T.SURVEY_SUBMITTED,
        "Survey submitted",
        "Sites",
        ("survey.submitted",),
        (
            FilterSpec("survey_id", "Survey", Kind.SURVEY, attr="survey_id"),
            FilterSpec(
                "min_score", "Minimum score", Kind.INTEGER, attr="score", match=Match.AT_LEAST
            ),
        ),
        "A visitor finished a survey.",
    ),
    TriggerSpec(
        T.OPPORTUNITY_CREATED,
        "Opportunity created",
        "Opportunities",
        ("opportunity.created",),
        (_pipeline(), _stage()),
        "An opportunity was created.",
    ),
    TriggerSpec(
        T.OPPORTUNITY_STAGE_CHANGED,
        "Opportunity stage changed",
        "Opportunities",
        ("opportunity.stage_changed",),
        (
            _pipeline(),
            _stage("from_stage_id", "From stage"),
            _stage("to_stage_id", "To stage"),
            FilterSpec(
                "days_in_stage",
                "Days in stage at least",
                Kind.INTEGER,
                minimum=0,
                match=Match.ENGINE,
                help="Enrol only once the opportunity has sat this long in the stage.",
            ),
        ),
        "An opportunity moved to another stage.",
    ),
    TriggerSpec(
        T.OPPORTUNITY_WON,
        "Opportunity won",
        "Opportunities",
        ("opportunity.won",),
        (_pipeline(),),
        "An opportunity was marked won.",
    ),
    TriggerSpec(
        T.OPPORTUNITY_LOST,
        "Opportunity lost",
        "Opportunities",
        ("opportunity.lost",),
        (_pipeline(),),
        "An opportunity was marked lost.",
    ),
    TriggerSpec(
        T.APPOINTMENT_BOOKED,
        "Appointment booked",
        "Calendars",
        ("appointment.booked",),
        (_calendar(),),
        "An appointment was booked.",
    ),
    TriggerSpec(
        T.APPOINTMENT_CANCELLED,
        "Appointment cancelled",
        "Calendars",
        ("appointment.cancelled",),
        (_calendar(),),
        "An appointment was cancelled.",
    ),
    TriggerSpec(
        T.APPOINTMENT_NO_SHOW,
        "Appointment no-show",
        "Calendars",
        ("appointment.no_show",),
        (_calendar(),),
        "The contact did not show up for an appointment.",
    ),
    TriggerSpec(
        T.INBOUND_MESSAGE,
        "Inbound message",
        "Conversations",
        ("message.received",),
        (
            _channel(),
            FilterSpec("contains", "Message contains", attr="body", match=Match.TEXT_CONTAINS),
        ),
        "The contact wrote in (email, SMS, WhatsApp, webchat).",
    ),
    TriggerSpec(
        T.OUTBOUND_MESSAGE_FAILED,
        "Outbound message failed",
        "Conversations",
        ("message.failed",),
        (_channel(),),
        "A message to the contact could not be delivered.",
    ),
    TriggerSpec(
        T.PAYMENT_RECEIVED,
        "Payment received",
        "Payments",
        ("payment.succeeded",),
        (_min_amount(),),
        "A payment succeeded.",
    ),
    TriggerSpec(
        T.PAYMENT_FAILED,
        "Payment failed",
        "Payments",
        ("payment.failed",),
        (),
        "A payment failed.",
    ),
    TriggerSpec(
        T.INVOICE_PAID,
        "Invoice paid",
        "Payments",
        ("invoice.paid",),
        (_min_amount(),),
        "An invoice was paid in full.",
    ),
    TriggerSpec(
        T.SUBSCRIPTION_CANCELLED,
        "Subscription cancelled",
        "Payments",
        ("subscription.cancelled",),
        (),
        "A subscription was cancelled.",
    ),
    TriggerSpec(
        T.DATE_REMINDER,
        "Date reminder",
        "Contacts",
        (),
        (
            FilterSpec(
                "date_field",
                "Date field",
                Kind.DATE_FIELD,
                required=True,
                default="date_of_birth",
                match=Match.ENGINE,
                help="date_of_birth (yearly) or a date custom field",
            ),
            FilterSpec(
                "offset_days",
                "Days before (-) or after (+)",
                Kind.INTEGER,
                default=0,
                match=Match.ENGINE,
            ),
            FilterSpec("time_of_day", "At (HH:MM)", Kind.TIME, default="09:00", match=Match.ENGINE),
        ),
        "Fires on a date of the contact (a birthday or any date field), with an offset.",
    ),
    TriggerSpec(
        T.TRIGGER_LINK_CLICKED,
        "Trigger link clicked",
        "Marketing",
        ("trigger_link.clicked",),
        (FilterSpec("link_id", "Link", attr="link_id"),),
        "The contact clicked a tracked trigger link.",
    ),
    TriggerSpec(
        T.INBOUND_WEBHOOK,
        "Inbound webhook",
        "Integrations",
        ("workflow.webhook_received",),
        (),
        "A POST to this workflow's secret webhook URL.",
        scoped_to_workflow=True,
    ),
    TriggerSpec(
        T.MANUAL,
        "Manual enrolment",
        "Manual",
        (),
        (),
        "Enrol one contact, a selection or a smart list by hand.",
    ),
)
