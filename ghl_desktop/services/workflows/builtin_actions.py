"""The built-in action types and their settings."""

from __future__ import annotations

from ghl_desktop.models.workflows import ActionType as A
from ghl_desktop.services.workflows.fields import FieldSpec as F
from ghl_desktop.services.workflows.fields import Kind
from ghl_desktop.services.workflows.specs import ActionSpec

UNITS = ("minutes", "hours", "days", "weeks")
WAIT_MODES = ("duration", "until_datetime", "time_of_day", "until_event")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
IF_ELSE_BRANCHES = ("yes", "no")
OWNER_KEYWORDS = ("contact_owner", "opportunity_owner")
DURATION = {"mode": ("duration",)}
UNTIL = {"mode": ("until_datetime",)}
TIME_OF_DAY = {"mode": ("time_of_day",)}
EVENT = {"mode": ("until_event",)}


def _event_fields(required: bool) -> tuple[F, ...]:
    when = {} if required else {"mode": ("until_event",)}
    return (
        F(
            "event_type",
            "Event",
            Kind.TRIGGER_TYPE,
            required=required,
            required_when=when,
            shown_when=when,
            help="A trigger type: the step waits for that kind of event about the contact",
        ),
        F(
            "event_filters",
            "Event filters",
            Kind.MAPPING,
            shown_when=when,
            help='Filters of that trigger type, e.g. {"tag": "Booked"}',
        ),
    )


