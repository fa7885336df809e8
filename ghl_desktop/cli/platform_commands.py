"""Platform commands: init, demo, migrate, agencies, sub-accounts, users, roles."""

from __future__ import annotations

import argparse
from typing import Any

from ghl_desktop.cli.context import Context, read_secret_line
from ghl_desktop.cli.options import json_flag
from ghl_desktop.cli.output import emit, print_json
from ghl_desktop.core.errors import ValidationError

DEFAULT_SUB_ACCOUNT_ROLE = "staff"


def _without_context(fn: Any) -> Any:
    fn.without_context = True
    return fn


def register(commands: Any) -> None:
    p = commands.add_parser("init", help="create the agency and its owner (first run)")
    p.add_argument("--agency", required=True, metavar="NAME")
    p.add_argument("--owner-email", required=True, metavar="EMAIL")
    p.add_argument("--owner-name", default="", metavar="NAME")
    p.add_argument(
        "--owner-password-stdin", action="store_true", required=True,
        help="read the owner's password from the first line of standard input",
    )  # fmt: skip
    p.add_argument("--auto-sign-in", action="store_true", help="open the desktop app as the owner")
    json_flag(p)
    p.set_defaults(handler=cmd_init)

    p = commands.add_parser("demo", help="create the demo agency (idempotent)")
    json_flag(p)
    p.set_defaults(handler=cmd_demo)

    p = commands.add_parser("migrate", help="bring the database schema up to date")
    json_flag(p)
    p.set_defaults(handler=cmd_migrate)

    agencies = commands.add_parser("agencies", help="agencies").add_subparsers(metavar="ACTION")
    p = agencies.add_parser("list", help="list agencies")
    json_flag(p)
    p.set_defaults(handler=cmd_agencies_list)

    subs = commands.add_parser("sub-accounts", help="sub-accounts (tenants)").add_subparsers(
        metavar="ACTION"
    )
    p = subs.add_parser("list", help="list sub-accounts")
    p.add_argument("--agency", metavar="ID")
    p.add_argument("--include-archived", action="store_true")
    json_flag(p)
    p.set_defaults(handler=cmd_subs_list)
    p = subs.add_parser("create", help="create a sub-account")
    p.add_argument("--name", required=True)
    p.add_argument("--agency", metavar="ID")
    p.add_argument("--timezone", default="UTC", help="IANA zone, e.g. America/New_York")
    p.add_argument("--country", default="US", help="default phone region (ISO 3166 alpha-2)")
    p.add_argument("--currency", default="USD", help="ISO 4217 code")
    json_flag(p)
    p.set_defaults(handler=cmd_subs_create)
    for name, archived in (("archive", True), ("unarchive", False)):
        p = subs.add_parser(name, help=f"{name} a sub-account")
        p.add_argument("sub_account_id", metavar="ID")
        json_flag(p)
        p.set_defaults(handler=cmd_subs_archive, archived=archived)

    users = commands.add_parser("users", help="users and their access").add_subparsers(
        metavar="ACTION"
    )
    p = users.add_parser("list", help="list the agency's users and memberships")
    p.add_argument("--agency", metavar="ID")
    json_flag(p)
    p.set_defaults(handler=cmd_users_list)
    p = users.add_parser("create", help="create a user (and optionally grant a role)")
    p.add_argument("--email", required=True)
    p.add_argument("--name", default="")
    p.add_argument("--password-stdin", action="store_true", required=True,
                   help="read the new user's password from standard input")  # fmt: skip
    p.add_argument("--role", help="role key, name or id to grant right away (default with "
                   "--sub-account: staff)")  # fmt: skip
    p.add_argument("--sub-account", metavar="ID", help="grant the role on this sub-account")
    p.add_argument("--agency", metavar="ID")
    json_flag(p)
    p.set_defaults(handler=cmd_users_create)
    p = users.add_parser("grant", help="grant a role agency-wide or on one sub-account")
    p.add_argument("--email", required=True)
    p.add_argument("--role", required=True)
    p.add_argument("--sub-account", metavar="ID")
    p.add_argument("--agency", metavar="ID")
    json_flag(p)
    p.set_defaults(handler=cmd_users_grant)
    p = users.add_parser("revoke", help="revoke agency-wide or one sub-account's access")
    p.add_argument("--email", required=True)
    p.add_argument("--sub-account", metavar="ID")
    p.add_argument("--agency", metavar="ID")
    json_flag(p)
    p.set_defaults(handler=cmd_users_revoke)
    for name, active in (("deactivate", False), ("activate", True)):
        p = users.add_parser(name, help=f"{name} a user (users are never deleted)")
        p.add_argument("--email", required=True)
        p.add_argument("--agency", metavar="ID")
        json_flag(p)
        p.set_defaults(handler=cmd_users_active, active=active)

    roles = commands.add_parser("roles", help="roles").add_subparsers(metavar="ACTION")
    p = roles.add_parser("list", help="list built-in and custom roles with their permissions")
    p.add_argument("--agency", metavar="ID")
    json_flag(p)
    p.set_defaults(handler=cmd_roles_list)


