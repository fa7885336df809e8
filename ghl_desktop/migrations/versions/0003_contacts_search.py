"""contacts full-text search (FTS5 on SQLite, tsvector on PostgreSQL)

Revision ID: 0003
Revises: 0002

What is indexed per contact: first + last name, email, phone, company and the names of its
tags. Phones are indexed as their digits, their last 10 and their last 7 digits, so
"4155552671" and "5552671" find "+14155552671". Triggers keep the index current on every
insert, update and delete of contacts, contact_tags and tags; soft-deleted contacts stay
indexed and the search query filters them out. ``services.contact_search`` queries it.

SQLite: ``contacts_fts`` (FTS5, ``prefix='2 3'``, unicode61 without diacritics) whose rowid is
the ``rowid`` of ``contacts_fts_docs`` (contact id -> stable integer). The contacts table's own
rowid cannot be used: it has a text primary key, so VACUUM may renumber it. The FTS row also
carries the sub-account id without dashes as one token, so a search inside one sub-account is a
single index intersection.

PostgreSQL: ``contacts_fts`` (contact_id, sub_account_id, tsvector ``document`` with a GIN
index, lower-case ``search_text``), refreshed by trigger functions - a generated column or an
expression index cannot see the tag names, which live in other tables. When the ``pg_trgm``
extension can be installed, ``search_text`` also gets a trigram GIN index and search then
matches inside words as well; without it search falls back to word prefixes.

Every object here is named ``contacts_fts*``: the schema-drift test ignores those names.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import exc, text

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# -- SQLite ---------------------------------------------------------------------------------
_SQLITE_TABLES = [
    "CREATE TABLE contacts_fts_docs ("
    " rowid INTEGER PRIMARY KEY,"
    " contact_id VARCHAR(36) NOT NULL UNIQUE"
    ")",
    "CREATE VIRTUAL TABLE contacts_fts USING fts5("
    " sub_account, name, email, phone, company, tags,"
    " prefix='2 3', tokenize='unicode61 remove_diacritics 2'"
    ")",
]

_SQLITE_DOCUMENT = """
SELECT d.rowid,
       replace(c.sub_account_id, '-', ''),
       trim(c.first_name || ' ' || c.last_name),
       coalesce(c.email, ''),
       CASE WHEN c.phone IS NULL THEN ''
            ELSE substr(c.phone, 2) || ' ' || substr(c.phone, -10) || ' ' || substr(c.phone, -7)
       END,
       c.company,
       coalesce((SELECT group_concat(t.name, ' ')
                 FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
                 WHERE ct.contact_id = c.id), '')