BUILTIN_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        A.SEND_EMAIL,
        "Send email",
        "Messaging",
        (
            F("template_id", "Email template", Kind.EMAIL_TEMPLATE),
            F("subject", "Subject", required_when={"template_id": ("", None)}),
            F("body", "Body", Kind.MULTILINE),
            F("from_name", "From name"),
            F("reply_to", "Reply-to address"),
        ),
        description="Sends an email (a template, or this subject and body). Skipped when the "
        "contact is unsubscribed from email.",
        one_of=(("template_id", "body"),),
        external=True,
    ),
    ActionSpec(
        A.SEND_SMS,
        "Send SMS",
        "Messaging",
        (F("template_id", "SMS template", Kind.SMS_TEMPLATE), F("body", "Message", Kind.MULTILINE)),
        description="Sends a text message. Skipped when the contact has SMS DND on.",
        one_of=(("template_id", "body"),),
        external=True,
    ),
    ActionSpec(
        A.WAIT,
        "Wait",
        "Flow",
        (
            F(
                "mode",
                "Wait for",
                Kind.CHOICE,
                required=True,
                options=WAIT_MODES,
                default="duration",
            ),
            F(
                "amount",
                "Amount",
                Kind.INTEGER,
                minimum=1,
                required_when=DURATION,
                shown_when=DURATION,
            ),
            F(
                "unit",
                "Unit",
                Kind.CHOICE,
                options=UNITS,
                default="days",
                required_when=DURATION,
                shown_when=DURATION,
            ),
            F("until", "Until", Kind.DATETIME, required_when=UNTIL, shown_when=UNTIL),
            F(
                "time",
                "Time of day (HH:MM)",
                Kind.TIME,
                required_when=TIME_OF_DAY,
                shown_when=TIME_OF_DAY,
            ),
            F(
                "weekdays",
                "On weekdays",
                Kind.CHOICES,
                options=WEEKDAYS,
                help="Empty: any day",
                shown_when=TIME_OF_DAY,
            ),
            *_event_fields(required=False),
            F("timeout_amount", "Give up after", Kind.INTEGER, minimum=1, shown_when=EVENT),
            F(
                "timeout_unit",
                "Timeout unit",
                Kind.CHOICE,
                options=UNITS,
                default="days",
                shown_when=EVENT,
            ),
        ),
        description="Pauses the run: for a duration, until a date, a time of day or weekday, "
        "or until an event happens (with an optional timeout).",
    ),
    ActionSpec(
        A.IF_ELSE,
        "If / else",
        "Flow",
        (
            F("conditions", "Conditions", Kind.CONDITIONS, required=True),
            F("match", "Match", Kind.CHOICE, options=("all", "any"), default="all"),
        ),
        branch_labels=IF_ELSE_BRANCHES,
        description="Takes the yes branch when the conditions hold (on contact fields, custom "
        "fields, tags, the run's context or a previous step's result), else the no branch.",
    ),
    ActionSpec(
        A.ADD_TAG,
        "Add tag",
        "Contact",
        (F("tag", "Tag", Kind.TAG, required=True),),
        description="Puts a tag on the contact.",
    ),
    ActionSpec(
        A.REMOVE_TAG,
        "Remove tag",
        "Contact",
        (F("tag", "Tag", Kind.TAG, required=True),),
        description="Takes a tag off the contact.",
    ),
    ActionSpec(
        A.UPDATE_FIELD,
        "Update contact field",
        "Contact",
        (
            F("field", "Field", Kind.CONTACT_FIELD, required=True),
            F("value", "New value", help="Merge fields such as {{contact.first_name}} work"),
        ),
        description="Sets a contact field or custom field (empty value clears it).",
    ),
    ActionSpec(
        A.CREATE_TASK,
        "Create task",
        "Contact",
        (
            F("title", "Title", required=True),
            F("description", "Description", Kind.MULTILINE),
            F("due_in_hours", "Due in (hours)", Kind.INTEGER, minimum=0, default=24),
            F(
                "assign_to",
                "Assign to",
                Kind.USER,
                keywords=OWNER_KEYWORDS,
                help="A user, or contact_owner / opportunity_owner",
            ),
        ),
        description="Creates a task on the contact.",
    ),
    ActionSpec(
        A.CREATE_NOTE,
        "Add note",
        "Contact",
        (F("body", "Note", Kind.MULTILINE, required=True),),
        description="Adds a note to the contact.",
    ),
    ActionSpec(
        A.ASSIGN_USER,
        "Assign user",
        "Contact",
        (F("user_id", "User", Kind.USER, required=True),),
        description="Makes a user the contact's owner.",
    ),
    ActionSpec(
        A.CREATE_OPPORTUNITY,
        "Create opportunity",
        "Opportunities",
        (
            F("stage_id", "Pipeline stage", Kind.PIPELINE_STAGE, required=True),
            F("name", "Name", default="{{contact.name}}"),
            F("value_minor", "Value (minor units)", Kind.INTEGER, minimum=0),
            F("assign_to", "Owner", Kind.USER, keywords=OWNER_KEYWORDS[:1]),
        ),
        description="Opens an opportunity for the contact in a pipeline stage.",
    ),
    ActionSpec(
        A.MOVE_OPPORTUNITY,
        "Move opportunity",
        "Opportunities",
        (
            F("stage_id", "To stage", Kind.PIPELINE_STAGE, required=True),
            F(
                "create_if_missing",
                "Create one if the contact has none",
                Kind.BOOLEAN,
                default=False,
            ),
        ),
        description="Moves the contact's open opportunity of that pipeline to the stage.",
    ),
    ActionSpec(
        A.ADD_TO_WORKFLOW,
        "Add to workflow",
        "Workflows",
        (F("workflow_id", "Workflow", Kind.WORKFLOW, required=True),),
        description="Enrols the contact in another workflow (chains are loop-protected).",
    ),
    ActionSpec(
        A.REMOVE_FROM_WORKFLOW,
        "Remove from workflow",
        "Workflows",
        (F("workflow_id", "Workflow", Kind.WORKFLOW, required=True),),
        description="Cancels the contact's active runs of another workflow.",
    ),
    ActionSpec(
        A.WEBHOOK,
        "Outbound webhook",
        "Integrations",
        (
            F("url", "URL", Kind.URL, required=True),
            F("method", "Method", Kind.CHOICE, options=("POST", "PUT", "PATCH"), default="POST"),
            F("headers", "Extra headers", Kind.MAPPING),
            F(
                "body",
                "Body (JSON template)",
                Kind.MULTILINE,
                help="Empty: the contact and the run's context as JSON",
            ),
        ),
        description="Posts to a URL, signed per Standard Webhooks. Private, loopback and "
        "link-local targets are refused.",
        external=True,
    ),
    ActionSpec(
        A.GOAL,
        "Goal",
        "Flow",
        _event_fields(required=True),
        terminal=True,
        description="Waits until the event happens, then the contact leaves the workflow.",
    ),
    ActionSpec(
        A.END,
        "End",
        "Flow",
        (),
        terminal=True,
        description="The run ends here.",
    ),
)
