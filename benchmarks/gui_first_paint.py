"""Cold start of the desktop app to the first paint of its main window with the demo agency,
next to the bare cost of ``import PySide6.QtWidgets`` measured in the same run.

Each app run is a fresh process, offscreen, on a data directory where the demo agency already
exists (and its owner signs in automatically); ``GHL_DESKTOP_EXIT_AFTER_FIRST_PAINT=1`` makes
the app print ``first-paint <unix time>`` when the main window first paints with the workspace
loaded, then quit. The figure is that time minus the moment the process was started. Runs of
the app and of the baseline alternate, so drift on the machine hits both alike.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
TIMEOUT_S = 120
FIRST_PAINT_ENV = "GHL_DESKTOP_EXIT_AFTER_FIRST_PAINT"


def _env(config_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "QT_QPA_PLATFORM": "offscreen",
            FIRST_PAINT_ENV: "1",
            # The app's preferences (QSettings) go to a scratch folder, not the user's.
            "XDG_CONFIG_HOME": str(config_home),
        }
    )
    return env


def first_paint_seconds(data_dir: Path, config_home: Path) -> float:
    """Seconds from starting ``ghl-desktop`` to the first paint of its main window."""
    command = [sys.executable, "-m", "ghl_desktop", "--data-dir", str(data_dir)]
    started = time.time()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_env(config_home),
    ) as process:  # fmt: skip
        try:
            out, err = process.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            raise RuntimeError(f"no first paint within {TIMEOUT_S} s") from None
    for line in out.splitlines():
        if line.startswith("first-paint "):
            return float(line.split()[1]) - started
    raise RuntimeError(f"the app never painted (exit {process.returncode}):\n{err[-2000:]}")


def import_qtwidgets_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import PySide6.QtWidgets"], check=True)
    return time.perf_counter() - started


def measure(runs: int = RUNS) -> tuple[float, float]:
    """Median seconds to first paint, and median seconds of the baseline import."""
    with tempfile.TemporaryDirectory(prefix="ghl-gui-bench-") as scratch:
        data_dir, config_home = Path(scratch) / "data", Path(scratch) / "config"
        # The first start migrates and creates the demo agency: not part of the figure.
        first_paint_seconds(data_dir, config_home)
        app_times, baseline_times = [], []
        for _ in range(runs):
            app_times.append(first_paint_seconds(data_dir, config_home))
            baseline_times.append(import_qtwidgets_seconds())
    return statistics.median(app_times), statistics.median(baseline_times)


def main() -> None:
    app, baseline = measure()
    print(
        f"gui first paint: {app * 1000:.0f} ms "
        f"(baseline import PySide6.QtWidgets: {baseline * 1000:.0f} ms, "
        f"ratio {app / baseline:.1f})"
    )


if __name__ == "__main__":
    main()
