"""Dialogs (one per module): forms that run a write operation and show its errors inline."""
