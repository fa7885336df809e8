"""Inbox commands: conversations and messages of a sub-account."""

from __future__ import annotations

import argparse
from typing import Any

from ghl_desktop.cli.context import Context
from ghl_desktop.cli.options import json_flag, sub_account_option
from ghl_desktop.cli.output import emit, print_json

CHANNELS = ["sms", "email", "whatsapp", "webchat", "sandbox"]


def register(commands: Any) -> None:
    conversations = commands.add_parser(
        "conversations", help="inbox conversations of a sub-account"
    ).add_subparsers(metavar="ACTION")
    p = conversations.add_parser("list", help="conversations, most recent first")
    sub_account_option(p)
    p.add_argument("--status", choices=["open", "pending", "resolved"])
    views = ["all", "unread", "mine", "unassigned", "starred", "snoozed"]
    p.add_argument("--view", default="all", choices=views)
    p.add_argument("--channel", choices=CHANNELS)
    p.add_argument("--limit", type=int, default=50, metavar="N")
    json_flag(p)
    p.set_defaults(handler=cmd_conversations_list)

    messages = commands.add_parser("messages", help="send and read messages").add_subparsers(
        metavar="ACTION"
    )
    p = messages.add_parser("send", help="send a message to a contact (queued in the outbox)")
    sub_account_option(p)
    p.add_argument("--contact", required=True, metavar="ID")
    p.add_argument("--channel", required=True, choices=CHANNELS)
    p.add_argument("--body", required=True, metavar="TEXT")
    p.add_argument("--subject", metavar="TEXT", help="the subject (email only)")
    json_flag(p)
    p.set_defaults(handler=cmd_messages_send)

    p = messages.add_parser("list", help="the messages of a conversation, oldest first")
    p.add_argument("--conversation", required=True, metavar="ID")
    p.add_argument(
        "--sub-account", metavar="ID", dest="sub_account",
        help="the conversation's sub-account (found from the id when omitted)",
    )  # fmt: skip
    p.add_argument("--limit", type=int, default=100, metavar="N")
    json_flag(p)
    p.set_defaults(handler=cmd_messages_list)


def cmd_conversations_list(ctx: Context, args: argparse.Namespace) -> int:
    from ghl_desktop.services.inbox.queries import ConversationFilter, list_conversations

    flt = ConversationFilter(view=args.view, channel=args.channel, status=args.status)
    page = list_conversations(ctx.runtime.uows, ctx.actor, args.sub_account, flt, limit=args.limit)
    rows: list[dict[str, Any]] = [
        {
            "id": r.id, "contact_id": r.contact_id, "contact_name": r.contact_name,
            "channel": r.channel_type, "status": r.status.value,
            "assigned_user_id": r.assigned_user_id, "unread_count": r.unread_count,
            "is_starred": r.is_starred, "last_message_at": r.last_message_at,
            "preview": r.preview,
        }
        for r in page.rows
    ]  # fmt: skip
    table = [(r["id"], r["contact_name"], r["channel"], r["status"], r["unread_count"],
              r["last_message_at"], r["preview"][:40]) for r in rows]  # fmt: skip
    emit(args, rows, ["id", "contact", "channel", "status", "unread", "last message", "preview"],
         table)  # fmt: skip
    return 0


def cmd_messages_send(ctx: Context, args: argparse.Namespace) -> int:
    from ghl_desktop.services.inbox.sending import send

    message_id = send(
        ctx.runtime.uows, ctx.actor, args.sub_account, contact_id=args.contact,
        channel=args.channel, body=args.body, subject=args.subject,
    )  # fmt: skip
    if args.json:
        print_json({"message_id": message_id, "status": "queued"})
    else:
        print(f"queued message {message_id} ({args.channel})")
    return 0


def cmd_messages_list(ctx: Context, args: argparse.Namespace) -> int:
    from ghl_desktop.services.inbox.queries import list_messages, sub_account_of_conversation

    uows = ctx.runtime.uows
    sub_account_id = args.sub_account or sub_account_of_conversation(
        uows, ctx.actor, args.conversation
    )
    page = list_messages(uows, ctx.actor, sub_account_id, args.conversation, limit=args.limit)
    rows: list[dict[str, Any]] = [
        {
            "id": m.id, "direction": m.direction.value, "sender_type": m.sender_type,
            "status": m.status, "subject": m.subject, "body": m.body, "error": m.error,
            "created_at": m.created_at, "segments": m.segments,
        }
        for m in page.messages
    ]  # fmt: skip
    table = [(r["created_at"], r["direction"], r["status"], r["body"][:60]) for r in rows]
    emit(args, rows, ["at", "direction", "status", "body"], table)
    return 0
