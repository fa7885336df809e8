"""Calendars: setup (calendars, services, availability, teams), the slot engine, booking and
its lifecycle, the public booking page's lookups, reminders. External sync lives in ``sync/``."""
