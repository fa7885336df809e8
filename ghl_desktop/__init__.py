"""ghl_desktop: local-first CRM and marketing automation for agencies."""

__version__ = "0.1.0"
