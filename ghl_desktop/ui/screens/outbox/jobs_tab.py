"""The scheduler's jobs: which process runs them, and each job's last and next run."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ghl_desktop.services.scheduler_state import SchedulerStatus
from ghl_desktop.ui.screens.outbox.models import (
    HOLDER,
    JOB,
    LAST_ERROR,
    LAST_FINISH,
    LAST_START,
    NEXT_RUN,
    RUNS,
    JobTableModel,
    when,
)
from ghl_desktop.ui.widgets.data_table import DataTable


class JobsTab(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.lease = QLabel()
        self.lease.setObjectName("SchedulerLease")
        self.lease.setWordWrap(True)
        self.model = JobTableModel(self)
        self.table = DataTable(
            self.model, stretch_column=LAST_ERROR,
            widths={JOB: 170, LAST_START: 160, LAST_FINISH: 160, NEXT_RUN: 160, RUNS: 90,
                    HOLDER: 220},
        )  # fmt: skip
        self.table.setAccessibleName("Scheduler jobs")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.lease)
        layout.addWidget(self.table, 1)

    def show_status(self, status: SchedulerStatus, own_holder: str | None) -> None:
        self.model.scheduler_running = status.holder is not None and status.is_lease_live
        self.model.set_items(status.jobs)
        if status.holder is None:
            text = "No scheduler is running: messages wait until the app or `serve` runs."
        elif not status.is_lease_live:
            text = (f"The scheduler of {status.holder} stopped answering at "
                    f"{when(status.lease_expires_at)}; another process takes over.")  # fmt: skip
        elif status.holder == own_holder:
            text = f"This app runs the jobs ({status.holder})."
        else:
            text = f"Another process runs the jobs: {status.holder}. This app stands by."
        self.lease.setText(text)
