"""Demo step 1: the agency, its two restaurant sub-accounts and their users."""

from __future__ import annotations

from sqlalchemy import select

from ghl_desktop.core.errors import Conflict
from ghl_desktop.models.tenancy import Agency, SubAccount, User
from ghl_desktop.services import agencies, auth, users
from ghl_desktop.services.demo.context import AGENCY_NAME, DEMO_PASSWORD, OWNER_EMAIL, DemoContext
from ghl_desktop.services.uow import UnitOfWorkFactory

SUB_ACCOUNTS = {
    "Restaurant Location A": "America/New_York",
    "Restaurant Location B": "America/Chicago",
}
# email, full name, role, sub-account (None: agency-wide)
USERS: list[tuple[str, str, str, str | None]] = [
    ("admin@digitalmarketing.com", "Alex Admin", "agency_admin", None),
    ("john@restaurant.com", "John Carter", "manager", "Restaurant Location A"),
    ("jane@restaurant.com", "Jane Miller", "staff", "Restaurant Location A"),
    ("bob@restaurant.com", "Bob Nguyen", "manager", "Restaurant Location B"),
]


def seed_tenancy(uows: UnitOfWorkFactory) -> DemoContext:
    with uows.system(read_only=True) as uow:
        agency_id = uow.session.scalar(select(Agency.id).where(Agency.name == AGENCY_NAME))
    if agency_id is None:
        result = agencies.init_installation(
            uows, AGENCY_NAME, OWNER_EMAIL, DEMO_PASSWORD, "Olivia Owner"
        )
        agency_id = result.agency_id
    owner = auth.actor_for_user(uows, users.find_user_id(uows, OWNER_EMAIL))
    ctx = DemoContext(agency_id, AGENCY_NAME, OWNER_EMAIL, owner)
    with uows.system(read_only=True) as uow:
        existing = dict(
            uow.session.execute(
                select(SubAccount.name, SubAccount.id).where(SubAccount.agency_id == agency_id)
            ).all()
        )
    for name, tz in SUB_ACCOUNTS.items():
        if name not in existing:
            existing[name] = agencies.create_sub_account(
                uows, owner, agency_id, name, timezone=tz
            ).id
        ctx.sub_accounts[name] = existing[name]
    for email, full_name, role, sub_name in USERS:
        sub_id = ctx.sub_accounts[sub_name] if sub_name else None
        try:
            info = users.create_user(
                uows, owner, agency_id, email, DEMO_PASSWORD,
                full_name=full_name, role=role, sub_account_id=sub_id,
            )  # fmt: skip
            ctx.users[email] = info.id
        except Conflict:
            ctx.users[email] = users.find_user_id(uows, email)
    with uows.system(read_only=True) as uow:
        owner_id = uow.session.scalar(select(User.id).where(User.email == OWNER_EMAIL))
    assert owner_id is not None
    ctx.users[OWNER_EMAIL] = owner_id
    return ctx
