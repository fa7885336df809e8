"""Sites: funnels and their pages (builder blocks or raw HTML), publishing, forms, surveys, what
visitors submit through them, and the visitor analytics of a funnel.

The funnel server (``ghl_desktop.funnel_server``) is the public entry point into this package;
the GUI and the CLI are the owner's.
"""
