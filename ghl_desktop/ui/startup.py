"""What happens before the first window: open and migrate the database, create the demo
agency on a first start, find the user to sign in automatically. Plain Python (no Qt): it runs
on the writer thread while the splash paints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ghl_desktop.bootstrap import Runtime, build_runtime
from ghl_desktop.services import agencies, auth, users
from ghl_desktop.services.actor import SYSTEM, Actor
from ghl_desktop.services.demo import create_demo


@dataclass(frozen=True)
class Startup:
    runtime: Runtime
    auto_actor: Actor | None  # who to sign in without asking, if anyone
    demo_created: bool


def _silent(_message: str) -> None:
    pass


def prepare(
    data_dir: Path | None, database_url: str | None, progress: Callable[[str], None] = _silent
) -> Startup:
    """Open (and migrate) the database; ``data_dir`` None means the default data folder.
    ``progress`` hears what is happening (called on this thread)."""
    runtime = build_runtime(data_dir, database_url)
    try:
        demo_created = False
        if not agencies.list_agencies(runtime.uows, SYSTEM):
            # First start: a working demo agency beats an empty window, and its owner is
            # signed in automatically (turn it off in Settings → My account).
            progress("Creating the demo agency…")
            demo = create_demo(runtime.uows)
            owner_id = users.find_user_id(runtime.uows, demo.owner_email)
            auth.set_auto_sign_in(runtime.uows, auth.actor_for_user(runtime.uows, owner_id), True)
            demo_created = True
        return Startup(runtime, auth.auto_sign_in(runtime.uows), demo_created)
    except BaseException:
        runtime.close()
        raise
