"""The PySide6 desktop app: views, Qt item models, background ops and the event bridge.

Nothing here opens a database session: widgets call service functions through ``ui.ops``.
"""