@_without_context
def cmd_init(args: argparse.Namespace) -> int:
    from ghl_desktop.cli.context import open_context
    from ghl_desktop.services import agencies, auth

    password = read_secret_line("owner_password")
    ctx = open_context(args)
    try:
        result = agencies.init_installation(
            ctx.runtime.uows, args.agency, args.owner_email, password, args.owner_name
        )
        if args.auto_sign_in:
            actor = auth.actor_for_user(ctx.runtime.uows, result.owner_user_id)
            auth.set_auto_sign_in(ctx.runtime.uows, actor, True)
    finally:
        ctx.runtime.close()
    if args.json:
        print_json({"agency_id": result.agency_id, "owner_user_id": result.owner_user_id})
    else:
        print(f"created agency {args.agency} ({result.agency_id}) owned by {args.owner_email}")
    return 0


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from ghl_desktop.services.demo import create_demo

    result = create_demo(ctx.runtime.uows)
    if args.json:
        print_json(result)
    else:
        verb = "created" if result.created else "already present:"
        print(f"{verb} demo agency {result.agency_name} ({result.agency_id})")
        print(f"sign in as {result.owner_email} with password {result.password}")
    return 0


@_without_context
def cmd_migrate(args: argparse.Namespace) -> int:
    from ghl_desktop.cli.context import open_context
    from ghl_desktop.services import schema

    ctx = open_context(args)  # building the runtime migrates
    try:
        revision = schema.current_revision(ctx.runtime.database)
        backup = ctx.runtime.migration_backup
    finally:
        ctx.runtime.close()
    if args.json:
        print_json({"revision": revision, "backup": backup})
    else:
        print(f"schema at revision {revision}" + (f" (backup: {backup})" if backup else ""))
    return 0


def cmd_agencies_list(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services import agencies

    items = agencies.list_agencies(ctx.runtime.uows, ctx.actor)
    emit(args, items, ["id", "name", "sub-accounts"],
         [(a.id, a.name, a.sub_account_count) for a in items])  # fmt: skip


def cmd_subs_list(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services import agencies

    agency_id = ctx.agency_id(args.agency)
    items = agencies.list_sub_accounts(
        ctx.runtime.uows, ctx.actor, agency_id, include_archived=args.include_archived
    )
    emit(args, items, ["id", "name", "timezone", "country", "currency", "archived"],
         [(s.id, s.name, s.timezone, s.country, s.currency, "yes" if s.is_archived else "")
          for s in items])  # fmt: skip


def cmd_subs_create(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services import agencies

    sub = agencies.create_sub_account(
        ctx.runtime.uows, ctx.actor, ctx.agency_id(args.agency), args.name,
        timezone=args.timezone, country=args.country, currency=args.currency,
    )  # fmt: skip
    emit(args, sub, ["id", "name"], [(sub.id, sub.name)])


def cmd_subs_archive(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services import agencies

    sub = agencies.set_sub_account_archived(
        ctx.runtime.uows, ctx.actor, args.sub_account_id, args.archived
    )
    emit(args, sub, ["id", "name", "archived"],
         [(sub.id, sub.name, "yes" if sub.is_archived else "no")])  # fmt: skip


def _membership_text(user: Any) -> str:
    parts = []
    for m in user.memberships:
        where = "agency" if m.scope == "agency" else m.target_name
        parts.append(f"{m.role_name} @ {where}")
    return "; ".join(parts)


def _emit_users(args: argparse.Namespace, value: Any, users: list[Any]) -> None:
    emit(args, value, ["id", "email", "name", "active", "access"],
         [(u.id, u.email, u.full_name, "yes" if u.is_active else "no", _membership_text(u))
          for u in users])  # fmt: skip


def cmd_users_list(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services import users

    items = users.list_users(ctx.runtime.uows, ctx.actor, ctx.agency_id(args.agency))
    _emit_users(args, items, items)


def cmd_users_create(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services import users

    role = args.role
    if role is None:
        # A user without any membership could sign in to nothing and would not even be listed:
        # on one sub-account the least privileged role is the safe default; agency-wide access
        # is never implied.
        if args.sub_account is None:
            raise ValidationError(
                "role", "a new user needs access: give --sub-account ID (Staff there unless "
                "--role says otherwise) or an agency-wide --role (agency_admin, agency_owner)",
            )  # fmt: skip
        role = DEFAULT_SUB_ACCOUNT_ROLE
    password = read_secret_line("password")
    user = users.create_user(
        ctx.runtime.uows, ctx.actor, ctx.agency_id(args.agency), args.email, password,
        full_name=args.name, role=role, sub_account_id=args.sub_account,
    )  # fmt: skip
    _emit_users(args, user, [user])


def cmd_users_grant(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services import users

    agency_id = ctx.agency_id(args.agency)
    user_id = users.find_user_id(ctx.runtime.uows, args.email)
    user = users.grant(ctx.runtime.uows, ctx.actor, agency_id, user_id, args.role, args.sub_account)
    _emit_users(args, user, [user])


def cmd_users_revoke(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services import users

    agency_id = ctx.agency_id(args.agency)
    user_id = users.find_user_id(ctx.runtime.uows, args.email)
    user = users.revoke(ctx.runtime.uows, ctx.actor, agency_id, user_id, args.sub_account)
    _emit_users(args, user, [user])


def cmd_users_active(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services import users

    agency_id = ctx.agency_id(args.agency)
    user_id = users.find_user_id(ctx.runtime.uows, args.email)
    user = users.set_active(ctx.runtime.uows, ctx.actor, agency_id, user_id, args.active)
    _emit_users(args, user, [user])


def cmd_roles_list(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services import roles

    items = roles.list_roles(ctx.runtime.uows, ctx.actor, ctx.agency_id(args.agency))
    emit(args, items, ["key", "name", "scope", "builtin", "permissions"],
         [(r.key or r.id, r.name, r.scope, "yes" if r.is_builtin else "",
           len(r.permissions)) for r in items])  # fmt: skip
