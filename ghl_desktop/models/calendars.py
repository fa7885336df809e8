"""Calendars: calendar types, bookable services, calendars (a user's or a team's), their
availability rules, the appointments booked on them, their reminders, and what external
calendars (CalDAV) tell us about busy times."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.base import (
    Base,
    IdMixin,
    JSONType,
    SoftDeleteMixin,
    TenantMixin,
    TimestampMixin,
    enum_column_type,
)


class CalendarKind(enum.StrEnum):
    USER = "user"
    TEAM = "team"


class Distribution(enum.StrEnum):
    """How a team calendar assigns bookings: one member in turn, or all members together."""

    ROUND_ROBIN = "round_robin"
    COLLECTIVE = "collective"


class RoundRobinMode(enum.StrEnum):
    """Which free member a round-robin booking goes to: the one with the fewest bookings in the
    period (ties by priority), or always the highest-priority free member."""

    EQUAL_DISTRIBUTION = "equal_distribution"
    PRIORITY = "priority"


class SyncStatus(enum.StrEnum):
    NEVER = "never"
    SYNCING = "syncing"
    OK = "ok"
    ERROR = "error"
    DISABLED = "disabled"


class AvailabilityKind(enum.StrEnum):
    WEEKLY = "weekly"
    OVERRIDE = "override"


class AppointmentStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


# A live appointment holds its assignee's time; cancelled or deleted ones do not.
_HOLDS_TIME = text("status <> 'cancelled' AND deleted_at IS NULL AND assigned_user_id IS NOT NULL")


def day_of_week(day: date) -> int:
    """Our weekday numbering: 0 = Sunday ... 6 = Saturday (as in the data-model docs)."""
    return (day.weekday() + 1) % 7


def _check_timezone(field: str, value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(field, f"unknown IANA time zone {value!r}") from None
    return value


class CalendarType(IdMixin, TimestampMixin, TenantMixin, Base):
    """A category of services ("Consultations", "Classes")."""

    __tablename__ = "calendar_types"
    __audited__ = True
    __table_args__ = (UniqueConstraint("sub_account_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class CalendarService(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """Something a contact can book: its length, buffers and price (minor units)."""

    __tablename__ = "services"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint(
            "buffer_before_minutes >= 0 AND buffer_after_minutes >= 0", name="buffers_not_negative"
        ),
        CheckConstraint("price_minor >= 0", name="price_not_negative"),
        CheckConstraint("length(currency) = 3", name="currency_iso"),
        Index("ix_services_sub_account_type", "sub_account_id", "calendar_type_id", "name"),
    )

    calendar_type_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("calendar_types.id", ondelete="SET NULL"), default=None
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    price_minor: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    requires_payment: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Calendar(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """A bookable calendar: a user's own, or a team's (members in calendar_team_members).

    Booking limits: no slot closer than ``min_notice_minutes`` from now, none further than
    ``max_days_ahead`` days, at most ``max_per_day`` bookings a day (NULL = unlimited), slots
    every ``slot_interval_minutes``.
    """

    __tablename__ = "calendars"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(
            "min_notice_minutes >= 0 AND max_days_ahead > 0 AND slot_interval_minutes > 0"
            " AND (max_per_day IS NULL OR max_per_day > 0)",
            name="booking_limits",
        ),
        Index(
            "uq_calendars_sub_account_slug_live",
            "sub_account_id",
            "slug",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_calendars_sub_account_owner", "sub_account_id", "owner_user_id"),
    )

    kind: Mapped[CalendarKind] = mapped_column(
        enum_column_type(CalendarKind), default=CalendarKind.USER
    )
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))  # booking page address
    description: Mapped[str] = mapped_column(Text, default="")
    owner_user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    distribution: Mapped[Distribution] = mapped_column(
        enum_column_type(Distribution), default=Distribution.ROUND_ROBIN
    )
    external_provider: Mapped[str | None] = mapped_column(String(50), default=None)  # "caldav"
    external_id: Mapped[str | None] = mapped_column(String(500), default=None)
    sync_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    last_synced_at: Mapped[datetime | None] = mapped_column(default=None)
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=60)
    max_days_ahead: Mapped[int] = mapped_column(Integer, default=60)
    max_per_day: Mapped[int | None] = mapped_column(Integer, default=None)
    slot_interval_minutes: Mapped[int] = mapped_column(Integer, default=30)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The IANA zone the calendar "lives" in: days (max per day, max days ahead) are counted
    # there, and new availability rules default to it.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    round_robin_mode: Mapped[RoundRobinMode] = mapped_column(
        enum_column_type(RoundRobinMode), default=RoundRobinMode.EQUAL_DISTRIBUTION
    )
    # Minutes before the start at which the invitee is reminded ([1440] = 24 h before).
    reminder_offsets_minutes: Mapped[list[int]] = mapped_column(JSONType, default=lambda: [1440])
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    @validates("timezone")
    def _check_timezone(self, key: str, value: str) -> str:
        return _check_timezone(key, value)


class CalendarServiceLink(IdMixin, TimestampMixin, TenantMixin, Base):
    """A service bookable on a calendar (a calendar without links offers every active one)."""

    __tablename__ = "calendar_services"
    __table_args__ = (
        UniqueConstraint("calendar_id", "service_id"),
        Index("ix_calendar_services_sub_account_service", "sub_account_id", "service_id"),
    )

    calendar_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("calendars.id", ondelete="CASCADE")
    )
    service_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("services.id", ondelete="CASCADE")
    )


class CalendarTeamMember(IdMixin, TimestampMixin, TenantMixin, Base):
    """A user who takes bookings of a team calendar; lower ``priority`` is offered first."""

    __tablename__ = "calendar_team_members"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("calendar_id", "user_id"),
        Index("ix_calendar_team_members_sub_account_user", "sub_account_id", "user_id"),
    )

    calendar_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("calendars.id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class AvailabilityRule(IdMixin, TimestampMixin, TenantMixin, Base):
    """Open hours. ``weekly`` rules repeat on ``day_of_week`` (0 = Sunday); ``override`` rules
    replace the weekly hours on ``override_date`` - with no times they close the day.
    Times are wall-clock in ``timezone``; ``valid_from``/``valid_to`` bound a weekly rule.
    """

    __tablename__ = "availability_rules"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(
            # IS NOT NULL spelled out: a NULL comparison would make the CHECK pass.
            "(kind = 'weekly' AND day_of_week IS NOT NULL AND day_of_week BETWEEN 0 AND 6"
            " AND override_date IS NULL AND start_time IS NOT NULL)"
            " OR (kind = 'override' AND day_of_week IS NULL AND override_date IS NOT NULL)",
            name="weekly_or_override",
        ),
        CheckConstraint(
            "(start_time IS NULL AND end_time IS NULL)"
            " OR (start_time IS NOT NULL AND end_time IS NOT NULL AND start_time < end_time)",
            name="time_range",
        ),
        CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to", name="valid_range"
        ),
        Index(
            "ix_availability_rules_sub_account_calendar", "sub_account_id", "calendar_id", "kind"
        ),
    )

    calendar_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("calendars.id", ondelete="CASCADE")
    )
    kind: Mapped[AvailabilityKind] = mapped_column(
        enum_column_type(AvailabilityKind), default=AvailabilityKind.WEEKLY
    )
    day_of_week: Mapped[int | None] = mapped_column(Integer, default=None)
    override_date: Mapped[date | None] = mapped_column(Date, default=None)
    start_time: Mapped[time | None] = mapped_column(Time, default=None)
    end_time: Mapped[time | None] = mapped_column(Time, default=None)
    timezone: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[date | None] = mapped_column(Date, default=None)
    valid_to: Mapped[date | None] = mapped_column(Date, default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    @validates("timezone")
    def _check_timezone(self, key: str, value: str) -> str:
        return _check_timezone(key, value)


class Appointment(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """A booking (or, without a contact, a busy block imported from an external calendar).

    Calendar and contact are RESTRICT: appointments may carry payments and are history.
    ``external_uid``/``external_etag`` identify the copy in the synced external calendar.
    The buffers are the service's at booking time: the appointment holds its assignee for
    ``[start - before, end + after]``. No two live appointments of one assignee start at the
    same moment (a unique index; overlaps are refused under a per-assignee lock at booking).
    """

    __tablename__ = "appointments"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        Index("ix_appointments_sub_account_calendar", "sub_account_id", "calendar_id", "start_at"),
        Index("ix_appointments_sub_account_contact", "sub_account_id", "contact_id", "start_at"),
        Index(
            "ix_appointments_sub_account_assigned", "sub_account_id", "assigned_user_id", "start_at"
        ),
        Index("ix_appointments_sub_account_status", "sub_account_id", "status", "start_at"),
        Index(
            "uq_appointments_calendar_external",
            "calendar_id",
            "external_uid",
            unique=True,
            sqlite_where=text("external_uid IS NOT NULL"),
            postgresql_where=text("external_uid IS NOT NULL"),
        ),
        Index(
            "uq_appointments_assignee_start_live",
            "assigned_user_id",
            "start_at",
            unique=True,
            sqlite_where=_HOLDS_TIME,
            postgresql_where=_HOLDS_TIME,
        ),
        CheckConstraint(
            "buffer_before_minutes BETWEEN 0 AND 1440 AND buffer_after_minutes BETWEEN 0 AND 1440",
            name="buffers_range",
        ),
    )

    calendar_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("calendars.id", ondelete="RESTRICT")
    )
    contact_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="RESTRICT"), default=None
    )
    service_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("services.id", ondelete="SET NULL"), default=None
    )
    assigned_user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    status: Mapped[AppointmentStatus] = mapped_column(
        enum_column_type(AppointmentStatus), default=AppointmentStatus.SCHEDULED
    )
    title: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    external_uid: Mapped[str | None] = mapped_column(String(500), default=None)
    external_etag: Mapped[str | None] = mapped_column(String(200), default=None)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    invitee_timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    cancellation_reason: Mapped[str] = mapped_column(Text, default="")
    booked_via: Mapped[str] = mapped_column(String(30), default="desktop")  # booking_page, cli


class AppointmentReminder(IdMixin, TimestampMixin, TenantMixin, Base):
    """A reminder queued in the outbox for one appointment start and one offset (a rescheduled
    appointment has a new start, hence new reminders; the old ones are cancelled)."""

    __tablename__ = "appointment_reminders"
    __table_args__ = (
        UniqueConstraint("appointment_id", "offset_minutes", "start_at"),
        Index("ix_appointment_reminders_sub_account_due", "sub_account_id", "due_at"),
    )

    appointment_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("appointments.id", ondelete="CASCADE")
    )
    offset_minutes: Mapped[int] = mapped_column(Integer)
    start_at: Mapped[datetime] = mapped_column()  # the appointment start it reminds of
    due_at: Mapped[datetime] = mapped_column()
    channel: Mapped[str] = mapped_column(String(20))
    outbox_id: Mapped[str | None] = mapped_column(String(36), default=None)


class CalendarExternalEvent(IdMixin, TimestampMixin, TenantMixin, Base):
    """A busy (or free) time read from an external calendar. Busy events block the calendar's
    owner (user calendar) or every member (team calendar) in the slot engine."""

    __tablename__ = "calendar_external_events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        UniqueConstraint("calendar_id", "source", "uid", "recurrence_id"),
        Index(
            "ix_calendar_external_events_sub_account_calendar",
            "sub_account_id",
            "calendar_id",
            "starts_at",
        ),
    )

    calendar_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("calendars.id", ondelete="CASCADE")
    )
    source: Mapped[str] = mapped_column(String(50))  # "caldav"
    uid: Mapped[str] = mapped_column(String(500))
    recurrence_id: Mapped[str] = mapped_column(String(100), default="")  # "" = not recurring
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    summary: Mapped[str] = mapped_column(Text, default="")
    etag: Mapped[str | None] = mapped_column(String(200), default=None)
    is_busy: Mapped[bool] = mapped_column(Boolean, default=True)


class CalendarSyncState(IdMixin, TimestampMixin, TenantMixin, Base):
    """Where and how one calendar syncs (the password lives in the secret store under
    ``secret_key_name``, never here) and how the last sync went."""

    __tablename__ = "calendar_sync_states"
    __table_args__ = (UniqueConstraint("calendar_id"),)

    calendar_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("calendars.id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(String(1000))
    username: Mapped[str] = mapped_column(String(200), default="")
    secret_key_name: Mapped[str] = mapped_column(String(200), default="")
    last_synced_at: Mapped[datetime | None] = mapped_column(default=None)
    sync_token: Mapped[str | None] = mapped_column(String(1000), default=None)
    ctag: Mapped[str | None] = mapped_column(String(500), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[SyncStatus] = mapped_column(
        enum_column_type(SyncStatus), default=SyncStatus.NEVER
    )
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
