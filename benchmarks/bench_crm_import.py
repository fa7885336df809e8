"""CSV import of 100,000 contacts vs. a raw ``executemany`` of the same rows.

Ours: ``services.contact_import.importer.import_contacts`` on a 100k-row CSV (UTF-8, the
headers agencies export: names, email, national phone numbers, company, city, state, postal
code, source, tags, created date and a custom field) into a fresh migrated database: parsing,
mapping, validation and normalisation (email-validator, phonenumbers), duplicate checks,
tags, the full-text index, domain events, one transaction.

Baseline: the same contacts, already validated, written by one ``executemany`` into the same
table of another fresh database (its triggers and indexes included), one transaction.

Targets: >= 10,000 contacts/s, and >= 0.2 of the baseline's rate.
"""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.crm_dataset import CACHE, CITIES, COMPANIES, FIRST, INDUSTRIES, LAST, NOW
from ghl_desktop.bootstrap import Runtime, build_runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.ids import new_id
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.services import agencies, custom_field_definitions
from ghl_desktop.services.actor import Actor

ROWS = 100_000
TARGET_RATE = 10_000
TARGET_RATIO = 0.2
HEADERS = ["First Name", "Last Name", "Email", "Phone", "Company Name", "City", "State",
           "Postal Code", "Source", "Tags", "Created Date", "Industry"]  # fmt: skip
TAG_CHOICES = ["VIP", "Lead", "Newsletter", "Webinar", "Referral"]


def make_csv(rows: int) -> Path:
    path = CACHE / f"import-{rows}.csv"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(HEADERS)
    for i in range(rows):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, state = rng.choice(CITIES)
        tags = ", ".join(rng.sample(TAG_CHOICES, rng.randrange(0, 3)))
        w.writerow([
            first, last, f"{first}.{last}.{i}@Example{i % 50}.com",
            f"({rng.choice([212, 312, 415, 617, 713])}) {rng.randrange(200, 999)}-{i % 10000:04d}",
            f"{rng.choice(COMPANIES)} Inc", city, state, f"{rng.randrange(10000, 99999)}",
            "import", tags, f"{rng.randrange(1, 13):02d}/{rng.randrange(1, 29):02d}/2025",
            rng.choice(INDUSTRIES),
        ])  # fmt: skip
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def fresh(data_dir: Path) -> tuple[Runtime, Actor, str]:
    secrets = EncryptedFileSecretStore(data_dir / "secrets" / "secrets.enc")
    rt = build_runtime(data_dir, None, clock=FixedClock(NOW), secrets=secrets)
    inst = agencies.init_installation(rt.uows, "Bench", "o@bench.example", "bench-pass-123", "O")
    owner = Actor(inst.owner_user_id, "o@bench.example")
    sub = agencies.create_sub_account(rt.uows, owner, inst.agency_id, "Import").id
    custom_field_definitions.create_custom_field(
        rt.uows, owner, sub, label="Industry", field_type="select", options=INDUSTRIES
    )
    return rt, owner, sub


def run_ours(csv_path: Path, work: Path) -> tuple[float, int, list[dict[str, object]]]:
    from ghl_desktop.services.contact_import.importer import import_contacts

    rt, owner, sub = fresh(work / "ours")
    try:
        data = csv_path.read_bytes()
        started = time.perf_counter()
        result = import_contacts(rt.uows, owner, sub, data)
        elapsed = time.perf_counter() - started
        with rt.database.writer.connect() as conn:
            rows = [
                dict(r._mapping)
                for r in conn.exec_driver_sql(
                    "SELECT * FROM contacts WHERE sub_account_id = ?", (sub,)
                )
            ]
        return elapsed, result.created, rows
    finally:
        rt.close()


def run_raw(rows: list[dict[str, object]], work: Path) -> float:
    rt, _owner, sub = fresh(work / "raw")
    try:
        columns = [c for c in rows[0] if c != "sub_account_id"]
        sql = (
            f"INSERT INTO contacts (sub_account_id, {', '.join(columns)})"
            f" VALUES (?, {', '.join('?' for _ in columns)})"
        )
        params = [(sub, *(new_id() if c == "id" else r[c] for c in columns)) for r in rows]
        raw = rt.database.writer.raw_connection()
        try:
            cur = raw.cursor()
            started = time.perf_counter()
            cur.execute("BEGIN IMMEDIATE")
            cur.executemany(sql, params)
            cur.execute("COMMIT")
            return time.perf_counter() - started
        finally:
            raw.close()
    finally:
        rt.close()


def main() -> int:
    csv_path = make_csv(ROWS)
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        ours_s, created, rows = run_ours(csv_path, work)
        raw_s = run_raw(rows, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ours_rate, raw_rate = created / ours_s, len(rows) / raw_s
    ratio = ours_rate / raw_rate
    print(f"CSV import of {ROWS:,} contacts ({created:,} created)")
    print(f"  ours (import_contacts)     {ours_s:7.2f} s  {ours_rate:9,.0f} contacts/s")
    print(f"  baseline (raw executemany) {raw_s:7.2f} s  {raw_rate:9,.0f} contacts/s")
    ok = ours_rate >= TARGET_RATE and ratio >= TARGET_RATIO
    print(
        f"  ratio {ratio:.2f} (target >= {TARGET_RATIO}), rate target >= {TARGET_RATE:,}/s: "
        f"{'PASS' if ok else 'FAIL'}"
    )
    print(json.dumps({"bench": "crm_import", "ours_per_s": round(ours_rate),
                      "raw_per_s": round(raw_rate), "ratio": round(ratio, 3)}))  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
