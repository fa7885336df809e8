"""The in-process scheduler: APScheduler wakes fixed-id jobs up; all state lives in our tables.

``SchedulerHost`` runs inside the desktop app and under ``ghl-desktop serve``; only the host
holding the database's scheduler lease runs jobs (see ``services.scheduler_state``).
"""
