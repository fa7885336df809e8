"""The list view's table model: one opportunity per row."""

from __future__ import annotations

from ghl_desktop.services.pipelines.queries import OpportunityInfo
from ghl_desktop.ui.models.base import RecordTableModel
from ghl_desktop.ui.screens.pipelines.loaders import money

NAME, CONTACT, STAGE, STATUS, VALUE, OWNER, CREATED = range(7)


class OpportunityTableModel(RecordTableModel[OpportunityInfo]):
    HEADERS = ("Opportunity", "Contact", "Stage", "Status", "Value", "Owner", "Created")

    def display(self, item: OpportunityInfo, column: int) -> str:
        if column == NAME:
            return item.name
        if column == CONTACT:
            return item.contact_name
        if column == STAGE:
            return item.stage_name
        if column == STATUS:
            return item.status.value.capitalize()
        if column == VALUE:
            return money(item.value_minor, item.currency)
        if column == OWNER:
            return item.owner_name
        return item.created_at.strftime("%Y-%m-%d")

    def tooltip(self, item: OpportunityInfo, column: int) -> str | None:
        if column == STATUS and item.lost_reason:
            return f"Lost: {item.lost_reason}"
        return None

    def is_dimmed(self, item: OpportunityInfo) -> bool:
        return item.status.value in ("lost", "abandoned")
