"""The page editor's live preview: the draft as the embedded server renders it, pictured by
headless Chromium (the Qt wheel has no web view), refreshed after each save; "Open in
browser" shows the same signed preview address in the user's browser."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.ops import ReadOp

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WIDTH, HEIGHT = 1200, 1800
TIMEOUT_S = 30
DEBOUNCE_MS = 500


def find_browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def screenshot(browser: str, url: str) -> bytes:
    """A PNG of ``url`` at the preview width (runs Chromium headless; blocking)."""
    with tempfile.TemporaryDirectory(prefix="ghl-preview-") as scratch:
        out = Path(scratch) / "page.png"
        subprocess.run(  # noqa: S603 (a browser found on PATH, our own preview address)
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", f"--user-data-dir={scratch}/profile",
             f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={out}", url],
            check=False, capture_output=True, timeout=TIMEOUT_S,
        )  # fmt: skip
        if not out.exists():
            raise RuntimeError("Chromium made no picture of the page")
        return out.read_bytes()


class PreviewPane(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.url: str | None = None
        self.browser = find_browser()
        self.status = QLabel("Save the page to see it here.")
        self.status.setObjectName("PreviewStatus")
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self.picture = QLabel()
        self.picture.setObjectName("PreviewPicture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.picture)
        self.open_button = QPushButton("Open in browser")
        self.open_button.setObjectName("OpenPreview")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_in_browser)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._render)
        self.pixmap: QPixmap | None = None

    def show_url(self, url: str | None) -> None:
        """Preview ``url`` (None: the funnel server is not running)."""
        self.url = url
        self.open_button.setEnabled(url is not None)
        if url is None:
            self.status.setText("The funnel server is not running: no preview.")
            return
        if self.browser is None:
            self.status.setText("Install Chromium to see the preview here; "
                                "Open in browser works meanwhile.")  # fmt: skip
            return
        self.status.setText("Rendering the preview…")
        self._timer.start(DEBOUNCE_MS)

    def _render(self) -> None:
        browser, url = self.browser, self.url
        if browser is None or url is None:
            return
        ReadOp(self.ctx.ops, self, lambda: screenshot(browser, url), key="preview").success(
            self._show
        ).failure(lambda error: self.status.setText(f"No preview: {error}")).run()

    def _show(self, png: bytes) -> None:
        pixmap = QPixmap()
        pixmap.loadFromData(png, "PNG")
        width = max(320, self.picture.width() - 16)
        self.pixmap = pixmap
        self.picture.setPixmap(
            pixmap.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        )
        self.status.setText("Preview of the saved draft (visitors see the published version).")

    def open_in_browser(self) -> None:
        if self.url:
            QDesktopServices.openUrl(QUrl(self.url))
