"""The bulk path of the contacts index (SQLite): an import indexes every new contact in one
statement with a larger FTS5 term table, then leaves the index as the triggers would have -
consistent, searchable, with its insert triggers and FTS5's default ``hashsize`` back."""

from __future__ import annotations

from sqlalchemy import text

from ghl_desktop.services.contact_fts import DEFAULT_FTS_HASHSIZE, SUSPENDED_TRIGGERS
from ghl_desktop.services.contact_import import importer
from ghl_desktop.services.contact_search import search_contact_ids
from tests.conftest import make_tenant


def test_imported_contacts_are_indexed_and_the_index_is_left_as_found(runtime) -> None:
    t = make_tenant(runtime)
    rows = "".join(f"Name{i},Person{i},p{i}@example.com,VIP\r\n" for i in range(300))
    data = "First Name,Last Name,Email,Tags\r\n" + rows
    assert importer.import_contacts(runtime.uows, t.owner, t.sub_account_id, data).created == 300
    with runtime.database.writer.begin() as conn:
        conn.execute(text("INSERT INTO contacts_fts(contacts_fts) VALUES ('integrity-check')"))
        hashsize = conn.execute(
            text("SELECT v FROM contacts_fts_config WHERE k = 'hashsize'")
        ).scalar()
        assert hashsize in (None, DEFAULT_FTS_HASHSIZE)
        triggers = set(
            conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
        )
        assert set(SUSPENDED_TRIGGERS) <= triggers
    with runtime.uows.tenant(t.owner, t.sub_account_id, read_only=True) as uow:
        assert len(search_contact_ids(uow.session, t.sub_account_id, "person123 vip")) == 1
        assert len(search_contact_ids(uow.session, t.sub_account_id, "p299@example.com")) == 1
