"""Reusable widgets of the desktop app (one per module)."""
