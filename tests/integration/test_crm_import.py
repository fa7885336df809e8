"""CSV import: formats, mapping, validation, duplicates, update mode, all-or-nothing."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select, text

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import Contact
from ghl_desktop.services import contacts, custom_field_definitions, tags
from ghl_desktop.services.contact_import import importer
from ghl_desktop.services.contact_import.csv_source import parse
from ghl_desktop.services.contact_listing import count, fetch_rows
from ghl_desktop.services.contact_search import search_contact_ids
from tests.conftest import make_tenant

HEADER = (
    "First Name,Last Name,Email,Phone,Additional Phone,Company Name,Address,City,State,"
    "Postal Code,Country,Source,Tags,Created Date,Owner,DND\n"
)


def _import(rt, t, data, **kwargs):
    return importer.import_contacts(rt.uows, t.owner, t.sub_account_id, data, **kwargs)


def _emails(rt, t, sub=None) -> set[str]:
    rows = fetch_rows(rt.uows, t.owner, sub or t.sub_account_id, limit=1000)
    return {r.email for r in rows if r.email}


def test_every_mapped_header_lands_in_its_field(runtime) -> None:
    t = make_tenant(runtime)
    data = HEADER + (
        'Ada,Lovelace,ADA@Example.com,(415) 555-2671,+44 20 7946 0958,"Engines, Ltd",'
        '12 St James Sq,London,LDN,SW1Y,GB,referral,"VIP, Lead",03/15/2024,'
        "owner@acme-agency.com,yes\n"
    )
    result = _import(runtime, t, data.encode())
    assert (result.created, result.updated, result.skipped, result.rejected) == (1, 0, 0, ())
    (row,) = fetch_rows(runtime.uows, t.owner, t.sub_account_id)
    info = contacts.get_contact(runtime.uows, t.owner, t.sub_account_id, row.id)
    assert (info.first_name, info.last_name, info.email) == ("Ada", "Lovelace", "ada@example.com")
    assert info.phone == "+14155552671"
    assert info.custom_fields["additional_phone"] == "+442079460958"
    assert (info.company, info.city, info.state, info.postal_code, info.country) == (
        "Engines, Ltd", "London", "LDN", "SW1Y", "GB",
    )  # fmt: skip
    assert info.source == "referral"
    assert sorted(tag.name for tag in info.tags) == ["Lead", "VIP"]
    assert info.created_at.date().isoformat() == "2024-03-15"
    assert info.assigned_user_id == t.owner.user_id
    assert (info.dnd_sms, info.dnd_email, info.dnd_calls, info.dnd_whatsapp) == (True,) * 4
    # The search index knows the imported contact and its tags.
    with runtime.uows.tenant(t.owner, t.sub_account_id, read_only=True) as uow:
        assert search_contact_ids(uow.session, t.sub_account_id, "lovelace vip") == [info.id]


@pytest.mark.parametrize(
    ("encoding", "newline", "delimiter"),
    [
        ("utf-8", "\n", ","),
        ("utf-8-sig", "\r\n", ","),
        ("utf-8-sig", "\r\n", ";"),
        ("utf-8", "\r\n", "\t"),
        ("cp1252", "\r\n", ";"),
    ],
)
def test_file_formats(runtime, encoding, newline, delimiter) -> None:
    t = make_tenant(runtime)
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    w.writerow(["Full Name", "Email", "Company", "Tags"])
    w.writerow(["José Müller", "jose@example.com", 'Quotes "R" Us, Inc.', "VIP; Lead"])
    w.writerow(["Zoë Line", "zoe@example.com", "Multi\r\nline\nco", "VIP"])
    result = _import(runtime, t, out.getvalue().encode(encoding))
    assert result.created == 2, result.rejected
    rows = {r.email: r for r in fetch_rows(runtime.uows, t.owner, t.sub_account_id)}
    jose = rows["jose@example.com"]
    assert (jose.first_name, jose.last_name) == ("José", "Müller")
    assert jose.company == 'Quotes "R" Us, Inc.'
    assert jose.tags == "Lead, VIP"
    assert "Multi" in rows["zoe@example.com"].company


def test_parse_numbers_rows_like_a_spreadsheet() -> None:
    table = parse(b'Name,Note\r\nA,"one\r\ntwo"\r\n,\r\nB,x\r\n')
    assert [n for n, _cells in table.rows] == [2, 4]  # the blank row 3 is skipped, not renumbered
    assert table.rows[0][1] == ["A", "one\r\ntwo"]


def test_rejected_rows_name_row_column_and_reason(runtime) -> None:
    t = make_tenant(runtime)
    data = (
        "Name,Email,Phone,Created Date,Owner,DND\n"
        "Good One,good@example.com,,,,\n"
        "Bad Mail,not-an-email,,,,\n"
        "Bad Phone,,12,,,\n"
        ",,,,,\n"
        "Bad Date,d@example.com,,31/31/2024,,\n"
        "Bad Owner,o@example.com,,,nobody@nowhere.com,\n"
        "Bad Dnd,x@example.com,,,,maybe\n"
        ",,,2024-01-01,,\n"
    )
    result = _import(runtime, t, data)
    assert result.created == 1
    found = {(r.row, r.column) for r in result.rejected}
    assert found == {
        (3, "Email"), (4, "Phone"), (6, "Created Date"), (7, "Owner"), (8, "DND"), (9, ""),
    }  # fmt: skip
    by_row = {r.row: r for r in result.rejected}
    assert "not a valid email" in by_row[3].reason
    assert "name, an email or a phone" in by_row[9].reason
    saved = list(csv.reader(io.StringIO(importer.rejected_rows_csv(result.rejected))))
    assert saved[0] == ["row", "column", "value", "reason"]
    assert len(saved) == 1 + len(result.rejected)


def test_duplicates_in_file_and_against_existing(runtime) -> None:
    t = make_tenant(runtime)
    old = contacts.create_contact(
        runtime.uows, t.owner, t.sub_account_id,
        {"first_name": "Old", "email": "old@example.com", "phone": "+14155550100"},
    )  # fmt: skip
    data = (
        "Name,Email,Phone\n"
        "New One,new@example.com,\n"
        "New Again,NEW@example.com,\n"  # same email as row 2, other case
        "Phone Twin,twin@example.com,(415) 555-0100\n"  # existing contact's phone
        "Old Again,old@example.com,\n"
    )
    result = _import(runtime, t, data)
    assert (result.created, result.skipped) == (1, 2)
    assert [(r.row, r.column, r.reason) for r in result.rejected] == [
        (3, "Email", "same email as row 2")
    ]
    assert {s.contact_id for s in result.skipped_rows} == {old.id}
    # Each skipped row says which of its values an existing contact already holds.
    assert [(s.row, s.reason) for s in result.skipped_rows] == [
        (4, "already a contact with phone +14155550100"),
        (5, "already a contact with email old@example.com"),
    ]
    assert count(runtime.uows, t.owner, t.sub_account_id) == 2


def test_into_an_empty_sub_account_duplicates_across_chunks_are_still_found(runtime) -> None:
    """With no live contact beforehand the writer skips the database lookups: every match is
    then a row of the same file, found by the in-file check, whatever chunk it falls in."""
    t = make_tenant(runtime)
    gone = contacts.create_contact(
        runtime.uows, t.owner, t.sub_account_id, {"first_name": "Gone", "email": "p7@example.com"}
    )
    contacts.delete_contact(runtime.uows, t.owner, t.sub_account_id, gone.id)
    lines = ["Name,Email,Phone"] + [
        f"P{i},p{i}@example.com,(415) 555-{i:04d}" for i in range(4_500)
    ]
    lines[4_200] = "Twin,p3@example.com,"  # row 4201, email of row 5 (another chunk)
    lines[4_300] = "Twin,,(415) 555-0009"  # row 4301, phone of row 11
    result = _import(runtime, t, "\n".join(lines), workers=0, update_existing=True)
    assert [(r.row, r.column, r.reason) for r in result.rejected] == [
        (4201, "Email", "same email as row 5"),
        (4301, "Phone", "same phone as row 11"),
    ]
    # the deleted contact is no match: its email comes back as a new contact
    assert (result.created, result.updated, result.skipped) == (4_498, 0, 0)


def test_update_existing_fills_cells_and_adds_tags(runtime) -> None:
    t = make_tenant(runtime)
    old = contacts.create_contact(
        runtime.uows, t.owner, t.sub_account_id,
        {"first_name": "Old", "last_name": "Name", "email": "old@example.com", "city": "Paris"},
        tags=["Existing"],
    )  # fmt: skip
    data = "Email,Company,City,Tags\nold@example.com,NewCo,,Fresh\nnew@example.com,Other,,\n"
    result = _import(runtime, t, data, update_existing=True, tags=["Imported"])
    assert (result.created, result.updated, result.skipped) == (1, 1, 0)
    info = contacts.get_contact(runtime.uows, t.owner, t.sub_account_id, old.id)
    assert (info.first_name, info.company, info.city) == ("Old", "NewCo", "Paris")
    assert {tag.name for tag in info.tags} == {"Existing", "Fresh", "Imported"}
    with runtime.uows.tenant(t.owner, t.sub_account_id, read_only=True) as uow:
        assert search_contact_ids(uow.session, t.sub_account_id, "fresh") == [old.id]
    everyone = fetch_rows(runtime.uows, t.owner, t.sub_account_id)
    assert all("Imported" in row.tags for row in everyone)


def test_rows_from_the_worker_update_existing_contacts_in_full(runtime) -> None:
    """The worker sends compact rows; one that updates a contact is checked again in full."""
    t = make_tenant(runtime)
    old = contacts.create_contact(
        runtime.uows, t.owner, t.sub_account_id,
        {"first_name": "Old", "email": "old@example.com", "city": "Paris"},
    )  # fmt: skip
    lines = ["Name,Email,Company,City,Tags,Created Date"] + [
        f"P{i},p{i}@example.com,Co{i},,Bulk,2025-01-02" for i in range(6_500)
    ]
    lines[6_400] = "Renamed Person,OLD@example.com,NewCo,,Fresh,2001-02-03"
    result = _import(runtime, t, "\n".join(lines), update_existing=True, workers=1)
    assert (result.created, result.updated, result.rejected) == (6_499, 1, ())
    info = contacts.get_contact(runtime.uows, t.owner, t.sub_account_id, old.id)
    assert (info.first_name, info.last_name, info.company, info.city) == (
        "Renamed", "Person", "NewCo", "Paris",
    )  # fmt: skip
    assert info.created_at.date().isoformat() == "2001-02-03"
    assert {tag.name for tag in info.tags} == {"Fresh"}
    newest = fetch_rows(runtime.uows, t.owner, t.sub_account_id, limit=1)[0]
    assert newest.created_at.date().isoformat() == "2025-01-02"


def test_custom_fields_by_label_typed_and_required(runtime) -> None:
    t = make_tenant(runtime)
    uows, owner, sub = runtime.uows, t.owner, t.sub_account_id
    custom_field_definitions.create_custom_field(
        uows, owner, sub, label="Industry", field_type="select", options=["tech", "retail"]
    )
    custom_field_definitions.create_custom_field(
        uows, owner, sub, label="Annual Revenue", field_type="monetary", is_required=True
    )
    data = 'Name,Industry,Annual Revenue\nA,tech,"$1,250.50"\nB,farming,10\nC,retail,\n'
    result = _import(runtime, t, data)
    assert result.created == 1
    assert {(r.row, r.column) for r in result.rejected} == {
        (3, "Industry"), (4, "Annual Revenue"),
    }  # fmt: skip
    (row,) = fetch_rows(uows, owner, sub)
    assert row.custom_fields == {"industry": "tech", "annual_revenue": 125050}


def test_preview_maps_headers_and_shows_first_rows(runtime) -> None:
    t = make_tenant(runtime)
    data = "Full Name;E-mail;Business Name;Zip;Unknown\nAda Lovelace;ada@x.org;Engines;123;?\n"
    preview = importer.preview_import(runtime.uows, t.owner, t.sub_account_id, data)
    assert preview.delimiter == ";"
    assert preview.mapping == {0: "full_name", 1: "email", 2: "company", 3: "postal_code", 4: None}
    assert preview.total_rows == 1
    (row,) = preview.rows
    assert (row["first_name"], row["last_name"], row["company"]) == ("Ada", "Lovelace", "Engines")
    assert count(runtime.uows, t.owner, t.sub_account_id) == 0  # previewing writes nothing


def test_cancel_halfway_leaves_nothing(runtime) -> None:
    t = make_tenant(runtime)
    lines = ["Name,Email"] + [f"P{i},p{i}@example.com" for i in range(5_000)]
    seen: list[int] = []
    with pytest.raises(importer.ImportCancelled):
        _import(
            runtime, t, "\n".join(lines), progress=lambda done, _total: seen.append(done),
            cancel=lambda: len(seen) >= 1,
        )  # fmt: skip
    assert seen == [importer.CHUNK]
    assert count(runtime.uows, t.owner, t.sub_account_id) == 0
    # The search triggers are back: a contact created now is searchable.
    ada = contacts.create_contact(runtime.uows, t.owner, t.sub_account_id, {"first_name": "Ada"})
    with runtime.uows.tenant(t.owner, t.sub_account_id, read_only=True) as uow:
        assert search_contact_ids(uow.session, t.sub_account_id, "ada") == [ada.id]
        triggers = uow.session.execute(
            text("SELECT count(*) FROM sqlite_master WHERE name LIKE 'contacts_fts_%insert'")
        ).scalar()
    assert triggers == 2


def test_crash_halfway_leaves_nothing(runtime, monkeypatch) -> None:
    t = make_tenant(runtime)
    lines = ["Name,Email"] + [f"P{i},p{i}@example.com" for i in range(5_000)]
    from ghl_desktop.services.contact_import import writer

    calls = []
    real = writer.ImportWriter.write

    def failing(self, outcomes):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(self, outcomes)

    monkeypatch.setattr(writer.ImportWriter, "write", failing)
    with pytest.raises(RuntimeError):
        _import(runtime, t, "\n".join(lines))
    with runtime.uows.system(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Contact)) == 0


def test_large_file_uses_a_worker_and_keeps_row_numbers(runtime) -> None:
    t = make_tenant(runtime)
    lines = ["Name,Email"] + [f"P{i},p{i}@example.com" for i in range(7_000)]
    lines[5000] = "Broken,not-an-email"
    result = _import(runtime, t, "\n".join(lines), tags=["Batch"])
    assert result.created == 6_999
    assert [(r.row, r.column) for r in result.rejected] == [(5001, "Email")]
    assert tags.list_tags(runtime.uows, t.owner, t.sub_account_id)[0].contact_count == 6_999


def test_import_needs_a_mapping_and_staff_may_import(runtime) -> None:
    t = make_tenant(runtime)
    from ghl_desktop.services import users
    from ghl_desktop.services.actor import Actor
    from tests.conftest import TEST_PASSWORD

    viewer = users.create_user(
        runtime.uows, t.owner, t.agency_id, "viewer@acme-agency.com", TEST_PASSWORD,
        role="staff", sub_account_id=t.sub_account_id,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="mapping"):
        _import(runtime, t, "Nothing,Useful\n1,2\n")
    staff = Actor(viewer.id, viewer.email)
    result = importer.import_contacts(
        runtime.uows, staff, t.sub_account_id, "Name\nAda\n"
    )  # staff may write contacts
    assert result.created == 1


def test_import_on_both_databases(any_runtime) -> None:
    t = make_tenant(any_runtime)
    contacts.create_contact(any_runtime.uows, t.owner, t.sub_account_id,
                            {"first_name": "Old", "email": "old@example.com"})  # fmt: skip
    data = (
        "Full Name,Email,Phone,Tags,Created Date\n"
        'Ada Lovelace,ada@example.com,(415) 555-2671,"VIP, Lead",2024-03-15\n'
        "Old Friend,OLD@example.com,,Returning,\n"
        "Ada Twin,ada@example.com,,,\n"
    )
    result = _import(any_runtime, t, data, update_existing=True, tags=["Fair"])
    assert (result.created, result.updated, result.skipped) == (1, 1, 0)
    assert [(r.row, r.column) for r in result.rejected] == [(4, "Email")]
    rows = {r.email: r for r in fetch_rows(any_runtime.uows, t.owner, t.sub_account_id)}
    assert rows["ada@example.com"].tags == "Fair, Lead, VIP"
    assert rows["old@example.com"].tags == "Fair, Returning"
    with any_runtime.uows.tenant(t.owner, t.sub_account_id, read_only=True) as uow:
        found = search_contact_ids(uow.session, t.sub_account_id, "lovelace")
    assert found == [rows["ada@example.com"].id]


def test_our_own_export_imports_back_with_its_created_dates(runtime) -> None:
    # The export writes Created Date as an ISO timestamp with its offset; the import refused
    # every row of such a file ("... is not a date").
    from ghl_desktop.services.contact_export import export_to_text

    t = make_tenant(runtime)
    data = HEADER + (
        "Ada,Lovelace,ada@example.com,,,,,,,,,,VIP,03/15/2024,,\n"
        "Grace,Hopper,grace@example.com,,,,,,,,,,,2024-01-15,,\n"
    )
    assert _import(runtime, t, data.encode()).created == 2
    exported = export_to_text(runtime.uows, t.owner, t.sub_account_id)
    assert "T" in exported.splitlines()[1].split(",")[-1]  # an ISO timestamp, as shipped
    result = importer.import_contacts(
        runtime.uows, t.owner, t.other_sub_account_id, exported.encode()
    )
    assert (result.created, result.rejected) == (2, ())
    before = {r.email: r.created_at for r in fetch_rows(runtime.uows, t.owner, t.sub_account_id)}
    after = {
        r.email: r.created_at for r in fetch_rows(runtime.uows, t.owner, t.other_sub_account_id)
    }
    assert after == before


def test_created_date_with_an_offset_keeps_that_instant(runtime) -> None:
    from datetime import UTC, datetime

    from ghl_desktop.services.contact_import.rows import parse_created

    zone = __import__("zoneinfo").ZoneInfo("America/New_York")
    assert parse_created("2024-01-15T10:30:00+02:00", zone) == datetime(
        2024, 1, 15, 8, 30, tzinfo=UTC
    )
    # Without an offset the sub-account's zone applies, as before.
    assert parse_created("2024-01-15T10:30:00", zone) == datetime(2024, 1, 15, 15, 30, tzinfo=UTC)
    with pytest.raises(ValidationError, match="created_at"):
        parse_created("2024-01-15T25:00:00+00:00", zone)


@pytest.mark.parametrize(
    "body",
    [
        '"unclosed,x@example.com\r\n',
        '"unclosed,x@example.com',
        'Bob,b@example.com\r\n"unclosed,x@example.com\r\nCy,c@example.com\r\n',
    ],
)
def test_a_quote_never_closed_is_refused_not_swallowed(body) -> None:
    # A lenient reader took everything after the stray quote as one name.
    with pytest.raises(ValidationError, match=r"file: .*row \d+.*never closed"):
        parse(("Name,Email\r\n" + body).encode())


def test_quotes_that_close_and_literal_inches_still_parse() -> None:
    table = parse(b'Name,Note\r\nTV,5" screen\r\n"Multi\r\nline",ok\r\n"Last\nfield"')
    assert [cells for _n, cells in table.rows] == [
        ["TV", '5" screen'],
        ["Multi\r\nline", "ok"],
        ["Last\nfield", ""],
    ]


def test_preview_rejects_a_duplicate_within_the_file_as_the_import_does(runtime) -> None:
    t = make_tenant(runtime)
    data = (
        "Name,Email,Phone\n"
        "Ada Lovelace,ada@example.com,\n"
        "Alan Turing,,(415) 555-2671\n"
        "Ada Again,ADA@example.com,\n"
        "Alan Again,,415.555.2671\n"
    )
    preview = importer.preview_import(runtime.uows, t.owner, t.sub_account_id, data)
    assert [r["row"] for r in preview.rows] == [2, 3]
    result = _import(runtime, t, data.encode())
    assert preview.rejected == result.rejected
    assert [(r.row, r.column, r.reason) for r in preview.rejected] == [
        (4, "Email", "same email as row 2"),
        (5, "Phone", "same phone as row 3"),
    ]


def test_a_binary_file_is_named_as_not_csv() -> None:
    with pytest.raises(ValidationError, match="file: is not a CSV text file"):
        parse(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_excel_unicode_text_utf16_with_bom_parses(encoding) -> None:
    text = "Name\tEmail\r\nZoë Ågren\tzoe@example.com\r\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    table = parse(data)
    assert (table.delimiter, table.encoding) == ("\t", "utf-16")
    assert table.rows == [(2, ["Zoë Ågren", "zoe@example.com"])]