FROM contacts c JOIN contacts_fts_docs d ON d.contact_id = c.id
"""

_SQLITE_COLUMNS = "contacts_fts(rowid, sub_account, name, email, phone, company, tags)"


def _sqlite_refresh(ids: str) -> str:
    """Statements that re-index the contacts whose ids are in ``ids`` (an IN list body)."""
    return (
        "DELETE FROM contacts_fts WHERE rowid IN"
        f" (SELECT rowid FROM contacts_fts_docs WHERE contact_id IN ({ids}));\n"
        f"INSERT INTO {_SQLITE_COLUMNS} {_SQLITE_DOCUMENT} WHERE c.id IN ({ids});"
    )


_INDEXED_CONTACT_COLUMNS = "first_name, last_name, email, phone, company, sub_account_id"

_SQLITE_TRIGGERS = {
    "contacts_fts_contact_insert": f"""
        AFTER INSERT ON contacts BEGIN
            INSERT INTO contacts_fts_docs(contact_id) VALUES (new.id);
            {_sqlite_refresh("new.id")}
        END""",
    "contacts_fts_contact_update": f"""
        AFTER UPDATE OF {_INDEXED_CONTACT_COLUMNS} ON contacts BEGIN
            {_sqlite_refresh("new.id")}
        END""",
    "contacts_fts_contact_delete": """
        AFTER DELETE ON contacts BEGIN
            DELETE FROM contacts_fts WHERE rowid IN
                (SELECT rowid FROM contacts_fts_docs WHERE contact_id = old.id);
            DELETE FROM contacts_fts_docs WHERE contact_id = old.id;
        END""",
    "contacts_fts_tag_link_insert": f"""
        AFTER INSERT ON contact_tags BEGIN
            {_sqlite_refresh("new.contact_id")}
        END""",
    "contacts_fts_tag_link_update": f"""
        AFTER UPDATE ON contact_tags BEGIN
            {_sqlite_refresh("old.contact_id, new.contact_id")}
        END""",
    "contacts_fts_tag_link_delete": f"""
        AFTER DELETE ON contact_tags BEGIN
            {_sqlite_refresh("old.contact_id")}
        END""",
    "contacts_fts_tag_rename": f"""
        AFTER UPDATE OF name ON tags BEGIN
            {_sqlite_refresh("SELECT contact_id FROM contact_tags WHERE tag_id = new.id")}
        END""",
}


def _upgrade_sqlite() -> None:
    for statement in _SQLITE_TABLES:
        op.execute(statement)
    for name, body in _SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("INSERT INTO contacts_fts_docs(contact_id) SELECT id FROM contacts ORDER BY id")
    op.execute(f"INSERT INTO {_SQLITE_COLUMNS} {_SQLITE_DOCUMENT}")


def _downgrade_sqlite() -> None:
    for name in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS contacts_fts")
    op.execute("DROP TABLE IF EXISTS contacts_fts_docs")


# -- PostgreSQL -----------------------------------------------------------------------------
_PG_STATEMENTS = [
    """
    CREATE TABLE contacts_fts (
        contact_id VARCHAR(36) PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
        sub_account_id VARCHAR(36) NOT NULL,
        document TSVECTOR NOT NULL,
        search_text TEXT NOT NULL
    )""",
    "CREATE INDEX contacts_fts_document ON contacts_fts USING gin (document)",
    "CREATE INDEX contacts_fts_sub_account ON contacts_fts (sub_account_id)",
    """
    CREATE FUNCTION contacts_fts_refresh(ids VARCHAR[]) RETURNS void LANGUAGE sql AS $$
        DELETE FROM contacts_fts WHERE contact_id = ANY(ids);
        INSERT INTO contacts_fts (contact_id, sub_account_id, document, search_text)
        SELECT s.id, s.sub_account_id,
               to_tsvector('simple', regexp_replace(s.search_text, '[^[:alnum:]]+', ' ', 'g')),
               s.search_text
        FROM (
            SELECT c.id, c.sub_account_id, lower(concat_ws(' ',
                       c.first_name, c.last_name, c.email,
                       substr(c.phone, 2), right(c.phone, 10), right(c.phone, 7),
                       c.company,
                       (SELECT string_agg(t.name, ' ')
                        FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
                        WHERE ct.contact_id = c.id))) AS search_text
            FROM contacts c WHERE c.id = ANY(ids)
        ) s;
    $$""",
    """
    CREATE FUNCTION contacts_fts_on_contact() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM contacts_fts_refresh(ARRAY[NEW.id]);
        RETURN NULL;
    END $$""",
    f"""
    CREATE TRIGGER contacts_fts_contact AFTER INSERT OR UPDATE OF {_INDEXED_CONTACT_COLUMNS}
    ON contacts FOR EACH ROW EXECUTE FUNCTION contacts_fts_on_contact()""",
    """
    CREATE FUNCTION contacts_fts_on_tag_link() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM contacts_fts_refresh(ARRAY[NEW.contact_id]);
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM contacts_fts_refresh(ARRAY[OLD.contact_id]);
        ELSE
            PERFORM contacts_fts_refresh(ARRAY[OLD.contact_id, NEW.contact_id]);
        END IF;
        RETURN NULL;
    END $$""",
    """
    CREATE TRIGGER contacts_fts_tag_link AFTER INSERT OR UPDATE OR DELETE
    ON contact_tags FOR EACH ROW EXECUTE FUNCTION contacts_fts_on_tag_link()""",
    """
    CREATE FUNCTION contacts_fts_on_tag_rename() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM contacts_fts_refresh(
            ARRAY(SELECT contact_id FROM contact_tags WHERE tag_id = NEW.id));
        RETURN NULL;
    END $$""",
    """
    CREATE TRIGGER contacts_fts_tag_rename AFTER UPDATE OF name
    ON tags FOR EACH ROW EXECUTE FUNCTION contacts_fts_on_tag_rename()""",
    "SELECT contacts_fts_refresh(ARRAY(SELECT id FROM contacts))",
]

TRIGRAM_INDEX = "CREATE INDEX contacts_fts_search_text_trgm ON contacts_fts USING gin (search_text gin_trgm_ops)"


def _install_trigram() -> bool:
    """Install pg_trgm when the server has it and we may; report whether it is usable."""
    bind = op.get_bind()
    available = bind.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).scalar()
    if not available:
        return False
    try:
        with bind.begin_nested():
            bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except exc.DBAPIError:
        return False  # e.g. not allowed to create extensions: word-prefix search still works
    return True


def _upgrade_postgresql() -> None:
    for statement in _PG_STATEMENTS:
        op.execute(statement)
    if _install_trigram():
        op.execute(TRIGRAM_INDEX)


def _downgrade_postgresql() -> None:
    op.execute("DROP TRIGGER IF EXISTS contacts_fts_tag_rename ON tags")
    op.execute("DROP TRIGGER IF EXISTS contacts_fts_tag_link ON contact_tags")
    op.execute("DROP TRIGGER IF EXISTS contacts_fts_contact ON contacts")
    for function in ("on_tag_rename()", "on_tag_link()", "on_contact()", "refresh(VARCHAR[])"):
        op.execute(f"DROP FUNCTION IF EXISTS contacts_fts_{function}")
    op.execute("DROP TABLE IF EXISTS contacts_fts")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _downgrade_postgresql()
    else:
        _downgrade_sqlite()
