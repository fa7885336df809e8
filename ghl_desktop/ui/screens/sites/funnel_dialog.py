"""Create a funnel, or edit its name, address, custom domain, description and icons."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from ghl_desktop.services.sites import funnels
from ghl_desktop.services.sites.funnels import FunnelInfo
from ghl_desktop.ui.context import UiContext
from ghl_desktop.ui.widgets.form_dialog import FormDialog
from ghl_desktop.ui.workspace import WorkspaceSnapshot


class FunnelDialog(FormDialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None, snapshot: WorkspaceSnapshot,
        existing: FunnelInfo | None = None,
    ) -> None:  # fmt: skip
        title = "New funnel" if existing is None else f"Edit {existing.name}"
        super().__init__(ctx, parent, title, "Create" if existing is None else "Save")
        self.snapshot = snapshot
        self.existing = existing
        self.change_topics = ("sites",)
        settings = existing.settings if existing else {}
        self.name = QLineEdit(existing.name if existing else "")
        self.name.setObjectName("FunnelName")
        self.name.setPlaceholderText("e.g. Spring Launch")
        self.slug = QLineEdit(existing.slug if existing else "")
        self.slug.setObjectName("FunnelSlug")
        self.slug.setPlaceholderText("made from the name when empty")
        self.domain = QLineEdit(existing.custom_domain or "" if existing else "")
        self.domain.setObjectName("FunnelDomain")
        self.domain.setPlaceholderText("optional, e.g. offers.example.com")
        self.description = QPlainTextEdit(existing.description if existing else "")
        self.description.setFixedHeight(70)
        self.favicon = QLineEdit(settings.get("favicon_url", ""))
        self.social = QLineEdit(settings.get("social_image_url", ""))
        self.add_field("Name", self.name, "name")
        self.add_field("Address /…/", self.slug, "slug")
        self.add_field("Custom domain", self.domain, "custom_domain")
        self.add_field("Description", self.description, "description")
        self.add_field("Favicon URL", self.favicon, "settings.favicon_url")
        self.add_field("Social image URL", self.social, "settings.social_image_url")

    def operation(self) -> Callable[[], object]:
        uows, actor = self.ctx.uows, self.snapshot.actor
        sub = self.snapshot.sub_account.id if self.snapshot.sub_account else ""
        settings = {"favicon_url": self.favicon.text(), "social_image_url": self.social.text()}
        name, slug, domain = self.name.text(), self.slug.text().strip(), self.domain.text()
        description = self.description.toPlainText()
        if self.existing is None:
            return lambda: funnels.create_funnel(
                uows, actor, sub, name, slug_text=slug or None, description=description,
                custom_domain=domain, settings=settings,
            )  # fmt: skip
        funnel_id = self.existing.id
        changes = {"name": name, "description": description, "custom_domain": domain,
                   "settings": settings, **({"slug": slug} if slug else {})}  # fmt: skip
        return lambda: funnels.update_funnel(uows, actor, sub, funnel_id, changes)
