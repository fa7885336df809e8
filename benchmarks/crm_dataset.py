"""A migrated SQLite database with 1,000,000 contacts in one sub-account, built once and cached.

Rows are written with plain ``executemany`` (the FTS row triggers are parked meanwhile and the
index is built in one statement afterwards), so building takes about a minute instead of the
hour the service layer would need. Every run of a benchmark copies nothing: it opens the cached
file read-mostly. Delete the cache dir (``GHL_BENCH_CACHE``, default /tmp/ghl-bench) to rebuild.

After loading, the scheduler's hourly ``maintenance`` job runs once (checkpoint and
``PRAGMA optimize``), so the planner has the statistics a user's database has an hour after a
big import - not a state no user runs in. A cache built before this was added gets them on
its next use.

The data: realistic-looking names, companies and cities; unique emails and phones; created_at
spread over three years; three custom fields (industry select, company_size select,
annual_revenue number); 20 tags with skewed popularity (0-4 per contact); a second sub-account
with 20,000 contacts so tenant filtering is real.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ghl_desktop.bootstrap import Runtime, build_runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.ids import new_id
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.services import agencies
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.custom_field_definitions import value_index_sql
from ghl_desktop.services.maintenance import run_maintenance


def _words(text: str) -> list[str]:
    return text.split()


CACHE = Path(os.environ.get("GHL_BENCH_CACHE", "/tmp/ghl-bench"))
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
OWNER_EMAIL = "owner@bench.example"
OWNER_PASSWORD = "bench-password-123"  # noqa: S105 (a throwaway benchmark database)
FIRST = _words("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William "
         "Barbara "
         "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Chris Nancy Daniel Lisa Matthew "
         "Betty Anthony Sandra Mark Ashley Donald Emily Steven Kimberly Paul Donna Andrew Michelle "
         "Joshua Carol Kenneth Amanda Kevin Melissa Brian Deborah George Stephanie Tim Rebecca "
         "Ada Grace Alan Edsger Barbara Ken Dennis Linus Guido Margaret")  # fmt: skip
LAST = _words("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
        "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
        "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
        "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
        "Roberts Lovelace Hopper Turing Dijkstra Liskov Ritchie Torvalds Rossum")  # fmt: skip
COMPANIES = _words("Acme Globex Initech Umbrella Hooli Stark Wayne Wonka Cyberdyne Tyrell Soylent "
             "Aperture Vandelay Dunder Oscorp Gringotts")  # fmt: skip
CITIES = [("New York", "NY"), ("Los Angeles", "CA"), ("Chicago", "IL"), ("Houston", "TX"),
          ("Phoenix", "AZ"), ("Philadelphia", "PA"), ("San Antonio", "TX"), ("San Diego", "CA"),
          ("Dallas", "TX"), ("Austin", "TX"), ("Seattle", "WA"), ("Denver", "CO"),
          ("Boston", "MA"), ("Miami", "FL"), ("Portland", "OR")]  # fmt: skip
INDUSTRIES = ["technology", "retail", "healthcare", "finance", "education", "hospitality",
              "construction", "legal", "real estate", "manufacturing"]  # fmt: skip
SIZES = ["1-10", "11-50", "51-200", "201-1000", "1000+"]
STAGES = ["subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist", "other"]
SOURCES = ["website_form", "facebook_ad", "google_ad", "referral", "walk_in", "import"]
# Tag name -> share of contacts carrying it.
TAGS = {"Newsletter": 0.40, "Lead - Website": 0.25, "Engaged": 0.15, "Needs Nurture": 0.10,
        "VIP": 0.05, "Catering": 0.04, "Private Events": 0.03, "inactive": 0.08,
        "Webinar 2025": 0.06, "Black Friday": 0.07, "Referral Partner": 0.01, "Churn Risk": 0.02,
        "Wholesale": 0.015, "Event Attendee": 0.05, "Trial": 0.04, "Enterprise": 0.01,
        "Local": 0.12, "Spanish": 0.03, "Do Not Call List": 0.005, "Beta": 0.002}  # fmt: skip


@dataclass(frozen=True)
class Dataset:
    data_dir: Path
    sub_account_id: str
    other_sub_account_id: str
    owner_email: str
    tag_ids: dict[str, str]
    contacts: int

    def runtime(self) -> Runtime:
        secrets = EncryptedFileSecretStore(self.data_dir / "secrets" / "secrets.enc")
        return build_runtime(self.data_dir, None, clock=FixedClock(NOW), secrets=secrets)


def _fts_migration() -> Any:
    return importlib.import_module("ghl_desktop.migrations.versions.0003_contacts_search")


def contact_row(rng: random.Random, i: int, sub_account_id: str, now: datetime) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state = rng.choice(CITIES)
    created = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
    custom: dict[str, Any] = {"industry": rng.choice(INDUSTRIES)}
    if rng.random() < 0.7:
        custom["company_size"] = rng.choice(SIZES)
    if rng.random() < 0.5:
        custom["annual_revenue"] = rng.randrange(10_000, 50_000_000)
    return {
        "id": new_id(),
        "sub_account_id": sub_account_id,
        "first_name": first,
        "last_name": last,
        "email": f"{first.lower()}.{last.lower()}.{i}@example{i % 97}.com",
        "phone": f"+1{415 + i // 8_000_000}{2_000_000 + i % 8_000_000:07d}",
        "company": f"{rng.choice(COMPANIES)} {rng.choice(['Inc', 'LLC', 'Corp', 'Co'])}",
        "address1": f"{rng.randrange(1, 9999)} Main St",
        "city": city,
        "state": state,
        "postal_code": f"{rng.randrange(10000, 99999)}",
        "country": "US",
        "source": rng.choice(SOURCES),
        "lifecycle_stage": rng.choice(STAGES),
        "lead_score": rng.randrange(0, 101),
        "custom_fields": json.dumps(custom),
        "created_at": created.replace(tzinfo=None).isoformat(sep=" "),
        "updated_at": created.replace(tzinfo=None).isoformat(sep=" "),
    }


INSERT_CONTACT = (
    "INSERT INTO contacts (id, sub_account_id, first_name, last_name, email, phone, company,"
    " address1, city, state, postal_code, country, timezone, source, lifecycle_stage, lead_score,"
    " dnd_sms, dnd_email, dnd_whatsapp, dnd_calls, custom_fields, created_at, updated_at)"
    " VALUES (:id, :sub_account_id, :first_name, :last_name, :email, :phone, :company,"
    " :address1, :city, :state, :postal_code, :country, NULL, :source, :lifecycle_stage,"
    " :lead_score, 0, 0, 0, 0, :custom_fields, :created_at, :updated_at)"
)


def _fill(raw: Any, sub_account_id: str, count: int, tag_ids: dict[str, str], seed: int) -> None:
    rng = random.Random(seed)
    chunk: list[dict[str, Any]] = []
    links: list[tuple[str, str, str, str]] = []
    stamp = NOW.replace(tzinfo=None).isoformat(sep=" ")
    for i in range(count):
        row = contact_row(rng, i + seed * 10_000_000, sub_account_id, NOW)
        chunk.append(row)
        for name, share in TAGS.items():
            if rng.random() < share:
                links.append((row["id"], tag_ids[name], sub_account_id, stamp))
        if len(chunk) >= 20_000:
            raw.executemany(INSERT_CONTACT, chunk)
            raw.executemany(
                "INSERT INTO contact_tags (contact_id, tag_id, sub_account_id, created_at)"
                " VALUES (?, ?, ?, ?)",
                links,
            )
            chunk, links = [], []
    if chunk:
        raw.executemany(INSERT_CONTACT, chunk)
    if links:
        raw.executemany(
            "INSERT INTO contact_tags (contact_id, tag_id, sub_account_id, created_at)"
            " VALUES (?, ?, ?, ?)",
            links,
        )


@dataclass(frozen=True)
class _Tenant:
    owner: Actor
    sub_account_id: str
    other_sub_account_id: str


def _tenant(rt: Runtime) -> _Tenant:
    inst = agencies.init_installation(
        rt.uows, "Bench Agency", OWNER_EMAIL, OWNER_PASSWORD, "Bench Owner"
    )
    owner = Actor(user_id=inst.owner_user_id, label=OWNER_EMAIL)
    a = agencies.create_sub_account(rt.uows, owner, inst.agency_id, "Bench Location")
    b = agencies.create_sub_account(rt.uows, owner, inst.agency_id, "Other Location")
    return _Tenant(owner, a.id, b.id)


def _build(data_dir: Path, contacts: int) -> Dataset:
    from ghl_desktop.models.crm import ContactCustomField, Tag
    from ghl_desktop.models.custom_fields import CustomFieldType

    if data_dir.exists():
        shutil.rmtree(data_dir)
    secrets = EncryptedFileSecretStore(data_dir / "secrets" / "secrets.enc")
    rt = build_runtime(data_dir, None, clock=FixedClock(NOW), secrets=secrets)
    try:
        tenant = _tenant(rt)
        tag_ids: dict[str, dict[str, str]] = {}
        for sub in (tenant.sub_account_id, tenant.other_sub_account_id):
            with rt.uows.tenant(tenant.owner, sub) as uow:
                tags = {name: Tag(name=name) for name in TAGS}
                uow.session.add_all(tags.values())
                uow.session.add_all(
                    [
                        ContactCustomField(key="industry", label="Industry",
                                           field_type=CustomFieldType.SELECT, options=INDUSTRIES),
                        ContactCustomField(key="company_size", label="Company size",
                                           field_type=CustomFieldType.SELECT, options=SIZES),
                        ContactCustomField(key="annual_revenue", label="Annual revenue",
                                           field_type=CustomFieldType.NUMBER),
                    ]
                )  # fmt: skip
                uow.flush()
                tag_ids[sub] = {name: t.id for name, t in tags.items()}
                uow.commit()
        fts = _fts_migration()
        raw = rt.database.writer.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("BEGIN IMMEDIATE")
            for name in fts._SQLITE_TRIGGERS:
                cur.execute(f"DROP TRIGGER {name}")
            _fill(cur, tenant.sub_account_id, contacts, tag_ids[tenant.sub_account_id], 1)
            _fill(cur, tenant.other_sub_account_id, 20_000, tag_ids[tenant.other_sub_account_id], 2)
            cur.execute("DELETE FROM contacts_fts")
            cur.execute("DELETE FROM contacts_fts_docs")
            cur.execute("INSERT INTO contacts_fts_docs(contact_id) SELECT id FROM contacts")
            cur.execute(f"INSERT INTO {fts._SQLITE_COLUMNS} {fts._SQLITE_DOCUMENT}")
            for name, body in fts._SQLITE_TRIGGERS.items():
                cur.execute(f"CREATE TRIGGER {name} {body}")
            # The value indexes the custom-field editor creates with each field.
            for key in ("industry", "company_size", "annual_revenue"):
                cur.execute(value_index_sql("sqlite", key))
            cur.execute("COMMIT")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            cur.close()
        finally:
            raw.close()
        run_maintenance(rt.database)
        dataset = Dataset(
            data_dir, tenant.sub_account_id, tenant.other_sub_account_id, OWNER_EMAIL,
            tag_ids[tenant.sub_account_id], contacts,
        )  # fmt: skip
        (data_dir / "dataset.json").write_text(json.dumps({**dataset.__dict__,
                                                           "data_dir": str(data_dir)}))  # fmt: skip
        return dataset
    finally:
        rt.close()


def _ensure_statistics(data: Dataset) -> None:
    """Run the maintenance job once on a cache built before it was part of the build."""
    rt = data.runtime()
    try:
        with rt.database.reader.connect() as conn:
            analysed = conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
            ).scalar()
        if not analysed:
            print("running the maintenance job on the cached dataset (once)...", file=sys.stderr)
            run_maintenance(rt.database)
    finally:
        rt.close()


def dataset(contacts: int = 1_000_000) -> Dataset:
    """The cached dataset of ``contacts`` contacts, built on first use."""
    data_dir = CACHE / f"crm-{contacts}"
    meta = data_dir / "dataset.json"
    if meta.exists():
        info = json.loads(meta.read_text())
        info["data_dir"] = Path(info["data_dir"])
        found = Dataset(**info)
        _ensure_statistics(found)
        return found
    started = time.perf_counter()
    print(f"building the {contacts:,}-contact dataset in {data_dir} (once)...", file=sys.stderr)
    built = _build(data_dir, contacts)
    print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return built
