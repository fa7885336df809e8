"""The contacts full-text index (migration 0003) stays current and is searchable."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import Contact, ContactTag, Tag
from ghl_desktop.services.contact_search import (
    forget_capabilities,
    search_contact_ids,
    search_terms,
)
from tests.conftest import make_tenant
from tests.integration.model_builders import add, contact, purge, tenant_uow
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


def _search(rt, t, query: str, sub_account_id: str | None = None) -> set[str]:
    with tenant_uow(rt, t, sub_account_id) as uow:
        return set(search_contact_ids(uow.session, sub_account_id or t.sub_account_id, query))


def _people(rt, t) -> dict[str, str]:
    with tenant_uow(rt, t) as uow:
        ada = contact(
            uow, first_name="Ada", last_name="Lovelace", email="ada@analytical.org",
            phone="+14155552671", company="Analytical Engines",
        )  # fmt: skip
        grace = contact(uow, first_name="Grace", last_name="Hopper", email="grace@navy.mil")
        uow.commit()
    with tenant_uow(rt, t, t.other_sub_account_id) as uow:
        other = contact(uow, first_name="Ada", last_name="Other", email="ada@other.org")
        uow.commit()
    return {"ada": ada.id, "grace": grace.id, "other": other.id}


def test_search_finds_names_emails_phones_and_companies(any_runtime) -> None:
    t = make_tenant(any_runtime)
    ids = _people(any_runtime, t)
    ada = {ids["ada"]}
    assert _search(any_runtime, t, "ada") == ada  # not the other sub-account's Ada
    assert _search(any_runtime, t, "lov") == ada  # prefixes
    assert _search(any_runtime, t, "Ada LOVELACE") == ada
    assert _search(any_runtime, t, "ada@analytical") == ada
    assert _search(any_runtime, t, "analytical.org") == ada
    assert _search(any_runtime, t, "engines") == ada
    for phone in ("+1 415 555 2671", "(415) 555-2671", "555-2671", "4155552671"):
        assert _search(any_runtime, t, phone) == ada, phone
    assert _search(any_runtime, t, "ada hopper") == set()  # every word must match
    assert _search(any_runtime, t, "zebra") == set()
    assert _search(any_runtime, t, '  "*:() ') == set()  # nothing searchable, no syntax error
    assert _search(any_runtime, t, "ada", t.other_sub_account_id) == {ids["other"]}
    # The sub-account token is not searchable content.
    assert _search(any_runtime, t, t.sub_account_id.replace("-", "")[:4]) == set()


def test_index_follows_updates_tags_and_deletes(any_runtime) -> None:
    t = make_tenant(any_runtime)
    ids = _people(any_runtime, t)
    with tenant_uow(any_runtime, t) as uow:
        grace = uow.session.get(Contact, ids["grace"])
        assert grace is not None
        grace.last_name = "Murray"
        grace.company = "Harvard Mark"
        uow.commit()
    assert _search(any_runtime, t, "hopper") == set()
    assert _search(any_runtime, t, "murray harvard") == {ids["grace"]}

    with tenant_uow(any_runtime, t) as uow:
        vip = add(uow, Tag(name="VIP"))
        for cid in (ids["ada"], ids["grace"]):
            add(uow, ContactTag(contact_id=cid, tag_id=vip.id))
        uow.commit()
    assert _search(any_runtime, t, "vip") == {ids["ada"], ids["grace"]}

    with tenant_uow(any_runtime, t) as uow:  # untag one contact
        link = uow.session.get(ContactTag, (ids["ada"], vip.id))
        uow.session.delete(link)
        uow.commit()
    assert _search(any_runtime, t, "vip") == {ids["grace"]}

    with tenant_uow(any_runtime, t) as uow:  # rename the tag
        tag = uow.session.get(Tag, vip.id)
        assert tag is not None
        tag.name = "Platinum"
        uow.commit()
    assert _search(any_runtime, t, "vip") == set()
    assert _search(any_runtime, t, "platinum") == {ids["grace"]}

    purge(any_runtime, t, Tag, vip.id)  # delete the tag: contact_tags cascade re-indexes
    assert _search(any_runtime, t, "platinum") == set()
    assert _search(any_runtime, t, "grace") == {ids["grace"]}

    with tenant_uow(any_runtime, t) as uow:  # soft delete hides, restore shows again
        grace = uow.session.get(Contact, ids["grace"])
        assert grace is not None
        grace.deleted_at = any_runtime.clock.now()
        uow.commit()
    assert _search(any_runtime, t, "grace") == set()

    purge(any_runtime, t, Contact, ids["ada"])  # hard delete removes the index row
    assert _search(any_runtime, t, "ada") == set()
    with tenant_uow(any_runtime, t) as uow:
        conn = uow.session.connection()
        rows = conn.execute(text("SELECT count(*) FROM contacts_fts")).scalar()
        assert rows == 2  # grace (soft-deleted, still indexed) and the other sub-account's Ada


def test_search_terms_and_limits(runtime, tenant) -> None:
    assert search_terms("  Ada  O'Neil ") == ["ada", "o", "neil"]
    assert search_terms("(415) 555-2671") == ["4155552671"]
    assert search_terms("12") == ["12"]
    assert search_terms("José") == ["josé"]
    with tenant_uow(runtime, tenant) as uow:
        for n in range(5):
            contact(uow, first_name=f"Sam{n}", last_name="Smith")
        uow.commit()
        assert len(search_contact_ids(uow.session, tenant.sub_account_id, "smith", limit=3)) == 3
        with pytest.raises(ValidationError, match="limit: must be between 1 and 500"):
            search_contact_ids(uow.session, tenant.sub_account_id, "smith", limit=0)


def test_sqlite_index_survives_vacuum(runtime, tenant) -> None:
    with tenant_uow(runtime, tenant) as uow:
        ids = [contact(uow, first_name=f"Person{n}").id for n in range(20)]
        uow.commit()
    for cid in ids[:10]:
        purge(runtime, tenant, Contact, cid)
    with runtime.database.writer.connect() as conn:
        conn.exec_driver_sql("COMMIT")  # leave the BEGIN IMMEDIATE the engine opened
        conn.exec_driver_sql("VACUUM")
    with tenant_uow(runtime, tenant) as uow:
        ada = uow.session.scalars(select(Contact).where(Contact.id == ids[15])).one()
        ada.first_name = "Renamed"
        uow.commit()
    assert _search(runtime, tenant, "renamed") == {ids[15]}
    assert _search(runtime, tenant, "person15") == set()
    assert len(_search(runtime, tenant, "person")) == 9


def test_postgresql_without_pg_trgm_falls_back_to_word_prefixes(pg_runtime) -> None:
    t = make_tenant(pg_runtime)
    ids = _people(pg_runtime, t)
    # With pg_trgm (installed by the migration here) a word matches inside words too.
    assert _search(pg_runtime, t, "lytical") == {ids["ada"]}
    with pg_runtime.uows.system() as uow:
        uow.session.execute(text("DROP EXTENSION pg_trgm CASCADE"))
        uow.commit()
    forget_capabilities(pg_runtime.database.writer)
    assert _search(pg_runtime, t, "lytical") == set()
    assert _search(pg_runtime, t, "analyt") == {ids["ada"]}
    assert _search(pg_runtime, t, "555 2671") == {ids["ada"]}


def _migrate(rt, target: str, *, down: bool) -> None:
    from alembic import command

    from ghl_desktop.services.schema import alembic_config

    cfg = alembic_config()
    with rt.database.writer.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, target)


def test_migration_indexes_existing_contacts_and_downgrades_cleanly(any_runtime) -> None:
    t = make_tenant(any_runtime)
    ids = _people(any_runtime, t)
    _migrate(any_runtime, "0002", down=True)
    with any_runtime.database.reader.connect() as conn:
        names = set(inspect(conn).get_table_names())
    assert not {n for n in names if n.startswith("contacts_fts")}
    with tenant_uow(any_runtime, t) as uow:  # no triggers left behind to trip over
        contact(uow, first_name="Added", last_name="Between")
        uow.commit()
    _migrate(any_runtime, "head", down=False)
    assert _search(any_runtime, t, "ada") == {ids["ada"]}
    assert len(_search(any_runtime, t, "between")) == 1
