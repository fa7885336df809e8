"""What the demo steps share: ids of what earlier steps created."""

from __future__ import annotations

from dataclasses import dataclass, field

from ghl_desktop.services.actor import Actor

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (documented demo credential)
AGENCY_NAME = "Digital Marketing Co"
OWNER_EMAIL = "owner@digitalmarketing.com"


@dataclass
class DemoContext:
    agency_id: str
    agency_name: str
    owner_email: str
    owner: Actor
    # sub-account name -> id, user email -> id
    sub_accounts: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
