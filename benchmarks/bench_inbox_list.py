"""The inbox list at 100,000 conversations: the first page and a page deep in the list under
each filter (all, unread, mine, unassigned, a channel, a status), through
``services.inbox.queries`` (tenant scope, joins for the contact and channel names), next to
hand-written SQL reading the same page in the same run. Target: every page <= 300 ms.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, text

from ghl_desktop.bootstrap import build_runtime
from ghl_desktop.core.clock import SystemClock
from ghl_desktop.core.ids import new_id
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.models.conversations import Channel, ChannelType, Conversation
from ghl_desktop.models.crm import Contact
from ghl_desktop.services import agencies
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.inbox.queries import ConversationFilter, list_conversations

CONVERSATIONS = int(os.environ.get("BENCH_INBOX_CONVERSATIONS", "100000"))
PAGE = 50
REPEATS = 5
FILTERS = {
    "all": ConversationFilter(),
    "unread": ConversationFilter(view="unread"),
    "mine": ConversationFilter(view="mine"),
    "unassigned": ConversationFilter(view="unassigned"),
    "channel sms": ConversationFilter(channel="sms"),
    "status pending": ConversationFilter(status="pending"),
}
BARE = (
    "SELECT c.id, ct.first_name, ct.last_name, ch.type, c.last_message_preview "
    "FROM conversations c JOIN contacts ct ON ct.id = c.contact_id "
    "JOIN channels ch ON ch.id = c.channel_id WHERE c.sub_account_id = :sub "
    "AND c.snoozed_until IS NULL ORDER BY c.last_message_at DESC, c.id DESC LIMIT :n"
)


def _ms(fn: object) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ghl-inbox-bench-") as scratch:
        folder = Path(scratch)
        rt = build_runtime(folder / "data", clock=SystemClock(),
                           secrets=EncryptedFileSecretStore(folder / "s.enc"))  # fmt: skip
        inst = agencies.init_installation(rt.uows, "Bench", "owner@bench.example",
                                          "correct-horse-battery-9", "Owner")  # fmt: skip
        owner = Actor(user_id=inst.owner_user_id, label="owner")
        sub = agencies.create_sub_account(rt.uows, owner, inst.agency_id, "Bench").id
        rng = random.Random(7)
        with rt.uows.tenant(owner, sub) as uow:
            now = uow.clock.now()
            channels = [new_id() for _ in range(4)]
            kinds = [ChannelType.SMS, ChannelType.EMAIL, ChannelType.WHATSAPP, ChannelType.WEBCHAT]
            uow.session.execute(insert(Channel), [
                {"id": c, "sub_account_id": sub, "type": k, "provider": "sandbox",
                 "name": k.value, "config": {}, "is_active": True, "created_at": now,
                 "updated_at": now} for c, k in zip(channels, kinds, strict=True)
            ])  # fmt: skip
            contacts = [new_id() for _ in range(CONVERSATIONS)]
            for start in range(0, CONVERSATIONS, 5000):
                uow.session.execute(insert(Contact), [
                    {"id": c, "sub_account_id": sub, "first_name": f"Guest {start + i}",
                     "created_at": now, "updated_at": now}
                    for i, c in enumerate(contacts[start:start + 5000])
                ])  # fmt: skip
                uow.session.execute(insert(Conversation), [
                    {"id": new_id(), "sub_account_id": sub, "channel_id": rng.choice(channels),
                     "contact_id": c, "status": rng.choice(["open", "open", "pending", "resolved"]),
                     "assigned_user_id": owner.user_id if rng.random() < 0.2 else None,
                     "last_message_at": now - timedelta(minutes=rng.randint(0, 500_000)),
                     "last_message_preview": "Is a table free tonight?",
                     "unread_count": 1 if rng.random() < 0.1 else 0, "is_starred": False,
                     "created_at": now, "updated_at": now}
                    for c in contacts[start:start + 5000]
                ])  # fmt: skip
            uow.commit()
        with rt.database.writer.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        with rt.uows.system(read_only=True) as uow:
            bare = _ms(lambda: uow.session.execute(text(BARE), {"sub": sub, "n": PAGE}).all())
        print(f"{CONVERSATIONS:,} conversations; hand-written SQL, first page: {bare:.1f} ms")
        worst = 0.0
        for name, flt in FILTERS.items():
            first = list_conversations(rt.uows, owner, sub, flt, limit=PAGE)
            cursor = first.next_cursor
            for _ in range(20):  # 1,000 rows down the list
                if cursor is None:
                    break
                cursor = list_conversations(rt.uows, owner, sub, flt, after=cursor,
                                            limit=PAGE).next_cursor  # fmt: skip
            page1 = _ms(lambda flt=flt: list_conversations(rt.uows, owner, sub, flt, limit=PAGE))
            deep = _ms(lambda flt=flt, c=cursor: list_conversations(
                rt.uows, owner, sub, flt, after=c, limit=PAGE))  # fmt: skip
            worst = max(worst, page1, deep)
            print(f"{name:>15}: first page {page1:6.1f} ms, page 21 {deep:6.1f} ms "
                  f"(hand-written SQL {bare:.1f} ms)")  # fmt: skip
        print(f"inbox list at {CONVERSATIONS:,} conversations: slowest page {worst:.1f} ms "
              f"(target <= 300 ms; hand-written SQL {bare:.1f} ms)")  # fmt: skip
        rt.close()


if __name__ == "__main__":
    main()
