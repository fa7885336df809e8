"""A separate process running ``run_due`` on a database, for the reliability tests.

``python -m tests.integration.workflow_worker DATA_DIR DATABASE_URL|- NOW_ISO [BATCH]``
prints the run summary as JSON. ``GHL_WORKFLOWS_PAUSE_AT`` makes it stop at a crash point.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path

from ghl_desktop.bootstrap import build_runtime
from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.secrets import EncryptedFileSecretStore
from ghl_desktop.services.workflows.engine import run_due


def main(argv: list[str]) -> int:
    data_dir, url, now = Path(argv[0]), argv[1], datetime.fromisoformat(argv[2])
    batch = int(argv[3]) if len(argv) > 3 else 50
    # The database is migrated already: skip the migration check, the catalogue and the
    # start-up redispatch, so two workers starting at once do not queue on the writer.
    rt = build_runtime(
        data_dir, None if url == "-" else url, clock=FixedClock(now), migrate=False,
        # One secrets file per worker: two workers creating the same key file race on its
        # temporary name (core.secrets writes KEY.tmp, then renames it).
        secrets=EncryptedFileSecretStore(data_dir / f"worker-secrets-{os.getpid()}.enc"),
    )  # fmt: skip
    try:
        summary = run_due(rt.uows, batch_size=batch, wait_batch=batch)
        print(json.dumps(summary.as_dict()))
    finally:
        rt.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
