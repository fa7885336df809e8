"""The built-in action executors; importing this package registers them by action type."""

from ghl_desktop.services.workflows.engine.actions import contact, flow, messaging, opportunity

__all__ = ["contact", "flow", "messaging", "opportunity"]
