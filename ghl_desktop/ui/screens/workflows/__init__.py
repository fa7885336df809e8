"""Automation: the workflows list, the tree builder, versions and find references.

Runtime panels (executions, dry run) live beside these as ``executions_*.py`` /
``dry_run_*.py`` and plug into the editor through ``editor.register_extra_tab``.
"""
