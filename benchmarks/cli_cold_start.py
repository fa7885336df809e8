"""Cold start of the CLI next to ``python -c "import PySide6.QtWidgets"``.

Two figures: ``ghl-desktop --version``, and a real read command (``agencies list --json`` on an
already migrated database: imports, engine, schema check, catalogue, one query). All are fresh
processes timed from spawn to exit; the runs alternate with the baseline so drift on the
machine hits both alike. The baseline is what any Qt app pays before doing anything.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ghl_desktop import __version__

RUNS = 11


def _command() -> list[str]:
    script = Path(sys.executable).parent / "ghl-desktop"
    return [str(script)] if script.exists() else [sys.executable, "-m", "ghl_desktop"]


def _seconds(command: list[str], expect: str | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    if expect is not None and done.stdout.strip() != expect:
        raise RuntimeError(f"{command} printed {done.stdout!r}, expected {expect!r}")
    return elapsed


def measure(command: list[str], expect: str | None, runs: int = RUNS) -> tuple[float, float]:
    """Median seconds of ``command`` and of the Qt import baseline, alternating."""
    baseline = [sys.executable, "-c", "import PySide6.QtWidgets"]
    _seconds(command), _seconds(baseline)  # warm the OS file cache for both
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(_seconds(command, expect))
        theirs.append(_seconds(baseline))
    return statistics.median(ours), statistics.median(theirs)


def _report(label: str, ours: float, baseline: float) -> None:
    print(
        f"{label}: {ours * 1000:.0f} ms "
        f"(baseline import PySide6.QtWidgets: {baseline * 1000:.0f} ms, "
        f"ratio {ours / baseline:.2f}; medians of {RUNS})",
        flush=True,
    )


def main() -> None:
    _report(
        "cli --version cold start",
        *measure([*_command(), "--version"], f"ghl-desktop {__version__}"),
    )
    os.environ["GHL_DESKTOP_SECRETS"] = "file"
    with tempfile.TemporaryDirectory(prefix="ghl-cli-bench-") as scratch:
        listing = [*_command(), "--data-dir", scratch, "agencies", "list", "--json"]
        subprocess.run([*_command(), "--data-dir", scratch, "migrate"], check=True,
                       capture_output=True)  # fmt: skip
        _report("cli agencies list cold start", *measure(listing, "[]"))


if __name__ == "__main__":
    main()
