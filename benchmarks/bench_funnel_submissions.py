"""Form submissions end to end over HTTP: a visitor GETs the page, POSTs the form, and the
server checks the token, validates, creates the contact (FTS index, activity log, tag), stores
the submission, records ``contact.created``, ``contact.tag_added`` and ``form.submitted`` and the
``form_submitted`` analytics event, commits and dispatches - on SQLite with the app's settings
(WAL, ``synchronous=FULL``). Target: 300 posts/s or more.

Next to it, measured in the same run on the same disk: the physical limit of committing one
row per transaction with ``synchronous=FULL`` (what a post would cost if every post waited for
its own disk sync). Load comes from a separate process (``benchmarks._loadgen --form``) with
64 visitors posting at once.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlean
from sqlalchemy import func, select

from benchmarks._funnel_site import build_site
from benchmarks.bench_funnel_page import load
from ghl_desktop.bootstrap import Runtime
from ghl_desktop.core.ids import new_id
from ghl_desktop.funnel_server.runner import FunnelServer
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.sites import FormSubmission
from ghl_desktop.models.system import DomainEventRecord
from ghl_desktop.services.sites import public
from ghl_desktop.services.sites.server_settings import ServerSettings
from ghl_desktop.services.sites.submissions import FormPost
from ghl_desktop.services.sites.visitor_posts import process_posts
from ghl_desktop.services.sites.writer import BatchWriter

ROUNDS = 3
POSTS = 2_000
VISITORS = 64  # posting at once: a burst of visitors on a popular funnel
COMMITS = 400


def commits_per_second(folder: Path) -> float:
    """One INSERT + COMMIT per transaction, WAL and synchronous=FULL like the app's database."""
    conn = sqlean.connect(str(folder / "sync-baseline.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)")
    started = time.perf_counter()
    for n in range(COMMITS):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (body) VALUES (?)", (f"row {n}",))
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return COMMITS / seconds


def service_posts_per_second(rt: Runtime, form_path: str) -> float:
    """The same path without HTTP: 64 threads hand posts (new visitors) to the batch writer
    and wait for each, as the request handlers do."""
    page = public.published_page(rt.uows, host=None, funnel_slug=form_path.strip("/"),
                                 page_slug="")  # fmt: skip
    assert page is not None
    form = next(iter(page.forms.values()))
    posts = [
        FormPost(sub_account_id=page.sub_account_id, form_id=form.id, submission_id=new_id(),
                 fields=form.fields, tags=tuple(form.settings["tags"]), region=page.region,
                 values={"full_name": f"Direct {n}", "email": f"direct{n}@example.com",
                         "agree": True}, page_id=page.page_id, funnel_id=page.funnel_id)
        for n in range(POSTS)
    ]  # fmt: skip
    writer: BatchWriter[FormPost, object] = BatchWriter(lambda batch: process_posts(rt.uows, batch))
    started = time.perf_counter()
    with ThreadPoolExecutor(VISITORS) as pool:
        list(pool.map(lambda post: writer.submit(post).result(), posts))
    seconds = time.perf_counter() - started
    writer.close()
    return POSTS / seconds


def measure() -> tuple[list[dict[str, float]], list[float], tuple[int, int, int], float]:
    with tempfile.TemporaryDirectory(prefix="ghl-submit-bench-") as scratch:
        folder = Path(scratch)
        site = build_site(folder / "data")
        rt = site.runtime
        settings = ServerSettings(port=0, min_fill_seconds=0, submissions_per_minute=10**6,
                                  access_log=False)  # fmt: skip
        server = FunnelServer(rt.uows, rt.clock, rt.secrets, settings)
        server.start()
        posts, baseline = [], []
        try:
            for _ in range(ROUNDS):
                baseline.append(commits_per_second(folder))
                result = load(server.url + site.form_path, POSTS, form=True,
                              connections=VISITORS)  # fmt: skip
                assert result["statuses"] == {"303": POSTS}, result
                posts.append(result)
            batches = server.state.writer.batches
        finally:
            server.stop()
        direct = service_posts_per_second(rt, site.form_path)
        with rt.uows.system(read_only=True) as uow:

            def count(model: type, *where: object) -> int:
                stmt = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
                return int(uow.session.scalar(stmt) or 0)

            counts = (
                count(Contact),
                count(FormSubmission),
                count(DomainEventRecord, DomainEventRecord.name == "form.submitted"),
            )
        rt.close()
        print(f"{ROUNDS * POSTS} posts were written in {batches} transactions")
    return posts, baseline, counts, direct


def main() -> None:
    posts, baseline, (contacts, submissions, events), direct = measure()
    expected = ROUNDS * POSTS
    # Each round posts the same visitors' emails: round one creates the contacts, the later
    # rounds match them (the two paths a real funnel sees).
    # ... and the run without HTTP adds POSTS new contacts.
    stored = expected + POSTS
    assert (contacts, submissions, events) == (2 * POSTS, stored, stored), (
        contacts, submissions, events,
    )  # fmt: skip
    for n, result in enumerate(posts, 1):
        kind = "creating contacts" if n == 1 else "matching contacts"
        print(f"round {n} ({kind}): {result['rps']:,.0f} posts/s, p99 {result['p99_ms']:.0f} ms")
    rate = statistics.median(r["rps"] for r in posts)
    p99 = statistics.median(r["p99_ms"] for r in posts)
    limit = statistics.median(baseline)
    print(
        f"form submissions end to end: {rate:,.0f} posts/s, p99 {p99:.0f} ms "
        f"({POSTS} contacts created, then matched twice; target >= 300/s) "
        f"- one commit per post on this disk would allow {limit:,.0f}/s"
    )
    print(
        f"form submissions through the services (no HTTP, {VISITORS} at once, new contacts): "
        f"{direct:,.0f} posts/s (target >= 300/s)"
    )


if __name__ == "__main__":
    main()
