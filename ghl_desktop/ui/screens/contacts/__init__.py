"""The CRM screens: contacts list, contact detail, tasks, and their settings pages."""
