"""The embedded funnel server: published pages, form and survey posts, previews, health.

Starlette on uvicorn, started in a background thread by the desktop app or in the foreground
by ``ghl-desktop serve``. It calls ``ghl_desktop.services`` only: never the GUI or the CLI.
"""
