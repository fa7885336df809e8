"""CRM commands: contacts (import, export, list, search, get, tag) and smart lists."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ghl_desktop.cli.context import Context
from ghl_desktop.cli.options import json_flag, sub_account_option
from ghl_desktop.cli.output import emit, print_json
from ghl_desktop.core.errors import ValidationError

ROW_HEADERS = ["id", "name", "email", "phone", "company", "tags"]


def _common(parser: argparse.ArgumentParser) -> None:
    sub_account_option(parser)
    json_flag(parser)


def register(commands: Any) -> None:
    contacts = commands.add_parser("contacts", help="contacts of a sub-account").add_subparsers(
        metavar="ACTION"
    )
    p = contacts.add_parser("import", help="import contacts from a CSV file")
    p.add_argument("file", metavar="FILE", type=Path)
    p.add_argument(
        "--update-existing", action="store_true",
        help="update contacts matching by email or phone (default: skip them)",
    )  # fmt: skip
    p.add_argument("--tag", action="append", default=[], metavar="TAG",
                   help="add this tag to every imported contact (repeatable)")  # fmt: skip
    p.add_argument("--rejected-out", type=Path, metavar="FILE",
                   help="also write the rejected rows to this CSV file")  # fmt: skip
    _common(p)
    p.set_defaults(handler=cmd_import)

    p = contacts.add_parser("export", help="export contacts (all or a smart list) to CSV")
    p.add_argument("--smart-list", metavar="ID", dest="smart_list")
    p.add_argument("--columns", metavar="KEYS",
                   help="comma-separated column keys (default: the usual columns)")  # fmt: skip
    p.add_argument("--out", required=True, type=Path, metavar="FILE")
    _common(p)
    p.set_defaults(handler=cmd_export)

    p = contacts.add_parser("list", help="list contacts, newest first")
    p.add_argument("--limit", type=int, default=50, metavar="N")
    p.add_argument("--offset", type=int, default=0, metavar="N")
    _common(p)
    p.set_defaults(handler=cmd_list)

    p = contacts.add_parser("search", help="full-text search (names, email, phone, company, tags)")
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--limit", type=int, default=50, metavar="N")
    _common(p)
    p.set_defaults(handler=cmd_search)

    p = contacts.add_parser("get", help="one contact with all its fields")
    p.add_argument("contact_id", metavar="ID")
    _common(p)
    p.set_defaults(handler=cmd_get)

    tag = contacts.add_parser("tag", help="add or remove tags").add_subparsers(metavar="ACTION")
    for action in ("add", "remove"):
        p = tag.add_parser(action, help=f"{action} a tag on contacts")
        p.add_argument("--tag", action="append", required=True, metavar="TAG")
        p.add_argument("contact_ids", nargs="+", metavar="CONTACT_ID")
        _common(p)
        p.set_defaults(handler=cmd_tag, tag_action=action)

    lists = commands.add_parser("smart-lists", help="saved contact filters").add_subparsers(
        metavar="ACTION"
    )
    p = lists.add_parser("list", help="smart lists with their counts")
    _common(p)
    p.set_defaults(handler=cmd_lists_list)
    p = lists.add_parser("create", help="save a smart list")
    p.add_argument("--name", required=True)
    p.add_argument("--filter-json", required=True, metavar="JSON", dest="filter_json")
    p.add_argument("--shared", action="store_true",
                   help="visible to the whole sub-account (always so without --as: a private "
                   "list belongs to the user who saves it)")  # fmt: skip
    _common(p)
    p.set_defaults(handler=cmd_lists_create)
    p = lists.add_parser("count", help="count the contacts a filter or a saved list matches")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--filter-json", metavar="JSON", dest="filter_json")
    which.add_argument("--id", metavar="ID", dest="list_id")
    _common(p)
    p.set_defaults(handler=cmd_lists_count)


def _filter(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError("filter-json", f"is not valid JSON ({exc.msg})") from None


def _rows(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [(r.id, r.full_name, r.email, r.phone, r.company, r.tags) for r in rows]


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    from ghl_desktop.services.contact_import.importer import import_contacts, rejected_rows_csv

    result = import_contacts(
        ctx.runtime.uows, ctx.actor, args.sub_account, args.file,
        update_existing=args.update_existing, tags=args.tag,
    )  # fmt: skip
    if args.rejected_out is not None:
        args.rejected_out.write_text(rejected_rows_csv(result.rejected), encoding="utf-8")
    if args.json:
        print_json({
            "total_rows": result.total_rows, "created": result.created,
            "updated": result.updated, "skipped": result.skipped,
            "skipped_rows": [{"row": s.row, "contact_id": s.contact_id, "reason": s.reason}
                             for s in result.skipped_rows],
            "rejected": [{"row": r.row, "column": r.column, "value": r.value,
                          "reason": r.reason} for r in result.rejected],
        })  # fmt: skip
        return 0
    print(
        f"created {result.created}, updated {result.updated}, skipped {result.skipped}, "
        f"rejected {len(result.rejected)} (of {result.total_rows} rows)"
    )
    for s in result.skipped_rows:
        print(f"row {s.row} skipped: {s.reason} (contact {s.contact_id})")
    for r in result.rejected:
        where = f" column {r.column!r}" if r.column else ""
        print(f"row {r.row}{where}: {r.reason}", file=sys.stderr)
    return 0


def cmd_export(ctx: Context, args: argparse.Namespace) -> int:
    from ghl_desktop.services.contact_export import export_to_file

    columns = [c.strip() for c in (args.columns or "").split(",") if c.strip()]
    folder = args.out.expanduser().resolve().parent
    if not folder.is_dir():
        raise ValidationError("out", f"the folder {folder} does not exist")
    result = export_to_file(
        ctx.runtime.uows, ctx.actor, args.sub_account, args.out,
        smart_list_id=args.smart_list, columns=columns,
    )  # fmt: skip
    if args.json:
        print_json({"rows": result.rows, "columns": list(result.columns), "file": str(args.out)})
    else:
        print(f"exported {result.rows} contacts to {args.out}")
    return 0


def cmd_list(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.contact_listing import fetch_rows

    rows = fetch_rows(
        ctx.runtime.uows, ctx.actor, args.sub_account, limit=args.limit, offset=args.offset
    )
    emit(args, rows, ROW_HEADERS, _rows(rows))


def cmd_search(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.contact_listing import fetch_rows

    rows = fetch_rows(
        ctx.runtime.uows, ctx.actor, args.sub_account, search=args.query, limit=args.limit
    )
    emit(args, rows, ROW_HEADERS, _rows(rows))


def cmd_get(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.contacts import get_contact

    info = get_contact(ctx.runtime.uows, ctx.actor, args.sub_account, args.contact_id)
    fields = [
        ("id", info.id), ("name", info.full_name), ("email", info.email),
        ("phone", info.phone), ("company", info.company), ("stage", info.lifecycle_stage),
        ("lead score", info.lead_score), ("tags", ", ".join(t.name for t in info.tags)),
        ("created", info.created_at.isoformat(timespec="seconds")),
        *((f"custom: {k}", v) for k, v in sorted(info.custom_fields.items())),
    ]  # fmt: skip
    emit(args, info, ["field", "value"], fields)


def cmd_tag(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services import tags

    if any(not name.strip() for name in args.tag):
        raise ValidationError("tag", "must not be blank")
    change = tags.add_tags if args.tag_action == "add" else tags.remove_tags
    changed = change(ctx.runtime.uows, ctx.actor, args.sub_account, args.contact_ids, args.tag)
    emit(args, {"changed": changed, "contacts": len(set(args.contact_ids)), "tags": args.tag},
         ["changed"], [(changed,)])  # fmt: skip


def cmd_lists_list(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.smart_lists import service

    lists = service.list_smart_lists(ctx.runtime.uows, ctx.actor, args.sub_account)
    counts = service.smart_list_counts(ctx.runtime.uows, ctx.actor, args.sub_account)
    value = [{**vars_of(sl), "count": counts.get(sl.id, 0)} for sl in lists]
    emit(args, value, ["id", "name", "shared", "count"],
         [(sl.id, sl.name, "yes" if sl.is_shared else "", counts.get(sl.id, 0))
          for sl in lists])  # fmt: skip


def vars_of(item: Any) -> dict[str, Any]:
    from ghl_desktop.cli.output import to_jsonable

    data: dict[str, Any] = to_jsonable(item)
    return data


def cmd_lists_create(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.smart_lists import service

    # The local administrator is no user: a private list of theirs would have no owner and no
    # one could ever see it, so without --as the list is shared with the sub-account.
    shared = args.shared or ctx.actor.is_system
    created = service.create_smart_list(
        ctx.runtime.uows, ctx.actor, args.sub_account, args.name, _filter(args.filter_json),
        is_shared=shared,
    )  # fmt: skip
    emit(args, created, ["id", "name", "shared"],
         [(created.id, created.name, "yes" if created.is_shared else "")])  # fmt: skip


def cmd_lists_count(ctx: Context, args: argparse.Namespace) -> None:
    from ghl_desktop.services.smart_lists import service

    uows, actor, sub = ctx.runtime.uows, ctx.actor, args.sub_account
    if args.list_id:
        total = service.count_smart_list(uows, actor, sub, args.list_id)
    else:
        total = service.count_filter(uows, actor, sub, _filter(args.filter_json))
    if args.json:
        print_json({"count": total})
    else:
        print(total)
