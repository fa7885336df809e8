"""Who is acting: a signed-in user, or the system itself (scheduler, migrations, demo)."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Actor:
    user_id: str | None
    label: str
    ip_address: str | None = None
    user_agent: str | None = None

    @property
    def is_system(self) -> bool:
        return self.user_id is None

    def with_request(self, ip_address: str | None, user_agent: str | None) -> Actor:
        return replace(self, ip_address=ip_address, user_agent=user_agent)


SYSTEM = Actor(user_id=None, label="system")
